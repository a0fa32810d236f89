import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import type { Database } from '../db/client';
import { AppError } from '../errors';
import { createRateLimits } from './runtime';

// In memory (the store of every limit on PGlite): no server, no database.
function limits(env: Record<string, string> = {}) {
  return createRateLimits(loadConfig(env), { kind: 'pglite', db: null as unknown as Database });
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('the rate-limit runtime', () => {
  it('answers RATE_LIMITED with the seconds to wait once a window is full, per key', async () => {
    const runtime = limits({ RATE_LIMIT_REGISTER_IP: '2/1m' });
    await runtime.consume('register_ip', '10.0.0.1');
    await runtime.consume('register_ip', '10.0.0.1');
    const error = await refusal(runtime.consume('register_ip', '10.0.0.1'));
    expect(error.key).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    await runtime.consume('register_ip', '10.0.0.2');
  });

  it('lets concurrent reservations take no more than the window, and a refund gives a point back', async () => {
    const runtime = limits({ RATE_LIMIT_LOGIN_IP: '5/15m' });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => runtime.reserve('login_fail_ip', 'burst')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);

    const reservations = await Promise.all(Array.from({ length: 5 }, () => runtime.reserve('login_fail_ip', 'calm')));
    await refusal(runtime.reserve('login_fail_ip', 'other').then(() => runtime.reserve('login_fail_ip', 'calm')));
    await reservations[0]!.refund();
    await reservations[0]!.refund(); // once only
    await reservations[1]!.refund();
    // The refused attempt above counted too: two refunds make room for one more.
    await runtime.reserve('login_fail_ip', 'calm');
    await refusal(runtime.reserve('login_fail_ip', 'calm'));
  });

  it('blocks a key for a delay, and reset forgets it', async () => {
    const runtime = limits();
    await runtime.assertNotBlocked('login_delay_account', 'ada');
    await runtime.block('login_delay_account', 'ada', 5000);
    expect((await refusal(runtime.assertNotBlocked('login_delay_account', 'ada'))).retryAfterSeconds).toBeGreaterThanOrEqual(4);
    await runtime.reset('login_delay_account', 'ada');
    await runtime.assertNotBlocked('login_delay_account', 'ada');
  });

  it('counts without refusing, for failures whose consequence is decided by the caller', async () => {
    const runtime = limits();
    expect(await runtime.used('login_fail_account', 'ada')).toBe(0);
    expect(await runtime.count('login_fail_account', 'ada')).toBe(1);
    expect(await runtime.count('login_fail_account', 'ada')).toBe(2);
    expect(await runtime.used('login_fail_account', 'ada')).toBe(2);
  });

  it('holds at most max slots of a key at once', () => {
    const runtime = limits();
    const releases = [runtime.holdSlot('k', 2), runtime.holdSlot('k', 2)];
    expect(() => runtime.holdSlot('k', 2)).toThrow(AppError);
    releases[0]!();
    releases[0]!(); // once only
    runtime.holdSlot('k', 2);
    expect(() => runtime.holdSlot('k', 2)).toThrow(AppError);
  });

  it('keeps each server’s counts to itself', async () => {
    const [a, b] = [limits({ RATE_LIMIT_RESET_IP: '1/1h' }), limits({ RATE_LIMIT_RESET_IP: '1/1h' })];
    await a.consume('reset_ip', 'ip');
    await b.consume('reset_ip', 'ip');
    await refusal(a.consume('reset_ip', 'ip'));
  });
});
