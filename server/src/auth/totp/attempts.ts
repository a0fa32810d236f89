// Wrong two-factor codes are throttled per account (the totp_code limit: 5 misses lock code entry
// for 15 minutes). In-process memory: with N instances an attacker gets 5×N guesses per window,
// still a negligible share of a million codes.
import type { AppDeps } from '../../deps';

/**
 * Runs check unless the account is locked. The attempt is counted before the check, so concurrent
 * guesses can't overrun the window; a success clears the count.
 */
export async function throttleCodeAttempts(deps: Pick<AppDeps, 'limits'>, userId: string, check: () => Promise<boolean>): Promise<boolean> {
  await deps.limits.consume('totp_code', userId);
  if (!(await check())) return false;
  await deps.limits.reset('totp_code', userId);
  return true;
}
