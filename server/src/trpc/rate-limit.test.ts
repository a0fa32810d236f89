import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import type { AppDeps } from '../deps';
import type { Context } from './context';
import { createCallerFactory, publicProcedure, router } from './init';
import { rateLimit } from './rate-limit';

// The memory store needs only the config and the database kind: no server, no database.
function contextFor(ip: string, deps: AppDeps): Context {
  return {
    deps,
    request: { ip, userAgent: null, origin: null, secFetchSite: null },
    transport: 'http',
    session: null,
    user: null,
    tokenSource: null,
    responseCookies: [],
    responseHeaders: {},
  };
}

describe('rateLimit() middleware', () => {
  const testRouter = router({
    ping: publicProcedure.use(rateLimit({ name: 'test_ping', points: 2, durationMs: 60_000, by: 'ip' })).query(() => 'pong'),
  });
  const deps = { config: loadConfig({}), database: { kind: 'pglite' } } as unknown as AppDeps;
  const call = (ip: string) => createCallerFactory(testRouter)(contextFor(ip, deps)).ping();

  it('lets the first calls through, then answers TOO_MANY_REQUESTS with a retry delay, per IP', async () => {
    expect(await call('10.0.0.1')).toBe('pong');
    expect(await call('10.0.0.1')).toBe('pong');
    const error = await call('10.0.0.1').catch((e) => e);
    expect(error.code).toBe('TOO_MANY_REQUESTS');
    expect(error.cause.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(await call('10.0.0.2')).toBe('pong');
  });
});
