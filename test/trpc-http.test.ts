// tRPC over HTTP behaves the same on the lean path (PARLEY_TRPC_HTTP=fast, the default) and on the
// stock adapter: the same client suite runs over both, then their raw answers are compared byte for byte.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import { AppError } from '../server/src/errors';
import { createHttpServer } from '../server/src/http/server';
import { RouteTable } from '../server/src/http/routes';
import { createTrpcHttpRoute } from '../server/src/trpc/endpoints';
import { mergeRouters, publicProcedure, router } from '../server/src/trpc/init';
import { appRouter, type AppRouter } from '../server/src/trpc/router';
import { closeClients, createClient, dbKind, describeDb, describePostgres, registerUser, startTestServer, type TestServer, trpcRejection, withTwoInstances } from './helpers/server';

const MODES = ['stock', 'fast'] as const;

/** Procedures that exist only to exercise the wire: a throttled call and one that sets two cookies. */
const probeRouter = mergeRouters(
  appRouter,
  router({
    probe: router({
      throttled: publicProcedure.mutation(() => {
        throw new AppError('RATE_LIMITED', { retryAfterSeconds: 41.5 });
      }),
      cookies: publicProcedure.mutation(({ ctx }) => {
        ctx.responseCookies.push('a=1; Path=/', 'b=2; Path=/');
        ctx.responseHeaders['x-probe'] = 'yes';
        return { ok: true };
      }),
    }),
  }),
);

/** A real Parley HTTP stack (headers, routing) serving probeRouter with the given tRPC path. */
async function startProbeServer(server: TestServer, mode: (typeof MODES)[number]) {
  const deps = { ...server.deps, config: { ...server.deps.config, trpcHttp: mode } };
  const routes = new RouteTable().add('/trpc/', createTrpcHttpRoute(deps, { router: probeRouter }));
  const httpServer = createHttpServer(deps, routes);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, close: () => new Promise((r) => httpServer.close(r)) };
}

function unbatchedClient(url: string, token?: string) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })] });
}


for (const mode of MODES) {
  describeDb(`tRPC over HTTP, ${mode} path, on ${dbKind}`, () => {
    let server: TestServer;
    let probe: Awaited<ReturnType<typeof startProbeServer>>;
    beforeAll(async () => {
      server = await startTestServer({ env: { PARLEY_TRPC_HTTP: mode } });
      probe = await startProbeServer(server, mode);
    });
    afterAll(async () => {
      closeClients();
      await probe?.close();
      await server?.stop();
    });

    it('answers a query with the user behind a bearer token, batched and unbatched', async () => {
      const { client, token, user } = await registerUser(server.url);
      expect((await client.auth.me.query()).user.id).toBe(user.id);
      const me = await unbatchedClient(server.url, token).auth.me.query();
      expect(me.user.id).toBe(user.id);
      expect(me.session.current).toBe(true);
    });

    it('runs ten queries in one batch request and answers each', async () => {
      const { client, user } = await registerUser(server.url);
      const results = await Promise.all(Array.from({ length: 10 }, () => client.auth.me.query()));
      expect(results.map((r) => r.user.id)).toEqual(Array(10).fill(user.id));
      const raw = await fetch(`${server.url}/trpc/system.health,system.health?batch=1&input=${encodeURIComponent('{}')}`);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toBe('application/json');
      expect(await raw.json()).toMatchObject([{ result: { data: { status: 'ok' } } }, { result: { data: { status: 'ok' } } }]);
    });

    it('answers a batch of success and failure with 207 and one envelope per call', async () => {
      const res = await fetch(`${server.url}/trpc/system.health,auth.me?batch=1`);
      expect(res.status).toBe(207);
      const body = await res.json();
      expect(body[0]).toMatchObject({ result: { data: { status: 'ok' } } });
      expect(body[1]).toMatchObject({ error: { message: 'Sign in to continue', data: { code: 'UNAUTHORIZED', httpStatus: 401, path: 'auth.me' } } });
    });

    it('sets the session cookie on register and accepts the cookie afterwards', async () => {
      const res = await fetch(`${server.url}/trpc/auth.register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `cookie-${mode}-${Date.now()}@example.com`, password: 'cookies are fine too 42' }),
      });
      expect(res.status).toBe(200);
      const [cookie] = res.headers.getSetCookie();
      expect(cookie).toMatch(/^parley_session=[a-z2-7]+\.[a-z2-7]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
      const me = await fetch(`${server.url}/trpc/auth.me`, { headers: { cookie: cookie!.split(';')[0]! } });
      expect(me.status).toBe(200);
      expect((await me.json()).result.data.user.email).toContain(`cookie-${mode}`);
    });

    it('rejects bad input with BAD_REQUEST and the zod issues', async () => {
      const error = await trpcRejection(createClient(server.url).auth.register.mutate({ email: 'not an email', password: 'long enough password 1' }));
      expect(error.data?.code).toBe('BAD_REQUEST');
      expect(error.data?.httpStatus).toBe(400);
      expect(error.message).toMatch(/^Invalid input: email/);
      expect(error.data).toMatchObject({ issues: [{ path: ['email'] }] });
    });

    it('answers UNAUTHORIZED (401) without a session and after logout', async () => {
      const anonymous = await trpcRejection(unbatchedClient(server.url).auth.me.query());
      expect(anonymous.data?.code).toBe('UNAUTHORIZED');
      expect(anonymous.data?.httpStatus).toBe(401);
      const { client } = await registerUser(server.url);
      await client.auth.me.query();
      await client.auth.logout.mutate();
      expect((await trpcRejection(client.auth.me.query())).data?.code).toBe('UNAUTHORIZED');
    });

    it('answers 413 PAYLOAD_TOO_LARGE for a body over 1 MiB', async () => {
      const body = JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(2 * 1024 * 1024) });
      const res = await fetch(`${server.url}/trpc/auth.register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } } });
    });

    it('answers 404 NOT_FOUND for an unknown procedure', async () => {
      const res = await fetch(`${server.url}/trpc/auth.nothingHere`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { data: { code: 'NOT_FOUND', httpStatus: 404, path: 'auth.nothingHere' } } });
    });

    it('sends Retry-After with TOO_MANY_REQUESTS, and the cookies and headers a procedure sets', async () => {
      const client = createTRPCClient<typeof probeRouter>({ links: [httpBatchLink({ url: `${probe.url}/trpc` })] });
      expect((await trpcRejection(client.probe.throttled.mutate())).data?.code).toBe('TOO_MANY_REQUESTS');
      const throttled = await fetch(`${probe.url}/trpc/probe.throttled`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('42');
      expect(await throttled.json()).toMatchObject({ error: { data: { retryAfter: 41.5 } } });
      const cookies = await fetch(`${probe.url}/trpc/probe.cookies`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      expect(cookies.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
      expect(cookies.headers.get('x-probe')).toBe('yes');
      expect(cookies.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });
}

describeDb(`the lean path answers byte for byte like the stock adapter on ${dbKind}`, () => {
  const servers: Partial<Record<(typeof MODES)[number], TestServer>> = {};
  beforeAll(async () => {
    for (const mode of MODES) servers[mode] = await startTestServer({ env: { PARLEY_TRPC_HTTP: mode } });
  });
  afterAll(async () => {
    for (const server of Object.values(servers)) await server?.stop();
  });

  const json = { 'content-type': 'application/json' };
  const requests: [string, string, RequestInit?][] = [
    ['unauthorized query', '/trpc/auth.me'],
    ['unauthorized batch', '/trpc/auth.me,auth.me?batch=1'],
    ['unknown procedure in a batch', '/trpc/auth.me,nope?batch=1'],
    ['invalid input', '/trpc/auth.login', { method: 'POST', headers: json, body: '{"email":"x","password":""}' }],
    ['malformed JSON', '/trpc/auth.login', { method: 'POST', headers: json, body: '{"email":' }],
    ['batch input that is not an object', '/trpc/auth.login?batch=1', { method: 'POST', headers: json, body: '[1]' }],
    ['GET to a mutation', '/trpc/auth.login'],
    ['POST to a query', '/trpc/auth.me', { method: 'POST', headers: json, body: '{}' }],
    ['unsupported content type', '/trpc/auth.login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }],
    ['too large', '/trpc/auth.login?batch=1', { method: 'POST', headers: json, body: JSON.stringify({ 0: 'x'.repeat(1_100_000) }) }],
    ['wrong credentials', '/trpc/auth.login', { method: 'POST', headers: json, body: '{"email":"nobody@example.com","password":"whatever it is"}' }],
  ];
  for (const [name, path, init] of requests) {
    it(`answers "${name}" with the same status, content type and body`, async () => {
      const stock = await fetch(`${servers.stock!.url}${path}`, init);
      const fast = await fetch(`${servers.fast!.url}${path}`, init);
      expect(fast.status).toBe(stock.status);
      expect(fast.headers.get('content-type')).toBe(stock.headers.get('content-type'));
      expect(fast.headers.get('vary')).toBe(stock.headers.get('vary'));
      expect(await fast.text()).toBe(await stock.text());
    });
  }
});

describePostgres('a cached session on another instance', () => {
  let a: TestServer;
  let b: TestServer;
  withTwoInstances((servers) => ([a, b] = servers));

  it('stops working at once when the session is revoked on the first instance', async () => {
    const { client, token } = await registerUser(a.url);
    const onB = unbatchedClient(b.url, token);
    await onB.auth.me.query();
    await onB.auth.me.query(); // now answered from B's cache
    await client.auth.logout.mutate();
    expect((await trpcRejection(onB.auth.me.query())).data?.code).toBe('UNAUTHORIZED');
  });
});

