// auth.totp.*: two-factor codes from an authenticator app, and the second step of a password login.
import { memberProcedure, publicProcedure, router } from '../../trpc/init';
import { issueSession } from '../public-session';
import { disableTotp, enableTotp, setupTotp } from './credential';
import { okOutput, signedInOutput } from '../schema';
import { disableTotpInput, enableTotpInput, totpEnableOutput, totpSetupOutput, verifyLoginInput } from './schema';
import { finishTwoFactorLogin } from './two-factor-login';
import { assertRecentlyReauthenticated } from '../reauthentication';
import { noteSecurityChange } from '../security-notices';

// Turning two-factor on needs a fresh proof (password or passkey): a stolen session could otherwise
// lock the owner out with its own authenticator. Checked at setup (fail early) and at enable. Turning
// it off needs a current code, itself the proof (throttled per account).
export const totpRouter = router({
  setup: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/totp/setup', tags: ['totp'], errorResponses: [409], summary: 'Start two-factor setup: a new secret and its QR code' } })
    .output(totpSetupOutput)
    .mutation(async ({ ctx }) => {
      await assertRecentlyReauthenticated(ctx.deps, ctx.session);
      return setupTotp(ctx.deps, ctx.user);
    }),

  enable: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/totp/enable', tags: ['totp'], errorResponses: [409], summary: 'Turn two-factor on with a code from the app; answers recovery codes once' } })
    .input(enableTotpInput)
    .output(totpEnableOutput)
    .mutation(async ({ ctx, input }) => {
      await assertRecentlyReauthenticated(ctx.deps, ctx.session);
      const result = await enableTotp(ctx.deps, ctx.user, input.code);
      await noteSecurityChange(ctx.deps, ctx.user, 'totp_enabled', ctx.request);
      return result;
    }),

  disable: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/totp/disable', tags: ['totp'], summary: 'Turn two-factor off with a code (or a recovery code)' } })
    .input(disableTotpInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
    await disableTotp(ctx.deps, ctx.user, input.code);
    await noteSecurityChange(ctx.deps, ctx.user, 'totp_disabled', ctx.request);
    return { ok: true as const };
  }),

  verifyLogin: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/totp/verify-login', tags: ['totp'], protect: false, errorResponses: [401], summary: "Finish a password sign-in with the login's challenge and a code" } })
    .input(verifyLoginInput)
    .output(signedInOutput)
    .mutation(async ({ ctx, input }) => {
    const result = await finishTwoFactorLogin(ctx.deps, input, ctx.request);
    return issueSession(ctx, result);
  }),
});
