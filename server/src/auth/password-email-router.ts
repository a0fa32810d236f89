// auth.* for the password and the address: changePassword, the mailed password reset, e-mail verification
// (account recovery without a password is auth.recovery.*, in recovery/).
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { ok, okOutput, restRoutes } from '../trpc/rest-meta';
import { requestEmailVerification, verifyEmail } from './email-verification';
import { changePassword, requestPasswordReset, resetPassword } from './password-reset';
import {
  changePasswordInput, changePasswordOutput, requestEmailVerificationOutput, requestPasswordResetInput, resetPasswordInput, verifyEmailInput,
} from './schema';

const route = restRoutes('auth');

export const passwordEmailRouter = router({
  changePassword: authedProcedure.meta(route('POST', '/auth/password/change', 'Change your password (ends every other session)')).input(changePasswordInput).output(changePasswordOutput)
    .mutation(async ({ ctx, input }) => {
      const { endedSessions } = await changePassword(ctx.deps, ctx.user, ctx.session, input, ctx.request);
      return { ok: true as const, endedSessions };
    }),

  requestPasswordReset: publicProcedure.meta(route('POST', '/auth/password/reset-request', 'Mail a single-use password reset link (always answers ok)', { protect: false }))
    .input(requestPasswordResetInput).output(okOutput).mutation(({ ctx, input }) => requestPasswordReset(ctx.deps, input.email, ctx.request).then(ok)),

  resetPassword: publicProcedure.meta(route('POST', '/auth/password/reset', 'Set a new password with the mailed token (ends every session)', { protect: false }))
    .input(resetPasswordInput).output(okOutput).mutation(({ ctx, input }) => resetPassword(ctx.deps, input, ctx.request).then(ok)),

  requestEmailVerification: authedProcedure.meta(route('POST', '/auth/email/verification-request', 'Mail a link that verifies your e-mail address')).output(requestEmailVerificationOutput)
    .mutation(async ({ ctx }) => {
      const { alreadyVerified } = await requestEmailVerification(ctx.deps, ctx.user);
      return { ok: true as const, alreadyVerified };
    }),

  verifyEmail: publicProcedure.meta(route('POST', '/auth/email/verify', 'Verify an e-mail address with the mailed token', { protect: false }))
    .input(verifyEmailInput).output(okOutput).mutation(({ ctx, input }) => verifyEmail(ctx.deps, input.token, ctx.request).then(ok)),
});
