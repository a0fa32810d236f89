// auth.guest and auth.upgradeGuest.
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { issueSession } from './password-router';
import { emailInput, newPasswordInput } from './schema';
import { createGuest, upgradeGuest } from './guest';

export const guestInput = z.object({
  alias: z.string().trim().min(2, 'must be at least 2 characters').max(32, 'must be at most 32 characters'),
  gender: z.string().trim().min(1).max(32).optional(),
});

export const upgradeGuestInput = z.object({ email: emailInput, password: newPasswordInput });

export const guestRouter = router({
  guest: publicProcedure.input(guestInput).mutation(async ({ ctx, input }) => issueSession(ctx, await createGuest(ctx.deps, input, ctx.request))),

  upgradeGuest: authedProcedure
    .input(upgradeGuestInput)
    .mutation(async ({ ctx, input }) => issueSession(ctx, await upgradeGuest(ctx.deps, ctx.user, input, ctx.request))),
});
