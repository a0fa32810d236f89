// Brute-force defence of password sign-in, on the server's rate-limit runtime (rate-limits/):
// - per client IP, a window of failed logins (RATE_LIMIT_LOGIN_IP). Its point is taken before the
//   password is checked and given back when the login succeeds, so a burst of concurrent logins
//   (one batched request of hundreds) checks no more passwords than the window has left;
// - per account, a delay that doubles with each consecutive failure beyond the free ones, capped at
//   a few minutes: an attacker can slow a victim's login down but never lock the account for good;
// - per account, attempts checked at once (per instance), since failures are known only after a check.
import type { AppDeps } from '../deps';

export type LoginAttempt = {
  hadFailures: boolean;
  /** The check is over; succeeded: the IP's point is given back. */
  end(outcome: 'succeeded' | 'failed' | 'not-checked'): Promise<void>;
};

type Deps = Pick<AppDeps, 'config' | 'limits'>;

/** Before a password is checked: the account's attempts in flight and current delay, then the IP's window. */
export async function beginLoginAttempt(deps: Deps, accountKey: string, ip: string | null): Promise<LoginAttempt> {
  const release = deps.limits.holdSlot(`login:${accountKey}`, deps.config.rateLimits.loginConcurrencyPerAccount);
  try {
    const [, failures] = await Promise.all([deps.limits.assertNotBlocked('login_delay_account', accountKey), deps.limits.used('login_fail_account', accountKey)]);
    const reservation = ip ? await deps.limits.reserve('login_fail_ip', ip) : null;
    return {
      hadFailures: failures > 0,
      async end(outcome) {
        release();
        if (outcome !== 'failed') await reservation?.refund();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** After a failed login (its IP point stays spent); returns the delay imposed on the account in ms (0 while failures are free). */
export async function recordLoginFailure(deps: Deps, accountKey: string): Promise<number> {
  const count = await deps.limits.count('login_fail_account', accountKey);
  const { freeFailures, baseMs, maxMs } = deps.config.rateLimits.loginBackoff;
  if (count <= freeFailures) return 0;
  const delayMs = Math.min(maxMs, baseMs * 2 ** Math.min(30, count - freeFailures - 1));
  await deps.limits.block('login_delay_account', accountKey, delayMs);
  return delayMs;
}

/** A successful login forgets the account's failures. */
export async function clearLoginFailures(deps: Deps, accountKey: string): Promise<void> {
  await Promise.all([deps.limits.reset('login_fail_account', accountKey), deps.limits.reset('login_delay_account', accountKey)]);
}
