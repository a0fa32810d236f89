// auth.passkey.*: WebAuthn registration (also passwordless sign-up), authentication, list and remove.
import { openSignInSession, signIn } from '../sign-in-session';
import { authedProcedure, publicProcedure, router } from '../../trpc/init';
import { issueSession } from '../password-router';
import { toPublicUser } from '../user';
import { authenticationOptionsInput, authenticationResponseInput, registrationOptionsInput, registrationResponseInput, removePasskeyInput } from './schema';
import { createAuthenticationOptions, verifyPasskeyAuthentication } from './authentication';
import { listPasskeys, removePasskey, toPublicPasskey } from './credentials';
import { createRegistrationOptions, verifyPasskeyRegistration } from './registration';
import { assertRecentlyReauthenticated } from '../reauthentication';
import { noteSecurityChange } from '../security-notices';

export const passkeyRouter = router({
  registrationOptions: publicProcedure
    .input(registrationOptionsInput)
    .mutation(async ({ ctx, input }) => {
      // Adding a passkey to an account needs a fresh proof: a stolen session must not mint a lasting credential.
      if (ctx.session) await assertRecentlyReauthenticated(ctx.deps, ctx.session);
      return createRegistrationOptions(ctx.deps, ctx.user, input);
    }),

  /** A sign-up returns the new account's session token (and sets the cookie); otherwise token is null. */
  register: publicProcedure.input(registrationResponseInput).mutation(async ({ ctx, input }) => {
    if (ctx.session) await assertRecentlyReauthenticated(ctx.deps, ctx.session);
    const result = await verifyPasskeyRegistration(ctx.deps, ctx.user, input, ctx.request);
    if (!result.signedUp) await noteSecurityChange(ctx.deps, result.user, 'passkey_added', ctx.request, { passkeyId: result.passkey.id });
    const signedIn = result.signedUp
      ? issueSession(ctx, { user: result.user, ...(await openSignInSession(ctx.deps, result.user, ctx.request, 'register')) })
      : { user: toPublicUser(result.user), token: null };
    return { passkey: toPublicPasskey(result.passkey), user: signedIn.user, token: signedIn.token as string | null };
  }),

  authenticationOptions: publicProcedure
    .input(authenticationOptionsInput)
    .mutation(({ ctx, input }) => createAuthenticationOptions(ctx.deps, input)),

  authenticate: publicProcedure.input(authenticationResponseInput).mutation(async ({ ctx, input }) => {
    const user = await verifyPasskeyAuthentication(ctx.deps, input);
    // Audited like any sign-in, with the new-device notice.
    return issueSession(ctx, await signIn(ctx.deps, user, ctx.request));
  }),

  list: authedProcedure.query(async ({ ctx }) => (await listPasskeys(ctx.deps.db, ctx.user.id)).map(toPublicPasskey)),

  remove: authedProcedure.input(removePasskeyInput).mutation(async ({ ctx, input }) => {
    await removePasskey(ctx.deps.db, ctx.user, input.id);
    return { ok: true as const };
  }),
});
