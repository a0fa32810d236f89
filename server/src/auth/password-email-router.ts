// auth.* for the password and the address: changePassword, the mailed password reset, e-mail verification
// (account recovery without a password is auth.recovery.*, in recovery/).
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { requestEmailVerification, verifyEmail } from './email-verification';
import { changePassword, requestPasswordReset, resetPassword } from './password-reset';
import {
  changePasswordInput, changePasswordOutput, okOutput, requestEmailVerificationOutput, requestPasswordResetInput, resetPasswordInput, verifyEmailInput,
} from './schema';

export const passwordEmailRouter = router({
  changePassword: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/password/change', tags: ['auth'], summary: 'Change your password (ends every other session)' } })
    .input(changePasswordInput)
    .output(changePasswordOutput)
    .mutation(async ({ ctx, input }) => {
      const { endedSessions } = await changePassword(ctx.deps, ctx.user, ctx.session, input, ctx.request);
      return { ok: true as const, endedSessions };
    }),

  requestPasswordReset: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/password/reset-request', tags: ['auth'], protect: false, summary: 'Mail a single-use password reset link (always answers ok)' } })
    .input(requestPasswordResetInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx.deps, input.email, ctx.request);
      return { ok: true as const };
    }),

  resetPassword: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/password/reset', tags: ['auth'], protect: false, summary: 'Set a new password with the mailed token (ends every session)' } })
    .input(resetPasswordInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await resetPassword(ctx.deps, input, ctx.request);
      return { ok: true as const };
    }),

  requestEmailVerification: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/email/verification-request', tags: ['auth'], summary: 'Mail a link that verifies your e-mail address' } })
    .output(requestEmailVerificationOutput)
    .mutation(async ({ ctx }) => {
      const { alreadyVerified } = await requestEmailVerification(ctx.deps, ctx.user);
      return { ok: true as const, alreadyVerified };
    }),

  verifyEmail: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/email/verify', tags: ['auth'], protect: false, summary: 'Verify an e-mail address with the mailed token' } })
    .input(verifyEmailInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await verifyEmail(ctx.deps, input.token, ctx.request);
      return { ok: true as const };
    }),
});
