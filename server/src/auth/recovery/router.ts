// auth.recovery.*: getting back into an account without a password — a code by SMS to the number it
// gave, or a mailed link — then a new passkey (or a password), which signs in.
import { publicProcedure, router } from '../../trpc/init';
import { ok, okOutput, restRoutes } from '../../trpc/rest-meta';
import { issueSession } from '../public-session';
import { toPublicPasskey } from '../passkey/credentials';
import { recoveryPasskeyOptions, recoverWithPasskey, recoverWithPassword } from './complete';
import { redeemEmailLink, requestEmailLink } from './email-link';
import { requestPhoneCode, verifyPhoneCode } from './phone-code';
import {
  grantOutput, passkeyOptionsInput, passkeyOptionsOutput, recoveredOutput, recoveredWithPasskeyOutput, recoverWithPasskeyInput,
  recoverWithPasswordInput, redeemEmailLinkInput, requestEmailLinkInput, requestPhoneCodeInput, verifyPhoneCodeInput,
} from './schema';

const route = restRoutes('auth', { protect: false });
const grantResult = (result: { grant: string; expiresAt: Date }) => ({ grant: result.grant, expiresAt: result.expiresAt.toISOString() });

export const accountRecoveryRouter = router({
  requestPhoneCode: publicProcedure.meta(route('POST', '/auth/recovery/phone-code', 'Send a recovery code by SMS to the number an account gave (same answer for every number)'))
    .input(requestPhoneCodeInput).output(okOutput).mutation(({ ctx, input }) => requestPhoneCode(ctx.deps, input.phone, ctx.request).then(ok)),

  verifyPhoneCode: publicProcedure.meta(route('POST', '/auth/recovery/phone-code/verify', 'Trade the SMS code for a recovery grant (10 minutes, one use)'))
    .input(verifyPhoneCodeInput).output(grantOutput).mutation(({ ctx, input }) => verifyPhoneCode(ctx.deps, input, ctx.request).then(grantResult)),

  requestEmailLink: publicProcedure.meta(route('POST', '/auth/recovery/email-link', 'Mail a recovery link to an account without a password (same answer for every address)'))
    .input(requestEmailLinkInput).output(okOutput).mutation(({ ctx, input }) => requestEmailLink(ctx.deps, input.email, ctx.request).then(ok)),

  redeemEmailLink: publicProcedure.meta(route('POST', '/auth/recovery/email-link/redeem', "Trade the mailed link's token for a recovery grant (10 minutes, one use)"))
    .input(redeemEmailLinkInput).output(grantOutput).mutation(({ ctx, input }) => redeemEmailLink(ctx.deps, input.token, ctx.request).then(grantResult)),

  passkeyOptions: publicProcedure.meta(route('POST', '/auth/recovery/passkey-options', "WebAuthn options for the account's new passkey (the grant stays usable)"))
    .input(passkeyOptionsInput).output(passkeyOptionsOutput).mutation(({ ctx, input }) => recoveryPasskeyOptions(ctx.deps, input.grant, input.nickname)),

  registerPasskey: publicProcedure.meta(route('POST', '/auth/recovery/passkey', 'Register the new passkey with the grant and sign in; ends other sessions and old passkeys unless kept'))
    .input(recoverWithPasskeyInput).output(recoveredWithPasskeyOutput).mutation(async ({ ctx, input }) => {
      const result = await recoverWithPasskey(ctx.deps, input, ctx.request);
      return { ...issueSession(ctx, result), endedSessions: result.endedSessions, removedPasskeys: result.removedPasskeys, passkey: toPublicPasskey(result.passkey) };
    }),

  setPassword: publicProcedure.meta(route('POST', '/auth/recovery/password', 'Set a password with the grant and sign in; ends other sessions and old passkeys unless kept'))
    .input(recoverWithPasswordInput).output(recoveredOutput).mutation(async ({ ctx, input }) => {
      const result = await recoverWithPassword(ctx.deps, input, ctx.request);
      return { ...issueSession(ctx, result), endedSessions: result.endedSessions, removedPasskeys: result.removedPasskeys };
    }),
});
