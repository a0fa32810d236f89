// Registration and password sign-in: the service functions behind auth.register and auth.login.
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { recordAuditEvent } from './audit';
import { hashPassword, verifyPasswordHash } from './password';
import { assertAcceptablePassword } from './password-rules';
import { beginLoginAttempt, clearLoginFailures, type LoginAttempt, recordLoginFailure } from './login-throttle';
import { invalidateSession, type Session, type User } from './session';
import { type ClientMeta, openSignInSession, signIn } from './sign-in-session';
import { createUser, getUserByEmail, getUserForSignIn, normalizeEmail, setPasswordHash } from './user';
import { startTwoFactorLogin, type TwoFactorRequired } from './totp/two-factor-login';

/** Runs a hash or verify under the parley_password_hash_seconds metric. */
export async function timedHash<T>(deps: AppDeps, op: 'hash' | 'verify', work: () => Promise<T>): Promise<T> {
  const end = deps.metrics.passwordHashSeconds.startTimer({ op });
  try {
    return await work();
  } finally {
    end();
  }
}

export async function registerWithPassword(
  deps: AppDeps,
  input: { email: string; password: string; name?: string },
  meta: ClientMeta,
): Promise<{ user: User; session: Session; token: string }> {
  if (meta.ip) await deps.limits.consume('register_ip', meta.ip);
  await deps.limits.consume('register_email', normalizeEmail(input.email));
  assertAcceptablePassword(input.password, input.email);
  const passwordHash = await timedHash(deps, 'hash', () => hashPassword(deps.passwords, input.password, deps.config.passwordHashProfile));
  const user = await createUser(deps.db, { email: input.email, name: input.name, passwordHash });
  if (!user) throw new AppError('EMAIL_TAKEN');
  const { session, token } = await openSignInSession(deps, user, meta, 'register');
  return { user, session, token };
}

/**
 * Wrong e-mail and wrong password cost the same: an unknown e-mail is verified against a dummy hash.
 * The same query says whether the account has two-factor on, so sign-in needs no second lookup.
 */
export async function verifyCredentials(deps: AppDeps, email: string, password: string): Promise<{ user: User; totpEnabled: boolean } | null> {
  const found = await getUserForSignIn(deps.db, email);
  const profile = deps.config.passwordHashProfile;
  if (!found?.user.passwordHash) {
    const dummy = await deps.dummyPasswordHash();
    await timedHash(deps, 'verify', () => verifyPasswordHash(deps.passwords, dummy, password, profile));
    return null;
  }
  const { user } = found;
  const check = await timedHash(deps, 'verify', () => verifyPasswordHash(deps.passwords, user.passwordHash!, password, profile));
  // A legacy sha256$ hash checks in microseconds: a wrong password would answer faster than an
  // unknown address (which pays an Argon2 verify) and show which old accounts exist. Pay the same.
  if (!check.valid && user.passwordHash!.startsWith('sha256$')) {
    const dummy = await deps.dummyPasswordHash();
    await timedHash(deps, 'verify', () => verifyPasswordHash(deps.passwords, dummy, password, profile));
  }
  if (!check.valid) return null;
  if (check.needsRehash) {
    const upgraded = await timedHash(deps, 'hash', () => hashPassword(deps.passwords, password, profile));
    await setPasswordHash(deps.db, user.id, upgraded);
    user.passwordHash = upgraded;
  }
  return { user, totpEnabled: found.totpEnabled };
}

export async function signInWithPassword(
  deps: AppDeps,
  input: { email: string; password: string },
  meta: ClientMeta,
): Promise<{ user: User; session: Session; token: string } | TwoFactorRequired> {
  const accountKey = normalizeEmail(input.email);
  let attempt: LoginAttempt;
  try {
    attempt = await beginLoginAttempt(deps, accountKey, meta.ip);
  } catch (error) {
    await recordAuditEvent(deps, { event: 'login_failure', ...meta, detail: { reason: 'rate_limited' } });
    throw error;
  }
  let verified: Awaited<ReturnType<typeof verifyCredentials>>;
  try {
    verified = await verifyCredentials(deps, input.email, input.password);
  } catch (error) {
    await attempt.end('not-checked');
    throw error;
  }
  await attempt.end(verified ? 'succeeded' : 'failed');
  if (!verified) {
    const known = await getUserByEmail(deps.db, accountKey);
    const delayMs = await recordLoginFailure(deps, accountKey);
    await recordAuditEvent(deps, { event: 'login_failure', userId: known?.id ?? null, ...meta });
    if (delayMs > 0) await recordAuditEvent(deps, { event: 'lockout', userId: known?.id ?? null, ...meta, detail: { delaySeconds: Math.ceil(delayMs / 1000) } });
    throw new AppError('INVALID_CREDENTIALS');
  }
  if (attempt.hadFailures) await clearLoginFailures(deps, accountKey);
  const { user } = verified;
  // With TOTP on, the password only earns a challenge for auth.totp.verifyLogin.
  if (verified.totpEnabled) return startTwoFactorLogin(deps, user);
  return signIn(deps, user, meta);
}

export async function signOut(deps: AppDeps, session: Session, meta: ClientMeta): Promise<void> {
  await invalidateSession(deps.db, deps.bus, session.id);
  await recordAuditEvent(deps, { event: 'logout', userId: session.userId, ...meta });
}
