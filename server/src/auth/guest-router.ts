// auth.guest and auth.upgradeGuest.
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { issueSession } from './password-router';
import { emailInput, newPasswordInput, signedInOutput } from './schema';
import { createGuest, upgradeGuest } from './guest';

export const guestInput = z.object({
  alias: z.string().trim().min(2, 'must be at least 2 characters').max(32, 'must be at most 32 characters'),
  gender: z.string().trim().min(1).max(32).optional(),
});

export const upgradeGuestInput = z.object({ email: emailInput, password: newPasswordInput });

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
