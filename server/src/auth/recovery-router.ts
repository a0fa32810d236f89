// auth.* for getting back in and proving the address: changePassword, password reset, e-mail verification.
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { requestEmailVerification, verifyEmail } from './email-verification';
import { changePassword, requestPasswordReset, resetPassword } from './password-reset';
import { changePasswordInput, okOutput, requestPasswordResetInput, resetPasswordInput, verifyEmailInput } from './schema';
import { z } from 'zod';

export const recoveryRouter = router({
  changePassword: authedProcedure
    .input(changePasswordInput)
    .output(z.object({ ok: z.literal(true), endedSessions: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const { endedSessions } = await changePassword(ctx.deps, ctx.user, ctx.session, input, ctx.request);
      return { ok: true as const, endedSessions };
    }),

  requestPasswordReset: publicProcedure
    .input(requestPasswordResetInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx.deps, input.email, ctx.request);
      return { ok: true as const };
    }),

  resetPassword: publicProcedure
    .input(resetPasswordInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await resetPassword(ctx.deps, input, ctx.request);
      return { ok: true as const };
    }),

  requestEmailVerification: authedProcedure
    .output(z.object({ ok: z.literal(true), alreadyVerified: z.boolean() }))
    .mutation(async ({ ctx }) => {
      const { alreadyVerified } = await requestEmailVerification(ctx.deps, ctx.user);
      return { ok: true as const, alreadyVerified };
    }),

  verifyEmail: publicProcedure
    .input(verifyEmailInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await verifyEmail(ctx.deps, input.token, ctx.request);
      return { ok: true as const };
    }),
});
