// Passkey ceremonies in the browser: the server's JSON options go to navigator.credentials through
// the WebAuthn JSON helpers (PublicKeyCredential.parse*FromJSON / toJSON), and the answer back to
// the server. The session link keeps the token a sign-in or a passwordless sign-up returns.
import type { TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './router.generated';

type Inputs = inferRouterInputs<AppRouter>['auth']['passkey'];
type Outputs = inferRouterOutputs<AppRouter>['auth']['passkey'];
/** Any client of the Parley router: createParleyClient's, or the one your tRPC integration made. */
export type PasskeyCaller = Pick<TRPCClient<AppRouter>, 'auth'>;

type JsonCredentialApi = {
  parseCreationOptionsFromJSON(options: unknown): CredentialCreationOptions['publicKey'];
  parseRequestOptionsFromJSON(options: unknown): CredentialRequestOptions['publicKey'];
};

function webAuthn(): JsonCredentialApi {
  const api = (globalThis as { PublicKeyCredential?: Partial<JsonCredentialApi> }).PublicKeyCredential;
  if (!api?.parseCreationOptionsFromJSON || !api.parseRequestOptionsFromJSON) throw new Error('This browser has no passkey support (WebAuthn JSON helpers)');
  return api as JsonCredentialApi;
}

/**
 * Creates a passkey: signed in, it is added to the account; signed out, `input` ({ email?, name? })
 * starts a passwordless sign-up and the new session is kept.
 */
export async function createPasskey(client: PasskeyCaller, input?: Inputs['registrationOptions']): Promise<Outputs['register']> {
  const options = await client.auth.passkey.registrationOptions.mutate(input);
  const credential = (await navigator.credentials.create({ publicKey: webAuthn().parseCreationOptionsFromJSON(options) })) as (Credential & { toJSON(): unknown }) | null;
  if (!credential) throw new Error('No passkey was created');
  return client.auth.passkey.register.mutate(credential.toJSON() as Inputs['register']);
}

/** Signs in with a passkey; without an e-mail the browser offers every passkey it holds for this site. */
export async function signInWithPasskey(client: PasskeyCaller, input: Inputs['authenticationOptions'] = {}): Promise<Outputs['authenticate']> {
  const options = await client.auth.passkey.authenticationOptions.mutate(input);
  const credential = (await navigator.credentials.get({ publicKey: webAuthn().parseRequestOptionsFromJSON(options) })) as (Credential & { toJSON(): unknown }) | null;
  if (!credential) throw new Error('No passkey was chosen');
  return client.auth.passkey.authenticate.mutate(credential.toJSON() as Inputs['authenticate']);
}
