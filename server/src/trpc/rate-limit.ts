// A reusable rate limit for any procedure: `publicProcedure.use(rateLimit({ name, points, durationMs }))`
// counts each call per user (when signed in) or per client IP, and answers TOO_MANY_REQUESTS with
// Retry-After once the window is full. Counts are shared by instances on Postgres.
import { consumeOrThrow, getLimiter } from '../auth/rate-limit';
import { toTRPCError, findAppError } from '../errors';
import { middleware, publicProcedure } from './init';

export type RateLimitOptions = {
  /** Names the counter (and prefixes its keys); one name, one limit. */
  name: string;
  points: number;
  durationMs: number;
  /** 'user' falls back to the IP for anonymous calls. */
  by?: 'user' | 'ip';
};

export function rateLimit(options: RateLimitOptions) {
  return middleware(async ({ ctx, next }) => {
    const key = (options.by !== 'ip' && ctx.user?.id) || `ip:${ctx.request.ip ?? 'unknown'}`;
    try {
      await consumeOrThrow(getLimiter(ctx.deps, `procedure_${options.name}`, options), key);
    } catch (error) {
      const appError = findAppError(error);
      throw appError ? toTRPCError(appError) : error;
    }
    return next();
  });
}

/** publicProcedure with a generous default limit: 60 calls a minute per user or IP. */
export const rateLimitedProcedure = publicProcedure.use(rateLimit({ name: 'default', points: 60, durationMs: 60_000 }));
