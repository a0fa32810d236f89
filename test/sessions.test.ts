// Issue 4: sessions.* — see and end where you are signed in; revoked and expired sessions close
// their WebSockets (4401) on every instance.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callTrpc, openWatchSocket, selectRows } from './helpers/auth';
import { createClient, dbKind, describeDb, describePostgres, registerUser, startTestServer, type TestServer, withTwoInstances } from './helpers/server';

const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);

/** Signs in again as the same user from another "device". */
async function loginFrom(url: string, email: string, password: string, userAgent: string) {
  const res = await callTrpc(url, 'auth.login', { email, password }, { headers: { 'user-agent': userAgent } });
  expect(res.status).toBe(200);
  const token: string = res.body.result.data.token;
  return { token, client: createClient(url, { token }) };
}

describeDb(`sessions on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('lists both sessions of two sign-ins, with exactly one marked current', async () => {
    const first = await registerUser(server.url);
    const second = await loginFrom(server.url, first.email, first.password, 'Phone/2.0');
    const list = await first.client.sessions.list.query();
    expect(list).toHaveLength(2);
    expect(list.filter((s) => s.current)).toHaveLength(1);
    const me = await first.client.auth.me.query();
    expect(list.find((s) => s.current)!.id).toBe(me.session.id);
    const other = list.find((s) => !s.current)!;
    expect(other).toMatchObject({ ip: '127.0.0.1', userAgent: 'Phone/2.0' });
    for (const s of list) for (const field of ['createdAt', 'lastSeenAt', 'expiresAt'] as const) expect(new Date(s[field]).toISOString()).toBe(s[field]);
    expect((await second.client.sessions.list.query()).find((s) => s.current)!.id).toBe(other.id);
  });

  it('revoking the other session makes its token UNAUTHORIZED at once and closes its subscription with 4401 within a second', async () => {
    const first = await registerUser(server.url);
    const second = await loginFrom(server.url, first.email, first.password, 'Laptop/1.0');
    const watch = await openWatchSocket(server.url, second.token);
    const other = (await first.client.sessions.list.query()).find((s) => !s.current)!;
    await first.client.sessions.revoke.mutate({ sessionId: other.id });
    const closed = await within(watch.closed, 1000, 'closing the socket');
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/revoked/i);
    await expect(second.client.auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    expect((await first.client.auth.me.query()).user.email).toBe(first.email);
  });

  it("answers NOT_FOUND for another user's session and leaves it alive", async () => {
    const alice = await registerUser(server.url);
    const mallory = await registerUser(server.url);
    const aliceSession = (await alice.client.auth.me.query()).session.id;
    await expect(mallory.client.sessions.revoke.mutate({ sessionId: aliceSession })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(mallory.client.sessions.revoke.mutate({ sessionId: 'no-such-session' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    expect((await alice.client.auth.me.query()).session.id).toBe(aliceSession);
  });

  it('revokeOthers ends every other session and keeps the current one', async () => {
    const first = await registerUser(server.url);
    const second = await loginFrom(server.url, first.email, first.password, 'Tablet/1.0');
    const third = await loginFrom(server.url, first.email, first.password, 'TV/1.0');
    const watch = await openWatchSocket(server.url, third.token);
    expect(await first.client.sessions.revokeOthers.mutate()).toEqual({ ok: true, revoked: 2 });
    expect((await within(watch.closed, 1000, 'closing the socket')).code).toBe(4401);
    await expect(second.client.auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(third.client.auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    expect(await first.client.sessions.list.query()).toHaveLength(1);
  });

  it('logout closes the sockets of the session with 4401', async () => {
    const user = await registerUser(server.url);
    const watch = await openWatchSocket(server.url, user.token);
    await user.client.auth.logout.mutate();
    expect((await within(watch.closed, 1000, 'closing the socket')).code).toBe(4401);
  });

  it('without SMTP_URL, mail goes to the outbox table (here: a sign-in from a new device)', async () => {
    const user = await registerUser(server.url);
    await loginFrom(server.url, user.email, user.password, 'NewBrowser/7.0');
    await server.deps.mailer.idle();
    const rows = await selectRows(server.deps.database, 'select subject, text, html from outbox where "to" = $1', [user.email]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.subject).toMatch(/New sign-in/);
    expect(rows[0]!.text).toContain('NewBrowser/7.0');
    expect(rows[0]!.text).toContain('/sessions');
    expect(rows[0]!.html).toContain('<a href=');
  });

  it('knows a device by one row per account and device, and migration 0002 backfills them from the audit log', async () => {
    const user = await registerUser(server.url);
    const deviceRows = () => selectRows(server.deps.database, 'select device_key from sign_in_devices where user_id = $1', [user.user.id]);
    const notices = async () => {
      await server.deps.mailer.idle();
      return (await selectRows(server.deps.database, `select 1 from outbox where "to" = $1 and subject like 'New sign-in%'`, [user.email])).length;
    };
    for (let i = 0; i < 3; i++) await loginFrom(server.url, user.email, user.password, 'Desk/1.0');
    expect(await deviceRows()).toHaveLength(2); // the registering client and Desk/1.0, however often it signs in
    expect(await notices()).toBe(1);

    // A database from before migration 0002 knew devices only from its audit log: replay the backfill.
    const migration = fs.readFileSync(path.join(import.meta.dirname, '../drizzle/0002_sign_in_devices.sql'), 'utf8');
    const backfill = migration.split('--> statement-breakpoint').at(-1)!;
    expect(backfill).toMatch(/INSERT INTO "sign_in_devices"/);
    await selectRows(server.deps.database, 'delete from sign_in_devices where user_id = $1', [user.user.id]);
    await selectRows(server.deps.database, backfill);
    expect(await deviceRows()).toHaveLength(2);
    await loginFrom(server.url, user.email, user.password, 'Desk/1.0');
    expect(await notices()).toBe(1);
    await loginFrom(server.url, user.email, user.password, 'Other/1.0');
    expect(await notices()).toBe(2);
  });

  it('sends one new-device notice when several sign-ins from the same new device arrive at once', async () => {
    const user = await registerUser(server.url);
    await Promise.all(Array.from({ length: 6 }, () => loginFrom(server.url, user.email, user.password, 'Burst/1.0')));
    await server.deps.mailer.idle();
    const notices = await selectRows(server.deps.database, `select 1 from outbox where "to" = $1 and subject like 'New sign-in%'`, [user.email]);
    expect(notices).toHaveLength(1);
    const audited = await selectRows(server.deps.database, `select 1 from audit_log where user_id = $1 and event = 'login_success'`, [user.user.id]);
    expect(audited).toHaveLength(6);
  });
});

describeDb(`session expiry on ${dbKind}`, () => {
  it('closes the sockets of an expired session with 4401 and rejects its token', async () => {
    const server = await startTestServer({ env: { SESSION_INACTIVITY_TIMEOUT: '2s', SESSION_MAX_AGE: '2s' } });
    try {
      const user = await registerUser(server.url);
      const watch = await openWatchSocket(server.url, user.token);
      const closed = await within(watch.closed, 10_000, 'expiry');
      expect(closed.code).toBe(4401);
      await expect(user.client.auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    } finally {
      await server.stop();
    }
  });
});

describePostgres('session revocation across two instances on one Postgres', () => {
  let a: TestServer;
  let b: TestServer;
  withTwoInstances((servers) => ([a, b] = servers));

  it('revoking on instance A closes the socket on instance B with 4401 and the token fails on B', async () => {
    const user = await registerUser(a.url);
    const onB = await loginFrom(b.url, user.email, user.password, 'Other/1.0');
    const watch = await openWatchSocket(b.url, onB.token);
    const other = (await user.client.sessions.list.query()).find((s) => !s.current)!;
    await user.client.sessions.revoke.mutate({ sessionId: other.id });
    expect((await within(watch.closed, 1000, 'closing the socket on B')).code).toBe(4401);
    await expect(createClient(b.url, { token: onB.token }).auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });
});
