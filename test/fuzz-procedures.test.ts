// Hostile input against every tRPC procedure over HTTP: wrong types, huge strings, deep nesting,
// unicode edge cases, SQL and script fragments. Every answer must be a 2xx or a 4xx, never a
// 5xx, and the server keeps serving. The number of cases run is printed for the record.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appRouter } from '../server/src/trpc/router';
import { dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';

const RUNS_PER_PROCEDURE = Number(process.env.FUZZ_RUNS ?? 40);

const nasty = fc.oneof(
  fc.constantFrom(
    "' OR 1=1 --", "'; DROP TABLE users; --", '<script>alert(1)</script>', '\u0000', '\uD800', '\u202E', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    '../../etc/passwd', '%00', '{{7*7}}', '${process.exit()}', '__proto__', 'constructor', 'NaN', '-0', '1e400',
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.integer({ min: 20_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

function deep(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

const scalar = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const hostileInput = fc.oneof(
  fc.anything({ maxDepth: 4, maxKeys: 6, withNullPrototype: true, withBigInt: false }),
  fc.dictionary(fc.constantFrom('email', 'password', 'name', 'id', 'roomId', 'body', 'token', 'code', 'limit', 'before', 'orgId', 'sessionId', 'alias', 'format'), scalar),
  fc.integer({ min: 100, max: 5000 }).map(deep),
  scalar,
);

type Counts = { cases: number; status: Record<number, number> };

describeDb(`hostile input on every procedure (${dbKind})`, () => {
  let server: TestServer;
  const counts: Counts = { cases: 0, status: {} };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    console.log(`[fuzz:${dbKind}] ${counts.cases} hostile HTTP calls; statuses ${JSON.stringify(counts.status)}`);
    await server?.stop();
  });

  const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .filter(([, p]) => p._def.type !== 'subscription')
    .map(([path, p]) => ({ path, type: p._def.type as 'query' | 'mutation' }));

  it('covers the router', () => {
    expect(procedures.length).toBeGreaterThan(3);
  });

  for (const { path, type } of procedures) {
    it(`${type} ${path} answers hostile input with 2xx/4xx, never 5xx`, async () => {
      // A fresh account per procedure: logout, revoke and friends may end the session on purpose.
      const token = (await registerUser(server.url)).token;
      await fc.assert(
        fc.asyncProperty(hostileInput, fc.boolean(), async (input, authed) => {
          let body: string;
          try {
            body = JSON.stringify(input) ?? 'null';
          } catch {
            body = '"unserializable"';
          }
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (authed) headers.authorization = `Bearer ${token}`;
          const url = `${server.url}/trpc/${path}`;
          const res =
            type === 'query'
              ? await fetch(`${url}?input=${encodeURIComponent(body.slice(0, 6000))}`, { headers })
              : await fetch(url, { method: 'POST', headers, body });
          await res.arrayBuffer();
          counts.cases++;
          counts.status[res.status] = (counts.status[res.status] ?? 0) + 1;
          expect(res.status, `${path} with ${body.slice(0, 200)}`).toBeLessThan(500);
        }),
        { numRuns: RUNS_PER_PROCEDURE },
      );
    });
  }

  it('answers malformed HTTP bodies and batches with 4xx', async () => {
    const cases: [string, RequestInit][] = [
      ['/trpc/auth.login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' }],
      ['/trpc/auth.login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2_000_000) }],
      ['/trpc/auth.login,auth.me?batch=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"0":1,"1":' }],
      ['/trpc/does.not.exist', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
      ['/trpc/auth.me?input=%E0%A4%A', {}],
      ['/trpc/' + 'a.'.repeat(2000) + 'b', {}],
    ];
    for (const [path, init] of cases) {
      const res = await fetch(server.url + path, init);
      await res.arrayBuffer();
      counts.cases++;
      expect(res.status, path.slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(res.status, path.slice(0, 80)).toBeLessThan(500);
    }
  });

  it('keeps serving afterwards', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const { token } = await registerUser(server.url);
    const me = await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
  });
});
