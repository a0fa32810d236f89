// Re-authentication: before a change that would let a stolen session outlive its theft (adding a
// passkey, turning on two-factor, changing the e-mail), the session's holder proves a credential
// again — the password, a TOTP code, or one of the account's passkeys. The proof is kept on the
// session for a few minutes; a session token alone never suffices.
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { sessions } from '../db/schema/index';
import { AppError } from '../errors';
import { recordAuditEvent } from './audit';
import { verifyPasskeyAuthentication } from './passkey/authentication';
import type { AuthenticationResponse } from './passkey/schema';
import { verifyPasswordHash } from './password';
import type { Session, User } from './session';
import type { ClientMeta } from './sign-in-session';
import { isTotpEnabled, verifySecondFactor } from './totp/credential';

/** How long one proof unlocks the sensitive changes. */
export const REAUTHENTICATION_WINDOW_MS = 5 * 60_000;

export type ReauthenticationProof = { password?: string; code?: string; passkey?: AuthenticationResponse };

/** Checks one proof and marks the session re-authenticated; wrong proofs are throttled per account. */
export async function reauthenticate(deps: AppDeps, user: User, session: Session, proof: ReauthenticationProof, meta: ClientMeta): Promise<{ validUntil: Date }> {
  const given = [proof.password, proof.code, proof.passkey].filter((p) => p !== undefined).length;
  if (given !== 1) throw new AppError('REAUTHENTICATION_PROOF');
  let method: 'password' | 'totp' | 'passkey';
  if (proof.password !== undefined) {
    method = 'password';
    // Guessing the password from a stolen session is throttled like changePassword.
    await deps.limits.consume('reauth_password_user', user.id);
    const check = user.passwordHash
      ? await verifyPasswordHash(deps.passwords, user.passwordHash, proof.password, deps.config.passwordHashProfile)
      : { valid: false };
    if (!check.valid) throw new AppError('WRONG_PASSWORD');
  } else if (proof.code !== undefined) {
    method = 'totp';
    if (!(await isTotpEnabled(deps.db, user.id))) throw new AppError('TOTP_NOT_ENABLED');
    // Throttled per account (totp/attempts.ts); recovery codes count too.
    if (!(await verifySecondFactor(deps, user.id, proof.code))) throw new AppError('INVALID_CODE');
  } else {
    method = 'passkey';
    const owner = await verifyPasskeyAuthentication(deps, proof.passkey!);
    if (owner.id !== user.id) throw new AppError('PASSKEY_REJECTED');
  }
  const now = new Date();
  await deps.db.update(sessions).set({ reauthenticatedAt: now }).where(eq(sessions.id, session.id));
  await recordAuditEvent(deps, { event: 'reauthenticated', userId: user.id, ...meta, detail: { method } });
  return { validUntil: new Date(now.getTime() + REAUTHENTICATION_WINDOW_MS) };
}

/** Throws REAUTHENTICATION_REQUIRED unless this session proved a credential within the window (read fresh, not from the session cache). */
export async function assertRecentlyReauthenticated(deps: AppDeps, session: Pick<Session, 'id'>): Promise<void> {
  const [row] = await deps.db.select({ at: sessions.reauthenticatedAt }).from(sessions).where(eq(sessions.id, session.id));
  if (!row?.at || Date.now() - row.at.getTime() > REAUTHENTICATION_WINDOW_MS) throw new AppError('REAUTHENTICATION_REQUIRED');
}
