// auth.passkey.*: WebAuthn registration (also passwordless sign-up), authentication, list and remove.
import { openSignInSession, signIn } from '../sign-in-session';
import { authedProcedure, publicProcedure, router } from '../../trpc/init';
import { ok, okOutput, restRoutes } from '../../trpc/rest-meta';
import { issueSession } from '../public-session';
import { toPublicUser } from '../user';
import { signedInOutput } from '../schema';
import {
  authenticationOptionsInput, authenticationOptionsOutput, authenticationResponseInput, passkeyListOutput, passkeyRegisteredOutput,
  registrationOptionsInput, registrationOptionsOutput, registrationResponseInput, removePasskeyInput,
} from './schema';
import { createAuthenticationOptions, verifyPasskeyAuthentication } from './authentication';
import { listPasskeys, removePasskey, toPublicPasskey } from './credentials';
import { createRegistrationOptions, verifyPasskeyRegistration } from './registration';
import { assertRecentlyReauthenticated } from '../reauthentication';
import { noteSecurityChange } from '../security-notices';

const route = restRoutes('passkeys');

export const passkeyRouter = router({
  registrationOptions: publicProcedure.meta(route('POST', '/auth/passkeys/registration-options', 'Start adding a passkey (signed in) or a passwordless sign-up (signed out)', { protect: false }))
    .input(registrationOptionsInput).output(registrationOptionsOutput).mutation(async ({ ctx, input }) => {
      // Adding a passkey to an account needs a fresh proof: a stolen session must not mint a lasting credential.
      if (ctx.session) await assertRecentlyReauthenticated(ctx.deps, ctx.session);
      // A sign-up's options store a challenge row too: throttled per client IP like authenticationOptions.
      else await ctx.deps.limits.consume('passkey_challenge_ip', ctx.request.ip ?? 'unknown');
      return createRegistrationOptions(ctx.deps, ctx.user, input);
    }),

  /** A sign-up returns the new account's session token (and sets the cookie); otherwise token is null. */
  register: publicProcedure.meta(route('POST', '/auth/passkeys', "Finish adding a passkey with the authenticator's response", { protect: false, errorResponses: [409] }))
    .input(registrationResponseInput).output(passkeyRegisteredOutput).mutation(async ({ ctx, input }) => {
      if (ctx.session) await assertRecentlyReauthenticated(ctx.deps, ctx.session);
      const result = await verifyPasskeyRegistration(ctx.deps, ctx.user, input, ctx.request);
      if (!result.signedUp) await noteSecurityChange(ctx.deps, result.user, 'passkey_added', ctx.request, { passkeyId: result.passkey.id });
      const signedIn = result.signedUp
        ? issueSession(ctx, { user: result.user, ...(await openSignInSession(ctx.deps, result.user, ctx.request, 'register')) })
        : { user: toPublicUser(result.user), token: null };
      return { passkey: toPublicPasskey(result.passkey), user: signedIn.user, token: signedIn.token as string | null };
    }),

  authenticationOptions: publicProcedure.meta(route('POST', '/auth/passkeys/authentication-options', 'Start a sign-in with a passkey', { protect: false }))
    .input(authenticationOptionsInput).output(authenticationOptionsOutput).mutation(async ({ ctx, input }) => {
      // Each answer stores a challenge row: throttled per client IP (passkey_challenge_ip).
      await ctx.deps.limits.consume('passkey_challenge_ip', ctx.request.ip ?? 'unknown');
      return createAuthenticationOptions(ctx.deps, input);
    }),

  authenticate: publicProcedure.meta(route('POST', '/auth/passkeys/authenticate', "Sign in with the authenticator's response", { protect: false, errorResponses: [401] }))
    .input(authenticationResponseInput).output(signedInOutput).mutation(async ({ ctx, input }) => {
      const user = await verifyPasskeyAuthentication(ctx.deps, input);
      // Audited like any sign-in, with the new-device notice.
      return issueSession(ctx, await signIn(ctx.deps, user, ctx.request));
    }),

  list: authedProcedure.meta(route('GET', '/auth/passkeys', 'Your passkeys')).output(passkeyListOutput)
    .query(async ({ ctx }) => (await listPasskeys(ctx.deps.db, ctx.user.id)).map(toPublicPasskey)),

  remove: authedProcedure.meta(route('DELETE', '/auth/passkeys/{id}', 'Remove one of your passkeys')).input(removePasskeyInput).output(okOutput)
    .mutation(({ ctx, input }) => removePasskey(ctx.deps.db, ctx.user, input.id).then(ok)),
});
