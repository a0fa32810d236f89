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
// but never lock the account for good. Failures are only known after the hash check, so a burst of
// parallel guesses is also capped by attempts in flight per account (per instance).
const FAILURE_MEMORY_MS = 24 * 3_600_000;
const inFlightByDeps = new WeakMap<AppDeps, Map<string, number>>();

function accountLimiters(deps: AppDeps) {
  const { maxMs } = deps.config.rateLimits.loginBackoff;
  return {
    failures: getLimiter(deps, 'login_fail_account', { points: 1_000_000, durationMs: FAILURE_MEMORY_MS }),
    delay: getLimiter(deps, 'login_delay_account', { points: 1, durationMs: maxMs }),
  };
}

export function loginIpLimiter(deps: AppDeps): Limiter {
  return getLimiter(deps, 'login_fail_ip', deps.config.rateLimits.loginIp);
}

export type LoginAttempt = { hadFailures: boolean; end(): void };

/**
 * Before a password is checked: the IP's failure window, the account's current delay and its
 * attempts in flight. end() must be called when the check is over.
 */
export async function beginLoginAttempt(deps: AppDeps, accountKey: string, ip: string | null): Promise<LoginAttempt> {
  let inFlight = inFlightByDeps.get(deps);
  if (!inFlight) inFlightByDeps.set(deps, (inFlight = new Map()));
  const running = inFlight.get(accountKey) ?? 0;
  if (running >= deps.config.rateLimits.loginConcurrencyPerAccount) throw new AppError('RATE_LIMITED', { retryAfterSeconds: 1 });
  inFlight.set(accountKey, running + 1);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    const left = (inFlight.get(accountKey) ?? 1) - 1;
    if (left <= 0) inFlight.delete(accountKey);
    else inFlight.set(accountKey, left);
  };
  try {
    const { failures, delay } = accountLimiters(deps);
    const [, delayed, failed] = await Promise.all([ip ? assertNotLimited(loginIpLimiter(deps), ip) : null, delay.get(accountKey), failures.get(accountKey)]);
    if (delayed && delayed.consumedPoints > delay.points && delayed.msBeforeNext > 0) {
      throw new AppError('RATE_LIMITED', { retryAfterSeconds: retryAfterSeconds(delayed) });
    }
    return { hadFailures: (failed?.consumedPoints ?? 0) > 0, end };
  } catch (error) {
    end();
    throw error;
  }
}

/** After a failed login; returns the delay imposed on the account in ms (0 while failures are free). */
export async function recordLoginFailure(deps: AppDeps, accountKey: string, ip: string | null): Promise<number> {
  if (ip) await recordFailure(loginIpLimiter(deps), ip);
  const { failures, delay } = accountLimiters(deps);
  const count = await recordFailure(failures, accountKey);
  const { freeFailures, baseMs, maxMs } = deps.config.rateLimits.loginBackoff;
  if (count <= freeFailures) return 0;
  const delayMs = Math.min(maxMs, baseMs * 2 ** Math.min(30, count - freeFailures - 1));
  await delay.block(accountKey, Math.max(1, Math.ceil(delayMs / 1000)));
  return delayMs;
}

/** A successful login forgets the account's failures. */
export async function clearLoginFailures(deps: AppDeps, accountKey: string): Promise<void> {
  const { failures, delay } = accountLimiters(deps);
  await Promise.all([failures.delete(accountKey), delay.delete(accountKey)]);
}
