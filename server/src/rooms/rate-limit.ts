// Per-user throttles of rooms.send and rooms.typing, in process: a message must not wait for a
// database round trip to be counted. With N instances a user gets at most N times the limit.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors';

export type RoomLimiters = { send: RateLimiterMemory; typing: RateLimiterMemory };

export function createRoomLimiters(sendPer10s: number): RoomLimiters {
  return {
    send: new RateLimiterMemory({ keyPrefix: 'room-send', points: sendPer10s, duration: 10 }),
    typing: new RateLimiterMemory({ keyPrefix: 'room-typing', points: 20, duration: 10 }),
  };
}

/** Spends one point of key, or throws RATE_LIMITED with the seconds to wait. */
export async function spendPoint(limiter: RateLimiterMemory, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw new AppError('RATE_LIMITED', { retryAfterSeconds: Math.ceil(error.msBeforeNext / 1000) });
    throw error;
  }
}
