// auth.guest and auth.upgradeGuest.
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { issueSession } from './public-session';
import { guestInput, signedInOutput, upgradeGuestInput } from './schema';
import { createGuest, upgradeGuest } from './guest';


export const guestRouter = router({
  guest: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/guest', tags: ['auth'], protect: false, summary: 'Sign in as a guest (no e-mail; rooms only)' } })
    .input(guestInput)
    .output(signedInOutput)
    .mutation(async ({ ctx, input }) => issueSession(ctx, await createGuest(ctx.deps, input, ctx.request))),

  upgradeGuest: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/guest/upgrade', tags: ['auth'], errorResponses: [409], summary: 'Turn your guest account into a full one, keeping its history' } })
    .input(upgradeGuestInput)
    .output(signedInOutput)
    .mutation(async ({ ctx, input }) => issueSession(ctx, await upgradeGuest(ctx.deps, ctx.user, input, ctx.request))),
});
