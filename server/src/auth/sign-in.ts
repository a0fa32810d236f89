// Registration and password sign-in: the service functions behind auth.register and auth.login.
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { hashPassword, verifyPasswordHash } from './password';
import { createSession, type Session, sessionPolicyOf, type User } from './session';
import { createUser, getUserByEmail, setPasswordHash } from './user';
import { startTwoFactorLogin, type TwoFactorRequired } from './totp/two-factor-login';

export type ClientMeta = { ip: string | null; userAgent: string | null };

async function timedHash<T>(deps: AppDeps, op: 'hash' | 'verify', work: () => Promise<T>): Promise<T> {
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
  const passwordHash = await timedHash(deps, 'hash', () => hashPassword(input.password, deps.config.passwordHashProfile));
  const user = await createUser(deps.db, { email: input.email, name: input.name, passwordHash });
  if (!user) throw new AppError('EMAIL_TAKEN');
  const { session, token } = await createSession(deps.db, sessionPolicyOf(deps.config), user.id, meta);
  return { user, session, token };
}

let dummyHash: Promise<string> | undefined;

/** Wrong e-mail and wrong password cost the same: an unknown e-mail is verified against a dummy hash. */
export async function verifyCredentials(deps: AppDeps, email: string, password: string): Promise<User | null> {
  const user = await getUserByEmail(deps.db, email);
  const profile = deps.config.passwordHashProfile;
  if (!user?.passwordHash) {
    dummyHash ??= hashPassword('parley-dummy-password', profile);
    await timedHash(deps, 'verify', async () => verifyPasswordHash(await dummyHash!, password, profile));
    return null;
  }
  const check = await timedHash(deps, 'verify', () => verifyPasswordHash(user.passwordHash!, password, profile));
  if (!check.valid) return null;
  if (check.needsRehash) {
    const upgraded = await timedHash(deps, 'hash', () => hashPassword(password, profile));
    await setPasswordHash(deps.db, user.id, upgraded);
    user.passwordHash = upgraded;
  }
  return user;
}

export async function signInWithPassword(
  deps: AppDeps,
  input: { email: string; password: string },
  meta: ClientMeta,
): Promise<{ user: User; session: Session; token: string } | TwoFactorRequired> {
  const user = await verifyCredentials(deps, input.email, input.password);
  if (!user) throw new AppError('INVALID_CREDENTIALS');
  // With TOTP on, the password only earns a challenge for auth.totp.verifyLogin.
  const twoFactor = await startTwoFactorLogin(deps, user);
  if (twoFactor) return twoFactor;
  const { session, token } = await createSession(deps.db, sessionPolicyOf(deps.config), user.id, meta);
  return { user, session, token };
}
