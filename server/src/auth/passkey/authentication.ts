// The authentication ceremony: a passkey signs a single-use challenge and the account is signed in.
// @simplewebauthn/server is imported on first use: its ASN.1 and X.509 dependencies cost ≈ 0.3 s of CPU
// to load, on every start, for ceremonies a server runs rarely.
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { passkeys } from '../../db/schema/index';
import { AppError } from '../../errors';
import { CHALLENGE_TTL_MS, storeChallenge } from '../challenges';
import type { User } from '../session';
import { getUserByEmail, getUserById } from '../user';
import { getPasskeyById, listPasskeys } from './credentials';
import { consumeSignedChallenge, expectedCeremony, relyingPartyOf } from './relying-party';
import type { AuthenticationResponse } from './schema';

/** With an e-mail the browser offers that account's passkeys; without, any discoverable passkey for us. */
export async function createAuthenticationOptions(deps: AppDeps, input: { email?: string } | undefined) {
  const { generateAuthenticationOptions } = await import('@simplewebauthn/server');
  const rp = relyingPartyOf(deps.config);
  const user = input?.email ? await getUserByEmail(deps.db, input.email) : null;
  const owned = user ? await listPasskeys(deps.db, user.id) : [];
  // An account without passkeys gets the same answer as an unknown e-mail.
  const allowCredentials = owned.length > 0 ? owned.map((p) => ({ id: p.id, transports: p.transports ?? undefined })) : undefined;
  const options = await generateAuthenticationOptions({
    rpID: rp.rpID,
    allowCredentials,
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(deps.db, { id: options.challenge, kind: 'passkey_authentication', userId: owned.length > 0 ? user!.id : null, value: options.challenge });
  return options;
}

export async function verifyPasskeyAuthentication(deps: AppDeps, response: AuthenticationResponse): Promise<User> {
  try {
    const user = await checkAssertion(deps, response);
    deps.metrics.authEvents.inc({ event: 'passkey_login' });
    return user;
  } catch (error) {
    deps.metrics.authEvents.inc({ event: 'passkey_login_failed' });
    throw error;
  }
}

async function checkAssertion(deps: AppDeps, response: AuthenticationResponse): Promise<User> {
  const { verifyAuthenticationResponse } = await import('@simplewebauthn/server');
  const rp = relyingPartyOf(deps.config);
  const row = await consumeSignedChallenge(deps.db, 'passkey_authentication', response.response.clientDataJSON);
  if (!row) throw new AppError('CHALLENGE_EXPIRED');
  const passkey = await getPasskeyById(deps.db, response.id);
  // Options asked for one account's passkeys: another account's passkey does not answer them.
  if (!passkey || (row.userId !== null && row.userId !== passkey.userId)) throw new AppError('PASSKEY_REJECTED');
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      ...expectedCeremony(rp, row),
      credential: { id: passkey.id, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.counter, transports: passkey.transports ?? undefined },
    });
  } catch (error) {
    // Bad signature, wrong origin or RP id, or a counter that went backwards (a cloned authenticator).
    throw new AppError('PASSKEY_REJECTED', { cause: error });
  }
  if (!verification.verified) throw new AppError('PASSKEY_REJECTED');
  await deps.db
    .update(passkeys)
    .set({ counter: verification.authenticationInfo.newCounter, lastUsedAt: new Date() })
    .where(eq(passkeys.id, passkey.id));
  const user = await getUserById(deps.db, passkey.userId);
  if (!user) throw new AppError('PASSKEY_REJECTED');
  return user;
}
