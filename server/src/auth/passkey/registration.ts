// The registration ceremony: add a passkey to a signed-in account, or sign up with a passkey alone
// (e-mail optional, phone optional and kept for recovery only).
// @simplewebauthn/server is imported on first use: its ASN.1 and X.509 dependencies cost ≈ 0.3 s of CPU
// to load, on every start, for ceremonies a server runs rarely.
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { generateId } from '../../db/ids';
import { passkeys, users } from '../../db/schema/index';
import { AppError } from '../../errors';
import { CHALLENGE_TTL_MS, storeChallenge } from '../challenges';
import type { User } from '../session';
import { normalizeEmail } from '../user';
import type { ClientMeta } from '../sign-in-session';
import { listPasskeys, type Passkey } from './credentials';
import { consumeSignedChallenge, expectedCeremony, relyingPartyOf } from './relying-party';
import type { RegistrationOptionsInput, RegistrationResponse } from './schema';

/** What the server remembers between the options and the response. */
type RegistrationChallengeData = {
  nickname: string | null;
  /** Present for a sign-up: the account to create once the passkey is verified. */
  signUp: { userId: string; email: string | null; phone: string | null; name: string | null } | null;
};

export async function createRegistrationOptions(deps: AppDeps, user: User | null, input: RegistrationOptionsInput) {
  const { generateRegistrationOptions } = await import('@simplewebauthn/server');
  const rp = relyingPartyOf(deps.config);
  let data: RegistrationChallengeData;
  let account: { id: string; userName: string; displayName: string };
  let exclude: { id: string; transports?: string[] }[] = [];
  if (user) {
    if (user.kind === 'guest') throw new AppError('GUEST_NOT_ALLOWED');
    data = { nickname: input?.nickname ?? null, signUp: null };
    account = { id: user.id, userName: user.email ?? user.name ?? user.id, displayName: user.name ?? user.email ?? '' };
    // The authenticator refuses to make a second passkey for the same account.
    exclude = (await listPasskeys(deps.db, user.id)).map((p) => ({ id: p.id, transports: p.transports ?? undefined }));
  } else {
    // No lookup here: the options are the same for a known and an unknown address. A taken address
    // shows only at register, after a whole ceremony, throttled like auth.register.
    const email = input?.email ? normalizeEmail(input.email) : null;
    const signUp = { userId: generateId(), email, phone: input?.phone ?? null, name: input?.name ?? null };
    data = { nickname: input?.nickname ?? null, signUp };
    account = { id: signUp.userId, userName: email ?? signUp.name ?? `${rp.rpName} account`, displayName: signUp.name ?? email ?? '' };
  }
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: account.userName,
    userID: new TextEncoder().encode(account.id),
    userDisplayName: account.displayName,
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: exclude,
    // Discoverable and user-verified: the passkey alone signs in, with no e-mail typed.
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  });
  await storeChallenge(deps.db, { id: options.challenge, kind: 'passkey_registration', userId: user?.id ?? null, value: options.challenge, data });
  return options;
}

export type RegistrationResult = { passkey: Passkey; user: User; signedUp: boolean };

export async function verifyPasskeyRegistration(deps: AppDeps, user: User | null, response: RegistrationResponse, meta: ClientMeta): Promise<RegistrationResult> {
  const { verifyRegistrationResponse } = await import('@simplewebauthn/server');
  const rp = relyingPartyOf(deps.config);
  const row = await consumeSignedChallenge(deps.db, 'passkey_registration', response.response.clientDataJSON);
  const data = row?.data as RegistrationChallengeData | undefined;
  // A challenge given to a signed-in account completes only in that account's session.
  if (!row || !data || (row.userId !== null && row.userId !== user?.id) || (row.userId === null && !data.signUp)) {
    throw new AppError('CHALLENGE_EXPIRED');
  }
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      ...expectedCeremony(rp, row),
    });
  } catch (error) {
    throw new AppError('PASSKEY_INVALID', { cause: error });
  }
  if (!verification.verified) throw new AppError('PASSKEY_INVALID');
  const { credential } = verification.registrationInfo;
  if (data.signUp) {
    if (meta.ip) await deps.limits.consume('register_ip', meta.ip);
    if (data.signUp.email) await deps.limits.consume('register_email', data.signUp.email);
  }

  const result = await deps.db.transaction(async (tx) => {
    let owner = user!;
    if (data.signUp) {
      const { userId, email, phone, name } = data.signUp;
      const [created] = await tx.insert(users).values({ id: userId, email, phone, name }).onConflictDoNothing().returning();
      if (!created) throw new AppError('EMAIL_TAKEN');
      owner = created;
    } else {
      const [current] = await tx.select().from(users).where(eq(users.id, owner.id));
      if (!current) throw new AppError('UNAUTHENTICATED');
    }
    const [passkey] = await tx
      .insert(passkeys)
      .values({
        id: credential.id,
        userId: owner.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports ?? response.response.transports ?? [],
        nickname: data.nickname,
      })
      .onConflictDoNothing()
      .returning();
    if (!passkey) throw new AppError('CONFLICT', { message: 'This passkey is already registered' });
    return { passkey, user: owner, signedUp: data.signUp !== null };
  });
  deps.metrics.authEvents.inc({ event: result.signedUp ? 'passkey_signup' : 'passkey_registered' });
  return result;
}
