// auth.recovery.*: getting back into an account without a password — a code by SMS to the number it
// gave, or a mailed link — then a new passkey (or a password), which signs in.
import type { OpenApiMeta } from 'trpc-to-openapi';
import { publicProcedure, router } from '../../trpc/init';
import { okOutput } from '../schema';
import { issueSession } from '../public-session';
import { toPublicPasskey } from '../passkey/credentials';
import { recoveryPasskeyOptions, recoverWithPasskey, recoverWithPassword } from './complete';
import { redeemEmailLink, requestEmailLink } from './email-link';
import { requestPhoneCode, verifyPhoneCode } from './phone-code';
import {
  grantOutput, passkeyOptionsInput, passkeyOptionsOutput, recoveredOutput, recoveredWithPasskeyOutput, recoverWithPasskeyInput,
  recoverWithPasswordInput, redeemEmailLinkInput, requestEmailLinkInput, requestPhoneCodeInput, verifyPhoneCodeInput,
} from './schema';

const openapi = (method: 'POST', path: `/${string}`, summary: string): OpenApiMeta => ({ openapi: { method, path: `/auth/recovery${path}`, tags: ['auth'], protect: false, summary } });
const grantResult = (result: { grant: string; expiresAt: Date }) => ({ grant: result.grant, expiresAt: result.expiresAt.toISOString() });

export const accountRecoveryRouter = router({
  requestPhoneCode: publicProcedure
    .meta(openapi('POST', '/phone-code', 'Send a recovery code by SMS to the number an account gave (same answer for every number)'))
    .input(requestPhoneCodeInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requestPhoneCode(ctx.deps, input.phone, ctx.request);
      return { ok: true as const };
    }),

  verifyPhoneCode: publicProcedure
    .meta(openapi('POST', '/phone-code/verify', 'Trade the SMS code for a recovery grant (10 minutes, one use)'))
    .input(verifyPhoneCodeInput)
    .output(grantOutput)
    .mutation(async ({ ctx, input }) => grantResult(await verifyPhoneCode(ctx.deps, input, ctx.request))),

  requestEmailLink: publicProcedure
    .meta(openapi('POST', '/email-link', 'Mail a recovery link to an account without a password (same answer for every address)'))
    .input(requestEmailLinkInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await requestEmailLink(ctx.deps, input.email, ctx.request);
      return { ok: true as const };
    }),

  redeemEmailLink: publicProcedure
    .meta(openapi('POST', '/email-link/redeem', "Trade the mailed link's token for a recovery grant (10 minutes, one use)"))
    .input(redeemEmailLinkInput)
    .output(grantOutput)
    .mutation(async ({ ctx, input }) => grantResult(await redeemEmailLink(ctx.deps, input.token, ctx.request))),

  passkeyOptions: publicProcedure
    .meta(openapi('POST', '/passkey-options', "WebAuthn options for the account's new passkey (the grant stays usable)"))
    .input(passkeyOptionsInput)
    .output(passkeyOptionsOutput)
    .mutation(({ ctx, input }) => recoveryPasskeyOptions(ctx.deps, input.grant, input.nickname)),

  registerPasskey: publicProcedure
    .meta(openapi('POST', '/passkey', 'Register the new passkey with the grant and sign in; ends other sessions and old passkeys unless kept'))
    .input(recoverWithPasskeyInput)
    .output(recoveredWithPasskeyOutput)
    .mutation(async ({ ctx, input }) => {
      const result = await recoverWithPasskey(ctx.deps, input, ctx.request);
      return { ...issueSession(ctx, result), endedSessions: result.endedSessions, removedPasskeys: result.removedPasskeys, passkey: toPublicPasskey(result.passkey) };
    }),

  setPassword: publicProcedure
    .meta(openapi('POST', '/password', 'Set a password with the grant and sign in; ends other sessions and old passkeys unless kept'))
    .input(recoverWithPasswordInput)
    .output(recoveredOutput)
    .mutation(async ({ ctx, input }) => {
      const result = await recoverWithPassword(ctx.deps, input, ctx.request);
      return { ...issueSession(ctx, result), endedSessions: result.endedSessions, removedPasskeys: result.removedPasskeys };
    }),
});
