// auth.passkey.*: WebAuthn registration (also passwordless sign-up), authentication, list and remove.
import { openSignInSession, signIn } from '../sign-in-session';
import { authedProcedure, publicProcedure, router } from '../../trpc/init';
import { issueSession } from '../public-session';
import { toPublicUser } from '../user';
import { okOutput, signedInOutput } from '../schema';
import {
  authenticationOptionsInput, authenticationOptionsOutput, authenticationResponseInput, passkeyListOutput, passkeyRegisteredOutput,
  registrationOptionsInput, registrationOptionsOutput, registrationResponseInput, removePasskeyInput,
} from './schema';
import { createAuthenticationOptions, verifyPasskeyAuthentication } from './authentication';
import { listPasskeys, removePasskey, toPublicPasskey } from './credentials';
import { createRegistrationOptions, verifyPasskeyRegistration } from './registration';
import { assertRecentlyReauthenticated } from '../reauthentication';
import { noteSecurityChange } from '../security-notices';

export const passkeyRouter = router({
  registrationOptions: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/passkeys/registration-options', tags: ['passkeys'], protect: false, summary: 'Start adding a passkey (signed in) or a passwordless sign-up (signed out)' } })
    .input(registrationOptionsInput)
    .output(registrationOptionsOutput)
    .mutation(async ({ ctx, input }) => {
      // Adding a passkey to an account needs a fresh proof: a stolen session must not mint a lasting credential.
      if (ctx.session) await assertRecentlyReauthenticated(ctx.deps, ctx.session);
      // A sign-up's options store a challenge row too: throttled per client IP like authenticationOptions.
      else await ctx.deps.limits.consume('passkey_challenge_ip', ctx.request.ip ?? 'unknown');
      return createRegistrationOptions(ctx.deps, ctx.user, input);
    }),

  /** A sign-up returns the new account's session token (and sets the cookie); otherwise token is null. */
  register: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/passkeys', tags: ['passkeys'], protect: false, errorResponses: [409], summary: "Finish adding a passkey with the authenticator's response" } })
    .input(registrationResponseInput)
    .output(passkeyRegisteredOutput)
    .mutation(async ({ ctx, input }) => {
    if (ctx.session) await assertRecentlyReauthenticated(ctx.deps, ctx.session);
    const result = await verifyPasskeyRegistration(ctx.deps, ctx.user, input, ctx.request);
    if (!result.signedUp) await noteSecurityChange(ctx.deps, result.user, 'passkey_added', ctx.request, { passkeyId: result.passkey.id });
    const signedIn = result.signedUp
      ? issueSession(ctx, { user: result.user, ...(await openSignInSession(ctx.deps, result.user, ctx.request, 'register')) })
      : { user: toPublicUser(result.user), token: null };
    return { passkey: toPublicPasskey(result.passkey), user: signedIn.user, token: signedIn.token as string | null };
  }),

  authenticationOptions: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/passkeys/authentication-options', tags: ['passkeys'], protect: false, summary: 'Start a sign-in with a passkey' } })
    .input(authenticationOptionsInput)
    .output(authenticationOptionsOutput)
    .mutation(async ({ ctx, input }) => {
      // Each answer stores a challenge row: throttled per client IP (passkey_challenge_ip).
      await ctx.deps.limits.consume('passkey_challenge_ip', ctx.request.ip ?? 'unknown');
      return createAuthenticationOptions(ctx.deps, input);
    }),

  authenticate: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/passkeys/authenticate', tags: ['passkeys'], protect: false, errorResponses: [401], summary: "Sign in with the authenticator's response" } })
    .input(authenticationResponseInput)
    .output(signedInOutput)
    .mutation(async ({ ctx, input }) => {
    const user = await verifyPasskeyAuthentication(ctx.deps, input);
    // Audited like any sign-in, with the new-device notice.
    return issueSession(ctx, await signIn(ctx.deps, user, ctx.request));
  }),

  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/auth/passkeys', tags: ['passkeys'], summary: 'Your passkeys' } })
    .output(passkeyListOutput)
    .query(async ({ ctx }) => (await listPasskeys(ctx.deps.db, ctx.user.id)).map(toPublicPasskey)),

  remove: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/auth/passkeys/{id}', tags: ['passkeys'], summary: 'Remove one of your passkeys' } })
    .input(removePasskeyInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
    await removePasskey(ctx.deps.db, ctx.user, input.id);
    return { ok: true as const };
  }),
});
