// Wrong two-factor codes are throttled per account: 5 misses lock code entry for 15 minutes.
// In-process memory: with N instances an attacker gets 5×N guesses per window, still a negligible
// share of a million codes.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';

const MAX_MISSES = 5;
const WINDOW_SECONDS = 15 * 60;

// One limiter per server (tests run several in one process).
const limiters = new WeakMap<AppDeps, RateLimiterMemory>();

function limiterOf(deps: AppDeps): RateLimiterMemory {
  let limiter = limiters.get(deps);
  if (!limiter) {
    limiter = new RateLimiterMemory({ keyPrefix: 'totp', points: MAX_MISSES, duration: WINDOW_SECONDS, blockDuration: WINDOW_SECONDS });
    limiters.set(deps, limiter);
  }
  return limiter;
}

function rateLimited(res: RateLimiterRes): AppError {
  return new AppError('RATE_LIMITED', { retryAfterSeconds: Math.ceil(res.msBeforeNext / 1000) });
}

/** Runs check unless the account is locked; a miss counts, a success clears the count. */
export async function throttleCodeAttempts(deps: AppDeps, userId: string, check: () => Promise<boolean>): Promise<boolean> {
  const limiter = limiterOf(deps);
  const state = await limiter.get(userId);
  if (state && state.consumedPoints >= MAX_MISSES) throw rateLimited(state);
  if (await check()) {
    await limiter.delete(userId);
    return true;
  }
  try {
    await limiter.consume(userId);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw rateLimited(error);
    throw error;
  }
  return false;
}
