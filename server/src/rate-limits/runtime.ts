// The rate-limit runtime of one server: a rate-limiter-flexible limiter per named limit of the
// table (table.ts), built once in app.ts. In memory, or for 'shared' limits on PostgreSQL in the
// rate_limits table through RateLimiterDrizzle (one code path for both drivers). A full window
// becomes RATE_LIMITED with Retry-After here and nowhere else.
import { type RateLimiterAbstract, RateLimiterDrizzle, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import type { DatabaseHandle } from '../db/client';
import { rateLimits } from '../db/schema/index';
import { AppError } from '../errors';
import { type LimitName, type LimitSpec, limitTable } from './table';

export type { LimitName } from './table';

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function rateLimited(res: RateLimiterRes): AppError {
  return new AppError('RATE_LIMITED', { retryAfterSeconds: seconds(res.msBeforeNext) });
}

function buildLimiter(name: string, spec: LimitSpec, database: Pick<DatabaseHandle, 'kind' | 'db'>): RateLimiterAbstract {
  const options = { keyPrefix: name, points: spec.points, duration: seconds(spec.durationMs), blockDuration: spec.blockMs ? seconds(spec.blockMs) : 0 };
  if (spec.store === 'shared' && database.kind === 'postgres') {
    return new RateLimiterDrizzle({ ...options, storeClient: database.db, schema: rateLimits, clearExpiredByTimeout: false });
  }
  return new RateLimiterMemory(options);
}

export type RateLimits = ReturnType<typeof createRateLimits>;

export function createRateLimits(config: Config, database: Pick<DatabaseHandle, 'kind' | 'db'>) {
  const table: Record<LimitName, LimitSpec> = limitTable(config);
  const limiters = new Map<LimitName, RateLimiterAbstract>();
  for (const name of Object.keys(table) as LimitName[]) limiters.set(name, buildLimiter(name, table[name], database));
  const limiter = (name: LimitName) => limiters.get(name)!;
  /** Attempts running now per key (holdSlot), on this instance. */
  const running = new Map<string, number>();

  /** Counts points against key; throws RATE_LIMITED (with Retry-After) once the window is full. */
  async function consume(name: LimitName, key: string, points = 1): Promise<void> {
    try {
      await limiter(name).consume(key, points);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw rateLimited(error);
      throw error;
    }
  }

  return {
    consume,

    /**
     * Takes a point before an expensive check, so a burst of concurrent attempts gets no more
     * checks than the window has points; refund() gives it back (the attempt succeeded, or was
     * never checked).
     */
    async reserve(name: LimitName, key: string): Promise<{ refund(): Promise<void> }> {
      await consume(name, key);
      let refunded = false;
      return {
        async refund() {
          if (refunded) return;
          refunded = true;
          await limiter(name).reward(key, 1);
        },
      };
    },

    /** Throws RATE_LIMITED while key is blocked (block()), without counting this call. */
    async assertNotBlocked(name: LimitName, key: string): Promise<void> {
      const res = await limiter(name).get(key);
      if (res && res.consumedPoints > limiter(name).points && res.msBeforeNext > 0) throw rateLimited(res);
    },

    /** Counts a point that never throws for being over the limit; returns the points used in the window. */
    async count(name: LimitName, key: string): Promise<number> {
      return (await limiter(name).penalty(key, 1)).consumedPoints;
    },

    /** The points key has used in the current window (0 when none). */
    async used(name: LimitName, key: string): Promise<number> {
      return (await limiter(name).get(key))?.consumedPoints ?? 0;
    },

    /** Refuses key for ms (a delay that grows with failures). */
    async block(name: LimitName, key: string, ms: number): Promise<void> {
      await limiter(name).block(key, seconds(ms));
    },

    /**
     * Holds one of max slots of key on this instance (attempts running at once); throws RATE_LIMITED
     * when all are taken. Call the returned release() once the attempt is over.
     */
    holdSlot(key: string, max: number): () => void {
      const now = running.get(key) ?? 0;
      if (now >= max) throw new AppError('RATE_LIMITED', { retryAfterSeconds: 1 });
      running.set(key, now + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (running.get(key) ?? 1) - 1;
        if (left <= 0) running.delete(key);
        else running.set(key, left);
      };
    },

    /** Forgets key's count (a success that wipes earlier failures). */
    async reset(name: LimitName, key: string): Promise<void> {
      await limiter(name).delete(key);
    },
  };
}
