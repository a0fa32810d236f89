// auth.totp.*: two-factor codes from an authenticator app, and the second step of a password login.
import { memberProcedure, publicProcedure, router } from '../../trpc/init';
import { issueSession } from '../password-router';
import { disableTotp, enableTotp, setupTotp } from './credential';
import { disableTotpInput, enableTotpInput, verifyLoginInput } from './schema';
import { finishTwoFactorLogin } from './two-factor-login';
import { assertRecentlyReauthenticated } from '../reauthentication';
import { noteSecurityChange } from '../security-notices';

export const totpRouter = router({
  // Turning two-factor on needs a fresh proof (password or passkey): a stolen session could otherwise
  // lock the owner out with its own authenticator. Checked at setup (fail early) and at enable.
  setup: memberProcedure.mutation(async ({ ctx }) => {
    await assertRecentlyReauthenticated(ctx.deps, ctx.session);
    return setupTotp(ctx.deps, ctx.user);
  }),

  enable: memberProcedure.input(enableTotpInput).mutation(async ({ ctx, input }) => {
    await assertRecentlyReauthenticated(ctx.deps, ctx.session);
    const result = await enableTotp(ctx.deps, ctx.user, input.code);
    await noteSecurityChange(ctx.deps, ctx.user, 'totp_enabled', ctx.request);
    return result;
  }),

  // The current code it needs is itself the re-authentication (a TOTP proof, throttled per account).
  disable: memberProcedure.input(disableTotpInput).mutation(async ({ ctx, input }) => {
    await disableTotp(ctx.deps, ctx.user, input.code);
    await noteSecurityChange(ctx.deps, ctx.user, 'totp_disabled', ctx.request);
    return { ok: true as const };
  }),

  verifyLogin: publicProcedure.input(verifyLoginInput).mutation(async ({ ctx, input }) => {
    const result = await finishTwoFactorLogin(ctx.deps, input, ctx.request);
    return issueSession(ctx, result);
  }),
});
