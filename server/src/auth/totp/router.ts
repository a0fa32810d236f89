// auth.totp.*: two-factor codes from an authenticator app, and the second step of a password login.
import { memberProcedure, publicProcedure, router } from '../../trpc/init';
import { ok, okOutput, restRoutes } from '../../trpc/rest-meta';
import { issueSession } from '../public-session';
import { disableTotp, enableTotp, setupTotp } from './credential';
import { signedInOutput } from '../schema';
import { disableTotpInput, enableTotpInput, totpEnableOutput, totpSetupOutput, verifyLoginInput } from './schema';
import { finishTwoFactorLogin } from './two-factor-login';
import { assertRecentlyReauthenticated } from '../reauthentication';
import { noteSecurityChange } from '../security-notices';

// Turning two-factor on needs a fresh proof (password or passkey): a stolen session could otherwise
// lock the owner out with its own authenticator. Checked at setup (fail early) and at enable. Turning
// it off needs a current code, itself the proof (throttled per account).
const route = restRoutes('totp');

export const totpRouter = router({
  setup: memberProcedure.meta(route('POST', '/auth/totp/setup', 'Start two-factor setup: a new secret and its QR code', { errorResponses: [409] })).output(totpSetupOutput)
    .mutation(async ({ ctx }) => {
      await assertRecentlyReauthenticated(ctx.deps, ctx.session);
      return setupTotp(ctx.deps, ctx.user);
    }),

  enable: memberProcedure.meta(route('POST', '/auth/totp/enable', 'Turn two-factor on with a code from the app; answers recovery codes once', { errorResponses: [409] }))
    .input(enableTotpInput).output(totpEnableOutput).mutation(async ({ ctx, input }) => {
      await assertRecentlyReauthenticated(ctx.deps, ctx.session);
      const result = await enableTotp(ctx.deps, ctx.user, input.code);
      await noteSecurityChange(ctx.deps, ctx.user, 'totp_enabled', ctx.request);
      return result;
    }),

  disable: memberProcedure.meta(route('POST', '/auth/totp/disable', 'Turn two-factor off with a code (or a recovery code)')).input(disableTotpInput).output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await disableTotp(ctx.deps, ctx.user, input.code);
      await noteSecurityChange(ctx.deps, ctx.user, 'totp_disabled', ctx.request);
      return ok();
    }),

  verifyLogin: publicProcedure.meta(route('POST', '/auth/totp/verify-login', "Finish a password sign-in with the login's challenge and a code", { protect: false, errorResponses: [401] }))
    .input(verifyLoginInput).output(signedInOutput).mutation(async ({ ctx, input }) => issueSession(ctx, await finishTwoFactorLogin(ctx.deps, input, ctx.request))),
});
