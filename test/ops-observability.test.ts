// What operators see: Prometheus metrics (optionally behind METRICS_TOKEN) that move with real
// traffic, and one JSON log line per request and per WebSocket, never holding a secret.
import { Writable } from 'node:stream';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../server/src/observability/logger';
import { createClient, dbKind, describeDb, startTestServer, uniqueEmail, type TestServer } from './helpers/server';
import { metricValue, scrapeMetrics } from './helpers/metrics';

const METRICS_TOKEN = 'metrics-secret-0123456789abcdef';
const PASSWORD = 'a passphrase that must never be logged';

/** A tRPC WebSocket authenticated with connectionParams; resolves once auth.me answered over it. */
async function openAuthedSocket(url: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
      ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me', input: undefined } }));
    });
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(String(data));
      if (message.id === 1) (message.result ? resolve() : reject(new Error(String(data))));
    });
    ws.once('error', reject);
  });
  return ws;
}

function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    ws.close();
  });
}

/** auth.login without two-factor: the session it opened. */
async function signIn(url: string, email: string, password: string) {
  const result = await createClient(url).auth.login.mutate({ email, password });
  if (!('token' in result)) throw new Error('unexpected two-factor challenge');
  return result;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (ok(value) || i > 100) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeDb(`metrics on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN } });
  });
  afterAll(() => server?.stop());

  it('refuses /metrics without the METRICS_TOKEN bearer, or with a wrong one, and serves it with the right one', async () => {
    const none = await fetch(`${server.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer not-the-metrics-secret' } });
    expect(wrong.status).toBe(401);
    const text = await scrapeMetrics(server.url, METRICS_TOKEN);
    expect(text).toContain('process_resident_memory_bytes');
    for (const name of [
      'parley_ws_connections', 'parley_auth_events_total', 'parley_room_messages_total', 'parley_fanout_latency_seconds',
      'parley_rooms_active', 'parley_recordings_active', 'parley_recording_bytes_total', 'parley_password_hash_seconds',
      'parley_password_hashes_waiting', 'parley_http_request_duration_seconds',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('moves the HTTP, password-hash, WebSocket and auth-event metrics during a scripted session', async () => {
    const before = await scrapeMetrics(server.url, METRICS_TOKEN);
    const trpcOk = (text: string) => metricValue(text, 'parley_http_request_duration_seconds_count', { route: '/trpc/*', code: '200' }) ?? 0;
    const restOk = (text: string) => metricValue(text, 'parley_http_request_duration_seconds_count', { route: '/api/*', code: '200' }) ?? 0;
    const hashes = (text: string, op: string) => metricValue(text, 'parley_password_hash_seconds_count', { op }) ?? 0;

    const email = uniqueEmail('metrics');
    const anonymous = createClient(server.url);
    await anonymous.auth.register.mutate({ email, password: PASSWORD });
    const { token } = await signIn(server.url, email, PASSWORD);
    await expect(anonymous.auth.login.mutate({ email, password: 'wrong password!' })).rejects.toThrow();
    const rest = await fetch(`${server.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(rest.status).toBe(200);
    const ws = await openAuthedSocket(server.url, token);
    const during = await scrapeMetrics(server.url, METRICS_TOKEN);
    await closeSocket(ws);
    const loggedOut = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(loggedOut.status).toBe(200);
    const end = await scrapeMetrics(server.url, METRICS_TOKEN);
    const authEvents = (text: string, event: string) => metricValue(text, 'parley_auth_events_total', { event }) ?? 0;
    expect(authEvents(end, 'register')).toBeGreaterThanOrEqual(authEvents(before, 'register') + 1);
    expect(authEvents(end, 'login_success')).toBeGreaterThanOrEqual(authEvents(before, 'login_success') + 1);
    expect(authEvents(end, 'login_failure')).toBeGreaterThanOrEqual(authEvents(before, 'login_failure') + 1);
    expect(authEvents(end, 'logout')).toBeGreaterThanOrEqual(authEvents(before, 'logout') + 1);

    expect(trpcOk(during)).toBeGreaterThanOrEqual(trpcOk(before) + 2);
    expect(restOk(during)).toBeGreaterThanOrEqual(restOk(before) + 1);
    expect(metricValue(during, 'parley_http_request_duration_seconds_count', { route: '/trpc/*', code: '401' })).toBeGreaterThanOrEqual(1);
    expect(hashes(during, 'hash')).toBeGreaterThanOrEqual(hashes(before, 'hash') + 1);
    expect(hashes(during, 'verify')).toBeGreaterThanOrEqual(hashes(before, 'verify') + 2);
    expect(metricValue(end, 'parley_password_hashes_waiting')).toBe(0); // every hash answered, none queued
    expect(metricValue(during, 'parley_ws_connections', { path: '/trpc' })).toBe(1);
    const after = await eventually(() => scrapeMetrics(server.url, METRICS_TOKEN), (t) => metricValue(t, 'parley_ws_connections', { path: '/trpc' }) === 0);
    expect(metricValue(after, 'parley_ws_connections', { path: '/trpc' })).toBe(0);
  });
});

describeDb(`logs on ${dbKind}`, () => {
  let server: TestServer;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });

  beforeAll(async () => {
    server = await startTestServer({ logger: createLogger({ level: 'trace', destination: sink }) });
  });
  afterAll(() => server?.stop());

  it('writes a JSON line per request and per WebSocket, and never the password or the token (register, login, chat)', async () => {
    const email = uniqueEmail('logs');
    const anonymous = createClient(server.url);
    const registered = await anonymous.auth.register.mutate({ email, password: PASSWORD, name: 'Logged' });
    const { token, user } = await signIn(server.url, email, PASSWORD);
    await expect(anonymous.auth.login.mutate({ email, password: `${PASSWORD}!` })).rejects.toThrow();
    const client = createClient(server.url, { token });
    await client.auth.me.query();
    const room = await client.rooms.create.mutate({ name: 'logged chat' });
    await client.rooms.send.mutate({ roomId: room.id, body: 'hello from the log test' });
    await fetch(`${server.url}/api/rooms/${room.id}/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ body: 'over REST' }) });
    await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    await fetch(`${server.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}`, cookie: `parley_session=${token}` } });
    await closeSocket(await openAuthedSocket(server.url, token));
    // Secrets handed straight to the logger are redacted too.
    server.deps.logger.warn({ password: PASSWORD, token, headers: { authorization: `Bearer ${token}`, cookie: `parley_session=${token}` } }, 'careless');

    const entries = await eventually(async () => lines.map((l) => JSON.parse(l) as Record<string, any>), (e) => e.some((x) => x.ws === 'close'));
    const requests = entries.filter((e) => e.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const entry of requests) {
      expect(entry.level).toBe(30);
      expect(entry).toHaveProperty('requestId');
      expect(entry).toHaveProperty('route');
      expect(typeof entry.status).toBe('number');
      expect(typeof entry.ms).toBe('number');
    }
    const me = requests.find((e) => e.path === '/trpc/auth.me');
    expect(me).toMatchObject({ userId: user.id, status: 200, route: '/trpc/*' });
    expect(requests.find((e) => e.path === '/api/auth/me')).toMatchObject({ userId: user.id, status: 200, route: '/api/*' });
    expect(requests.some((e) => e.status === 401)).toBe(true);
    const closed = entries.find((e) => e.ws === 'close');
    expect(closed).toMatchObject({ route: '/trpc', userId: user.id });
    expect(typeof closed!.ms).toBe('number');
    expect(entries.some((e) => e.ws === 'open')).toBe(true);

    const all = lines.join('\n');
    expect(all).toContain('careless');
    for (const secret of [PASSWORD, token, registered.token, token.split('.')[1]!, registered.token.split('.')[1]!]) {
      expect(all.includes(secret), 'a secret reached the logs').toBe(false);
    }
  });
});
