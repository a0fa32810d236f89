// HTTP hardening: security headers on every response, HSTS only behind https, body size limits
// on /trpc and /api, and a request timeout that frees connections from clients that stall.
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dbKind, describeDb, startTestServer, type TestServer } from './helpers/server';

const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Sends raw bytes and resolves with whatever the server answered once it closes the connection. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (d) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describeDb(`HTTP hardening on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { REQUEST_TIMEOUT: '1s' } });
  });
  afterAll(() => server?.stop());

  it('sends the security headers on every kind of response, and no HSTS over plain http', async () => {
    const requests: [string, RequestInit?][] = [
      ['/health'],
      ['/ready'],
      ['/metrics'],
      ['/openapi.json'],
      ['/trpc/system.health'],
      ['/trpc/auth.me'],
      ['/api/system/health'],
      ['/api/auth/me'],
      ['/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
      ['/does-not-exist'],
    ];
    for (const [path, init] of requests) {
      const res = await fetch(`${server.url}${path}`, init);
      await res.arrayBuffer();
      for (const [name, value] of Object.entries(API_HEADERS)) expect(res.headers.get(name), `${name} on ${path}`).toBe(value);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-request-id'), path).toBeTruthy();
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it('echoes a caller-supplied X-Request-Id so logs can be correlated across hops', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'lb-1234' } });
    expect(res.headers.get('x-request-id')).toBe('lb-1234');
  });

  it('refuses a tRPC body over 1 MiB with 413', async () => {
    const body = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(2 * 1024 * 1024) });
    const res = await fetch(`${server.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
  });

  it('refuses a REST body over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const body = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(2 * 1024 * 1024) });
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 408 and closes the connection when a client stalls mid-request (REQUEST_TIMEOUT)', async () => {
    const answer = await rawExchange(
      server.url,
      'POST /api/auth/login HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"email":',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection whose headers never finish (slowloris)', async () => {
    const answer = await rawExchange(server.url, 'GET /health HTTP/1.1\r\nhost: localhost\r\nx-slow: ');
    expect(answer).not.toContain('200 OK');
  });
});

describeDb(`HSTS behind https on ${dbKind}`, () => {
  let direct: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    direct = await startTestServer({ env: { PUBLIC_URL: 'https://parley.example.com' } });
    proxied = await startTestServer({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await direct?.stop();
    await proxied?.stop();
  });

  it('sends Strict-Transport-Security when PUBLIC_URL is https', async () => {
    const res = await fetch(`${direct.url}/health`);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
  });

  it('sends it when a trusted proxy says the client came over https, and not otherwise', async () => {
    const viaTls = await fetch(`${proxied.url}/health`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(viaTls.headers.get('strict-transport-security')).toMatch(/max-age=/);
    const plain = await fetch(`${proxied.url}/health`, { headers: { 'x-forwarded-proto': 'http' } });
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });
});
