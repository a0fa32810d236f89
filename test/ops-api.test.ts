// The integrator surface: /openapi.json (valid OpenAPI 3, bearer scheme), /docs, and the REST
// mirrors under /api called the way curl would: plain fetch, JSON bodies, bearer or cookie.
import { validate, compileErrors } from '@readme/openapi-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectAnswersMatchDocument, RestRecorder, restClient, type RestAnswer, type RestInit } from './helpers/rest-contract';
import { dbKind, describeDb, startTestServer, uniqueEmail, type TestServer } from './helpers/server';

const PASSWORD = 'correct horse battery staple';

type Json = Record<string, any>;

describeDb(`REST mirrors and OpenAPI on ${dbKind}`, () => {
  let server: TestServer;
  let api: (path: string, init?: RestInit) => Promise<RestAnswer>;
  const recorder = new RestRecorder();

  beforeAll(async () => {
    server = await startTestServer({ env: { ALLOWED_ORIGINS: 'https://app.example.com' } });
    api = restClient(server.url, recorder);
  });
  afterAll(() => server?.stop());

  async function registerViaRest() {
    const email = uniqueEmail('rest');
    const res = await api('/auth/register', { method: 'POST', json: { email, password: PASSWORD, name: 'Rest User' } });
    expect(res.status).toBe(200);
    return { email, token: res.body.token as string, user: res.body.user as Json, setCookie: res.headers.get('set-cookie') };
  }

  it('serves /openapi.json that validates as OpenAPI 3 with a bearer scheme and PUBLIC_URL/api as server', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as Json;
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('Parley');
    expect(document.servers).toEqual([{ url: `${server.deps.config.publicUrl}/api` }]);
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('describes the auth and sessions endpoints and the upload route, with security on the protected ones', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/auth/register', '/auth/login', '/auth/logout', '/auth/me', '/sessions', '/sessions/{sessionId}', '/recordings/upload']),
    );
    expect(document.paths['/sessions/{sessionId}']).toHaveProperty('delete');
    expect(document.paths['/auth/register'].post.security).toEqual([]);
    expect(document.paths['/auth/me'].get.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
    expect(document.paths['/auth/login'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('password');
    expect(document.paths['/auth/me'].get.responses['200'].content['application/json'].schema.properties).toHaveProperty('session');
  });

  it('renders /docs with Swagger UI served from this server (no CDN)', async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/init.js']) {
      const res = await fetch(`${server.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(10);
    }
    const init = await (await fetch(`${server.url}/docs/init.js`)).text();
    expect(init).toContain("'/openapi.json'");
  });

  it('POST /api/auth/register creates an account, returns the token and sets the session cookie', async () => {
    const { token, user, setCookie, email } = await registerViaRest();
    expect(token).toMatch(/^[a-z2-7]+\.[a-z2-7]+$/);
    expect(user).toMatchObject({ email, name: 'Rest User', kind: 'member' });
    expect(setCookie).toMatch(/^parley_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
  });

  it('POST /api/auth/register refuses bad input with 400 and the zod issues, and a taken e-mail with 409', async () => {
    const bad = await api('/auth/register', { method: 'POST', json: { email: 'not-an-email', password: 'short' } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('BAD_REQUEST');
    expect(bad.body.issues.length).toBeGreaterThan(0);
    const { email } = await registerViaRest();
    const taken = await api('/auth/register', { method: 'POST', json: { email, password: PASSWORD } });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 'CONFLICT', message: 'An account with this email already exists' });
  });

  it('POST /api/auth/login signs in and answers a wrong password with 401 "Invalid email or password"', async () => {
    const { email } = await registerViaRest();
    const ok = await api('/auth/login', { method: 'POST', json: { email, password: PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(email);
    expect(ok.headers.get('set-cookie')).toMatch(/^parley_session=/);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const wrong = await api('/auth/login', { method: 'POST', json: { email, password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid email or password' });
  });

  it('GET /api/auth/me answers with the bearer token, with the cookie, and 401 without either', async () => {
    const { token, user } = await registerViaRest();
    const viaBearer = await api('/auth/me', { token });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.user.id).toBe(user.id);
    expect(viaBearer.body.session).toMatchObject({ current: true });
    expect(viaBearer.body.session.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const viaCookie = await api('/auth/me', { headers: { cookie: `parley_session=${token}` } });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body.user.id).toBe(user.id);
    const anonymous = await api('/auth/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHORIZED');
  });

  it('POST /api/auth/logout ends the session (a bodiless POST is enough) and clears the cookie', async () => {
    const { token } = await registerViaRest();
    const out = await api('/auth/logout', { method: 'POST', token });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ ok: true });
    expect(out.headers.get('set-cookie')).toMatch(/parley_session=;/);
    expect((await api('/auth/me', { token })).status).toBe(401);
  });

  it('refuses a cookie-authenticated REST mutation from a foreign Origin (CSRF) but accepts an allowed one', async () => {
    const { token } = await registerViaRest();
    const cookie = `parley_session=${token}`;
    const foreign = await api('/auth/logout', { method: 'POST', headers: { cookie, origin: 'https://evil.example.net' } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.code).toBe('FORBIDDEN');
    const allowed = await api('/auth/logout', { method: 'POST', headers: { cookie, origin: 'https://app.example.com' } });
    expect(allowed.status).toBe(200);
  });

  it('GET /api/sessions lists where you are signed in, marking the current session', async () => {
    const { email, token } = await registerViaRest();
    const second = await api('/auth/login', { method: 'POST', json: { email, password: PASSWORD } });
    const list = await api('/sessions', { token });
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(2);
    const current = list.body.find((s: Json) => s.current);
    expect(current.id).toBe(token.split('.')[0]);
    expect(list.body.map((s: Json) => s.id)).toContain(second.body.token.split('.')[0]);
    expect((await api('/sessions')).status).toBe(401);
  });

  it('DELETE /api/sessions/{id} ends another of your sessions at once; someone else\'s is NOT_FOUND', async () => {
    const { email, token } = await registerViaRest();
    const other = (await api('/auth/login', { method: 'POST', json: { email, password: PASSWORD } })).body.token as string;
    const stranger = await registerViaRest();
    const otherId = other.split('.')[0]!;
    const foreign = await api(`/sessions/${otherId}`, { method: 'DELETE', token: stranger.token });
    expect(foreign.status).toBe(404);
    expect((await api('/auth/me', { token: other })).status).toBe(200);
    const revoked = await api(`/sessions/${otherId}`, { method: 'DELETE', token });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ ok: true });
    expect((await api('/auth/me', { token: other })).status).toBe(401);
    expect((await api('/auth/me', { token })).status).toBe(200);
  });

  it('POST /api/sessions/revoke-others ends every session but the caller\'s', async () => {
    const { email, token } = await registerViaRest();
    const other = (await api('/auth/login', { method: 'POST', json: { email, password: PASSWORD } })).body.token as string;
    const res = await api('/sessions/revoke-others', { method: 'POST', token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, revoked: 1 });
    expect((await api('/auth/me', { token: other })).status).toBe(401);
    expect((await api('/auth/me', { token })).status).toBe(200);
  });

  it('GET /api/system/health answers without a session', async () => {
    const res = await api('/system/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('answers unknown REST paths with a JSON 404 and a non-JSON body with 415', async () => {
    const missing = await api('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    const form = await api('/auth/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(form.status).toBe(415);
    const broken = await api('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(broken.status).toBe(400);
  });

  it('answered every REST request above as /openapi.json describes (status, body schema, Retry-After)', async () => {
    await expectAnswersMatchDocument(server.url, recorder);
  });
});
