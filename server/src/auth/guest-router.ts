// auth.guest and auth.upgradeGuest.
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { restRoutes } from '../trpc/rest-meta';
import { issueSession } from './public-session';
import { guestInput, signedInOutput, upgradeGuestInput } from './schema';
import { createGuest, upgradeGuest } from './guest';

const route = restRoutes('auth');

export const guestRouter = router({
  guest: publicProcedure.meta(route('POST', '/auth/guest', 'Sign in as a guest (no e-mail; rooms only)', { protect: false })).input(guestInput).output(signedInOutput)
    .mutation(async ({ ctx, input }) => issueSession(ctx, await createGuest(ctx.deps, input, ctx.request))),

  upgradeGuest: authedProcedure.meta(route('POST', '/auth/guest/upgrade', 'Turn your guest account into a full one, keeping its history', { errorResponses: [409] }))
    .input(upgradeGuestInput).output(signedInOutput).mutation(async ({ ctx, input }) => issueSession(ctx, await upgradeGuest(ctx.deps, ctx.user, input, ctx.request))),
});
