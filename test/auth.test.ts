// Issue 3: accounts and sign-in — register, login, logout, me, and the defences around them.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../server/src/auth/user';
import { callTrpc, dumpDatabase, selectRows } from './helpers/auth';
import { createClient, createTestDatabase, dbKind, describeDb, describePostgres, registerUser, startTestServer, uniqueEmail, type TestServer, signedIn } from './helpers/server';

const PASSWORD = 'a long enough passphrase 42';

describeDb(`auth on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('register answers { user, token } and sets the parley_session cookie (HttpOnly, SameSite=Lax, Path=/, Max-Age, no Secure on local http)', async () => {
    const email = uniqueEmail();
    const res = await callTrpc(server.url, 'auth.register', { email, password: PASSWORD, name: 'Ada' });
    expect(res.status).toBe(200);
    const { user, token } = res.body.result.data;
    expect(user).toMatchObject({ email, name: 'Ada', emailVerified: false, kind: 'member' });
    expect(token).toMatch(/^[a-z2-7]{24}\.[a-z2-7]{32}$/);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`parley_session=${token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    const maxAge = Number(/Max-Age=(\d+)/i.exec(cookie)![1]);
    expect(maxAge).toBeGreaterThan(29 * 86_400);
    expect(maxAge).toBeLessThanOrEqual(30 * 86_400);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('me works with the cookie and with the bearer token; logout kills the session', async () => {
    const { token, email } = await registerUser(server.url);
    const viaCookie = await callTrpc(server.url, 'auth.me', undefined, { type: 'query', headers: { cookie: `parley_session=${token}` } });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body.result.data.user.email).toBe(email);
    expect(viaCookie.body.result.data.session).toMatchObject({ current: true });
    const client = createClient(server.url, { token });
    expect((await client.auth.me.query()).user.email).toBe(email);

    const logout = await callTrpc(server.url, 'auth.logout', undefined, { headers: { authorization: `Bearer ${token}` } });
    expect(logout.status).toBe(200);
    expect(logout.headers.get('set-cookie')).toMatch(/parley_session=;.*Max-Age=0/i);
    await expect(client.auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    const afterCookie = await callTrpc(server.url, 'auth.me', undefined, { type: 'query', headers: { cookie: `parley_session=${token}` } });
    expect(afterCookie.status).toBe(401);
  });

  it('login with a wrong password and with an unknown email gives the same UNAUTHORIZED error and message', async () => {
    const { email } = await registerUser(server.url);
    const wrongPassword = await callTrpc(server.url, 'auth.login', { email, password: 'not the password at all' });
    const unknownEmail = await callTrpc(server.url, 'auth.login', { email: uniqueEmail('nobody'), password: 'not the password at all' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body.error.message).toBe('Invalid email or password');
    expect(unknownEmail.body).toEqual(wrongPassword.body);
  });

  it('stores an $argon2id$ hash, and no column anywhere holds the raw token or its secret', async () => {
    const { token, user } = await registerUser(server.url);
    const second = signedIn(await createClient(server.url).auth.login.mutate({ email: user.email!, password: PASSWORD }));
    const [row] = await selectRows(server.deps.database, 'select password_hash from users where id = $1', [user.id]);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    const dump = await dumpDatabase(server.deps.database);
    expect(dump).toContain(user.id);
    for (const t of [token, second.token]) {
      expect(dump).not.toContain(t);
      expect(dump).not.toContain(t.split('.')[1]);
    }
    expect(dump).not.toContain(PASSWORD);
  });

  it('a legacy sha256$<salt>$<hex> user logs in and ends with an Argon2id hash', async () => {
    const email = uniqueEmail('legacy');
    const salt = 'c0ffee5a1t';
    const legacy = `sha256$${salt}$${createHash('sha256').update(salt + 'my old password 1').digest('hex')}`;
    const user = await createUser(server.deps.db, { email, passwordHash: legacy });
    const client = createClient(server.url);
    await expect(client.auth.login.mutate({ email, password: 'my old password 2' })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    const { token } = signedIn(await client.auth.login.mutate({ email, password: 'my old password 1' }));
    expect(token).toBeTruthy();
    const [row] = await selectRows(server.deps.database, 'select password_hash from users where id = $1', [user!.id]);
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    expect((signedIn(await client.auth.login.mutate({ email, password: 'my old password 1' }))).user.id).toBe(user!.id);
  });

  it('refuses weak passwords with clear messages: too short, too long (never truncated), common, equal to the email', async () => {
    const email = uniqueEmail('rules');
    const attempt = (password: string) => callTrpc(server.url, 'auth.register', { email, password });
    const short = await attempt('short');
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/at least 8 characters/);
    const long = await attempt('x'.repeat(129));
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/at most 128 characters/);
    const common = await attempt('iloveyou');
    expect(common.status).toBe(400);
    expect(common.body.error.message).toMatch(/most common passwords/);
    const sameAsEmail = await attempt(email.toUpperCase());
    expect(sameAsEmail.status).toBe(400);
    expect(sameAsEmail.body.error.message).toMatch(/email/);
    expect((await attempt('x'.repeat(128))).status).toBe(200);
  });

  it('30 fast wrong logins for one account hit TOO_MANY_REQUESTS with Retry-After; after the delay the right password works', async () => {
    const { email, user } = await registerUser(server.url);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    let limited: any;
    for (let i = 0; i < 30; i++) {
      const res = await callTrpc(server.url, 'auth.login', { email, password: `wrong guess number ${i}` });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        limited = res.body;
      }
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(limited.error.data.code).toBe('TOO_MANY_REQUESTS');
    expect(limited.error.data.retryAfter).toBeGreaterThanOrEqual(1);

    // Growing delays, not a permanent lock: wait them out, then sign in.
    let ok = false;
    for (let i = 0; i < 10 && !ok; i++) {
      const res = await callTrpc(server.url, 'auth.login', { email, password: PASSWORD });
      ok = res.status === 200;
      if (!ok) await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
    }
    expect(ok).toBe(true);

    const events = (await selectRows(server.deps.database, 'select event, detail::text as detail from audit_log where user_id = $1', [user.id])).map((r) => r.event);
    expect(events).toEqual(expect.arrayContaining(['register', 'login_failure', 'lockout', 'login_success']));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_auth_events_total\{event="lockout"\} [1-9]/);
    expect(metrics).toMatch(/parley_auth_events_total\{event="login_failure"\} [1-9]/);
  });

  it('30 wrong logins fired in parallel for one account are throttled too (attempts in flight are capped)', async () => {
    const { email } = await registerUser(server.url);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => callTrpc(server.url, 'auth.login', { email, password: `parallel guess ${i}` })));
    const statuses = results.map((r) => r.status);
    // At most LOGIN_CONCURRENCY_PER_ACCOUNT (8) guesses are checked at once; the failures then add delays.
    expect(statuses.filter((s) => s === 401).length).toBeLessThan(30);
    expect(statuses).toContain(429);
    expect(Number(results.find((r) => r.status === 429)!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('lets one account sign in several times at once (devices starting together)', async () => {
    const { email, password } = await registerUser(server.url);
    const results = await Promise.all(Array.from({ length: 6 }, () => callTrpc(server.url, 'auth.login', { email, password })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('a cookie-authenticated mutation from a foreign Origin is FORBIDDEN; with the bearer token it works', async () => {
    const { token } = await registerUser(server.url);
    const evil = { origin: 'https://evil.example' };
    const viaCookie = await callTrpc(server.url, 'sessions.revokeOthers', undefined, { headers: { ...evil, cookie: `parley_session=${token}` } });
    expect(viaCookie.status).toBe(403);
    expect(viaCookie.body.error.data.code).toBe('FORBIDDEN');
    const noOrigin = await callTrpc(server.url, 'sessions.revokeOthers', undefined, { headers: { cookie: `parley_session=${token}` } });
    expect(noOrigin.status).toBe(200);
    const viaBearer = await callTrpc(server.url, 'sessions.revokeOthers', undefined, { headers: { ...evil, authorization: `Bearer ${token}` } });
    expect(viaBearer.status).toBe(200);
  });

  it('writes register, login success and failure, and logout to the audit log without passwords or tokens', async () => {
    const { email, token, user, client } = await registerUser(server.url);
    await callTrpc(server.url, 'auth.login', { email, password: 'definitely wrong 1' });
    await client.auth.logout.mutate();
    const rows = await selectRows(server.deps.database, 'select event, ip, user_agent, detail::text as detail from audit_log where user_id = $1 order by id', [user.id]);
    expect(rows.map((r) => r.event)).toEqual(['register', 'login_failure', 'logout']);
    expect(rows[0]!.ip).toBe('127.0.0.1');
    const text = JSON.stringify(rows);
    expect(text).not.toContain(token.split('.')[1]);
    expect(text).not.toContain('definitely wrong');
  });
});

describeDb(`password hashing out of service on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('a login no hashing thread can answer fails with 500, never as a wrong password, and the server carries on', async () => {
    const { email, user } = await registerUser(server.url, { password: PASSWORD });
    await server.deps.passwords.close(); // as if every hashing thread were gone
    const res = await callTrpc(server.url, 'auth.login', { email, password: PASSWORD });
    expect(res.status).toBe(500);
    expect(res.body.error.data.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    const wrong = await callTrpc(server.url, 'auth.login', { email, password: 'not the password 1' });
    expect(wrong.status).toBe(500); // not 401: the password was never checked
    const events = await selectRows(server.deps.database, 'select event from audit_log where user_id = $1 order by id', [user.id]);
    expect(events.map((r) => r.event)).toEqual(['register']); // no failure counted against the account
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describeDb(`auth settings from the environment on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { PUBLIC_URL: 'https://parley.example.com', RATE_LIMIT_LOGIN_IP: '3/1m', RATE_LIMIT_REGISTER_IP: '2/1m' } });
  });
  afterAll(() => server?.stop());

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const res = await callTrpc(server.url, 'auth.register', { email: uniqueEmail(), password: PASSWORD });
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/i);
  });

  it('limits failed logins and registrations per IP as configured (RATE_LIMIT_LOGIN_IP, RATE_LIMIT_REGISTER_IP)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await callTrpc(server.url, 'auth.login', { email: uniqueEmail('ip'), password: 'wrong password here' })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const registers: number[] = [];
    for (let i = 0; i < 3; i++) registers.push((await callTrpc(server.url, 'auth.register', { email: uniqueEmail('ip'), password: PASSWORD })).status);
    expect(registers.at(-1)).toBe(429);
  });
});

describeDb(`the per-IP login limit under concurrency and behind a proxy on ${dbKind} (issue 21)`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_LOGIN_IP: '5/15m', TRUST_PROXY: 'true' } });
  });
  afterAll(() => server?.stop());

  /** Passwords checked so far: the count of the verify histogram. */
  async function passwordsChecked(): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('parley_password_hash_seconds_count{op="verify"}'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  it('a batch of 30 concurrent logins to different accounts checks no more passwords than the window allows', async () => {
    const count = 30;
    const body = Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), { email: uniqueEmail(`burst${i}`), password: 'wrong password here' }]));
    const before = await passwordsChecked();
    const res = await fetch(`${server.url}/trpc/${Array(count).fill('auth.login').join(',')}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.1' },
      body: JSON.stringify(body),
    });
    const answers = (await res.json()) as { error: { data: { code: string } } }[];
    const codes = answers.map((a) => a.error.data.code);
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(count - 5);
    expect((await passwordsChecked()) - before).toBeLessThanOrEqual(5);
  });

  it('a spoofed first X-Forwarded-For entry changes nothing: the entry the proxy added is the client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const headers = { 'x-forwarded-for': `10.${i}.0.1, 198.51.100.${i}, 203.0.113.2` };
      statuses.push((await callTrpc(server.url, 'auth.login', { email: uniqueEmail('spoof'), password: 'wrong password here' }, { headers })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const [latest] = await selectRows(server.deps.database, `select ip from audit_log where event = 'login_failure' order by id desc limit 1`);
    expect(latest!.ip).toBe('203.0.113.2');
  });

  it('a successful login gives its point back, so people signing in keep the window for mistakes', async () => {
    const { email, password } = await registerUser(server.url);
    const headers = { 'x-forwarded-for': '203.0.113.3' };
    for (let i = 0; i < 8; i++) expect((await callTrpc(server.url, 'auth.login', { email, password }, { headers })).status).toBe(200);
    const wrong: number[] = [];
    for (let i = 0; i < 6; i++) wrong.push((await callTrpc(server.url, 'auth.login', { email: uniqueEmail('after'), password: 'wrong password here' }, { headers })).status);
    expect(wrong).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describeDb(`accounts across restarts on ${dbKind}`, () => {
  it('keeps accounts across a restart on the same database: register, restart, login works', async () => {
    const database = await createTestDatabase();
    const email = uniqueEmail('restart');
    try {
      const first = await startTestServer({ database });
      await createClient(first.url).auth.register.mutate({ email, password: PASSWORD });
      await first.close();
      const second = await startTestServer({ database });
      const { user } = signedIn(await createClient(second.url).auth.login.mutate({ email, password: PASSWORD }));
      expect(user.email).toBe(email);
      await second.close();
    } finally {
      await database.drop();
    }
  });
});

describePostgres('rate limits shared by instances on one Postgres', () => {
  it('failures counted on instance A slow the account down on instance B', async () => {
    const database = await createTestDatabase();
    const a = await startTestServer({ database });
    const b = await startTestServer({ database });
    try {
      const { email } = await registerUser(a.url);
      for (let i = 0; i < 6; i++) await callTrpc(a.url, 'auth.login', { email, password: `wrong on a ${i}` });
      const onB = await callTrpc(b.url, 'auth.login', { email, password: PASSWORD });
      expect(onB.status).toBe(429);
      expect(Number(onB.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });
});
