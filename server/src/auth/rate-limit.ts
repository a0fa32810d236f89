// Brute-force defence with rate-limiter-flexible. On PGlite (one process) counters live in memory;
// on Postgres they live in the rate_limits table through RateLimiterDrizzle, so every instance
// behind a load balancer shares them.
import { RateLimiterDrizzle, RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitSpec } from '../config';
import type { AppDeps } from '../deps';
import { rateLimits } from '../db/schema/index';
import { AppError } from '../errors';

export type Limiter = RateLimiterAbstract;

const limitersByDeps = new WeakMap<AppDeps, Map<string, Limiter>>();

/** One limiter per name and server; the name prefixes its keys in the shared table. */
export function getLimiter(deps: AppDeps, name: string, spec: RateLimitSpec): Limiter {
  let limiters = limitersByDeps.get(deps);
  if (!limiters) limitersByDeps.set(deps, (limiters = new Map()));
  let limiter = limiters.get(name);
  if (!limiter) {
    const options = { keyPrefix: name, points: spec.points, duration: Math.max(1, Math.ceil(spec.durationMs / 1000)) };
    limiter =
      deps.database.kind === 'postgres'
        ? new RateLimiterDrizzle({ ...options, storeClient: deps.db, schema: rateLimits, clearExpiredByTimeout: false })
        : new RateLimiterMemory(options);
    limiters.set(name, limiter);
  }
  return limiter;
}

function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** Counts one event against key; throws RATE_LIMITED (with Retry-After) once the window is full. */
export async function consumeOrThrow(limiter: Limiter, key: string, points = 1): Promise<void> {
  try {
    await limiter.consume(key, points);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw new AppError('RATE_LIMITED', { retryAfterSeconds: retryAfterSeconds(error) });
    throw error;
  }
}

/** Throws RATE_LIMITED when key has already used up its window, without counting this request. */
export async function assertNotLimited(limiter: Limiter, key: string): Promise<void> {
  const res = await limiter.get(key);
  if (res && res.consumedPoints >= limiter.points && res.msBeforeNext > 0) {
    throw new AppError('RATE_LIMITED', { retryAfterSeconds: retryAfterSeconds(res) });
  }
}

/** Counts a failure; never throws for being over the limit (the next assertNotLimited does). */
export async function recordFailure(limiter: Limiter, key: string): Promise<number> {
  const res = await limiter.penalty(key, 1);
  return res.consumedPoints;
}

// Login: failures per IP (a window), and per account a delay that doubles with each consecutive
// failure beyond the free ones, capped at a few minutes: an attacker can slow a victim's login down
// but never lock the account for good. An attempt counts as a failure from the moment it starts
// (a success clears it), so a burst of parallel guesses can't slip past the count.
const FAILURE_MEMORY_MS = 24 * 3_600_000;

function accountLimiters(deps: AppDeps) {
  const { baseMs, maxMs } = deps.config.rateLimits.loginBackoff;
  return {
    failures: getLimiter(deps, 'login_fail_account', { points: 1_000_000, durationMs: FAILURE_MEMORY_MS }),
    delay: getLimiter(deps, 'login_delay_account', { points: 1, durationMs: maxMs }),
    /** Beyond the free failures, one attempt at a time per base delay. */
    gate: getLimiter(deps, 'login_gate_account', { points: 1, durationMs: baseMs }),
  };
}

export function loginIpLimiter(deps: AppDeps): Limiter {
  return getLimiter(deps, 'login_fail_ip', deps.config.rateLimits.loginIp);
}

/**
 * Before a password is checked: the IP's failure window and the account's current delay; then the
 * attempt is counted. Returns its number among the account's consecutive failures.
 */
export async function beginLoginAttempt(deps: AppDeps, accountKey: string, ip: string | null): Promise<{ attempt: number }> {
  const { failures, delay, gate } = accountLimiters(deps);
  const [, delayed] = await Promise.all([ip ? assertNotLimited(loginIpLimiter(deps), ip) : null, delay.get(accountKey)]);
  if (delayed && delayed.consumedPoints > delay.points && delayed.msBeforeNext > 0) {
    throw new AppError('RATE_LIMITED', { retryAfterSeconds: retryAfterSeconds(delayed) });
  }
  const attempt = await recordFailure(failures, accountKey);
  if (attempt > deps.config.rateLimits.loginBackoff.freeFailures) await consumeOrThrow(gate, accountKey);
  return { attempt };
}

/** After a failed login; returns the delay imposed on the account in ms (0 while failures are free). */
export async function recordLoginFailure(deps: AppDeps, accountKey: string, ip: string | null, attempt: number): Promise<number> {
  if (ip) await recordFailure(loginIpLimiter(deps), ip);
  const { freeFailures, baseMs, maxMs } = deps.config.rateLimits.loginBackoff;
  if (attempt <= freeFailures) return 0;
  const delayMs = Math.min(maxMs, baseMs * 2 ** Math.min(30, attempt - freeFailures - 1));
  await accountLimiters(deps).delay.block(accountKey, Math.max(1, Math.ceil(delayMs / 1000)));
  return delayMs;
}

/** A successful login forgets the account's failures. */
export async function clearLoginFailures(deps: AppDeps, accountKey: string): Promise<void> {
  const { failures, delay } = accountLimiters(deps);
  await Promise.all([failures.delete(accountKey), delay.delete(accountKey)]);
}
