// Password sign-in of an account with TOTP on happens in two steps: the password gives a
// challenge token (no session), and verifyLogin with a code exchanges it for the session.
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase64urlNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { randomBytes } from 'node:crypto';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { consumeChallenge, findChallenge, storeChallenge } from '../challenges';
import type { Session, User } from '../session';
import { signIn } from '../sign-in-session';
import { getUserById } from '../user';
import { verifySecondFactor } from './credential';

export type TwoFactorRequired = { twoFactorRequired: true; challenge: string };

/** Only the hash is stored, like session secrets: a database reader can't finish someone's login. */
function challengeKey(challenge: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(challenge)));
}

/** Called by auth.login once the password is right for an account with two-factor on. */
export async function startTwoFactorLogin(deps: AppDeps, user: User): Promise<TwoFactorRequired> {
  const challenge = encodeBase64urlNoPadding(randomBytes(32));
  const key = challengeKey(challenge);
  await storeChallenge(deps.db, { id: key, kind: 'two_factor_login', userId: user.id, value: key });
  deps.metrics.authEvents.inc({ event: 'two_factor_challenge' });
  return { twoFactorRequired: true, challenge };
}

export async function finishTwoFactorLogin(
  deps: AppDeps,
  input: { challenge: string; code: string },
  meta: { ip: string | null; userAgent: string | null },
): Promise<{ user: User; session: Session; token: string }> {
  const key = challengeKey(input.challenge);
  const pending = await findChallenge(deps.db, 'two_factor_login', key);
  if (!pending?.userId) throw new AppError('CHALLENGE_EXPIRED');
  // A mistyped code keeps the challenge; the throttle in verifySecondFactor bounds the guesses.
  if (!(await verifySecondFactor(deps, pending.userId, input.code))) throw new AppError('INVALID_CODE');
  if (!(await consumeChallenge(deps.db, 'two_factor_login', key))) throw new AppError('CHALLENGE_EXPIRED');
  const user = await getUserById(deps.db, pending.userId);
  if (!user) throw new AppError('CHALLENGE_EXPIRED');
  deps.metrics.authEvents.inc({ event: 'two_factor_login' });
  return signIn(deps, user, meta);
}
