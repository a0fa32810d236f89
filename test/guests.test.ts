import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeClients, createClient, dbKind, describeDb, registerUser, startTestServer, uniqueEmail, type TestServer, signedIn } from './helpers/server';
import { deleteIdleGuests, GUEST_IDLE_LIMIT_MS } from '../server/src/auth/guest';
import { follow, until } from './helpers/rooms';
import { selectRows } from './helpers/auth';

type ClientError = { data?: { code?: string; retryAfter?: number } };

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as ClientError).data?.code;
  }
  return 'no error';
}

describeDb(`guests on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  /** Plain SQL on the server's own database (PGlite or Postgres), to age an account. */
  async function query(text: string, params: unknown[]): Promise<unknown[]> {
    const { pglite, sql } = server.deps.database;
    if (pglite) return (await pglite.query(text, params)).rows;
    return [...(await sql!.unsafe(text, params as never[]))];
  }
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it('creates a guest with an alias, a token and the session cookie', async () => {
    const res = await fetch(`${server.url}/trpc/auth.guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alias: 'Night Owl', gender: 'f' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/parley_session=[a-z2-7]+\.[a-z2-7]+; .*HttpOnly/);
    const { result } = await res.json();
    expect(result.data.user).toMatchObject({ kind: 'guest', alias: 'Night Owl', gender: 'f', email: null, displayName: 'Night Owl' });
    expect(result.data.token).toMatch(/^[a-z2-7]+\.[a-z2-7]+$/);
  });

  it('accepts aliases of 2 to 32 characters only', async () => {
    const anonymous = createClient(server.url);
    expect(await codeOf(anonymous.auth.guest.mutate({ alias: 'x' }))).toBe('BAD_REQUEST');
    expect(await codeOf(anonymous.auth.guest.mutate({ alias: 'x'.repeat(33) }))).toBe('BAD_REQUEST');
    expect((await anonymous.auth.guest.mutate({ alias: 'xy' })).user.alias).toBe('xy');
  });

  it('a guest chats in a room, upgrades, and keeps the same id, rooms and history', async () => {
    const member = await registerUser(server.url, { name: 'Mia' });
    const roomId = (await member.client.rooms.create.mutate({ name: 'lobby' })).id;
    const { user: guestUser, token } = await createClient(server.url).auth.guest.mutate({ alias: 'Quiet Fox' });
    const guest = createClient(server.url, { token });
    await guest.rooms.join.mutate({ roomId });

    const atMember = await follow(member.client, { roomId });
    await guest.rooms.send.mutate({ roomId, body: 'hello from a guest' });
    await until('the guest message', () => atMember.messages().length === 1);
    expect(atMember.messages()[0]!.data).toMatchObject({ senderId: guestUser.id, senderName: 'Quiet Fox', body: 'hello from a guest' });
    atMember.unsubscribe();

    // Guests are limited to rooms.
    expect(await codeOf(guest.auth.upgradeGuest.mutate({ email: 'not-an-email', password: 'long enough password' }))).toBe('BAD_REQUEST');

    const email = uniqueEmail('upgraded');
    const upgraded = await guest.auth.upgradeGuest.mutate({ email, password: 'a brand new passphrase' });
    expect(upgraded.user).toMatchObject({ id: guestUser.id, kind: 'member', email, alias: 'Quiet Fox' });
    expect(upgraded.token).not.toBe(token);
    // Privileges changed: the guest session ended, the new one works.
    expect(await codeOf(guest.auth.me.query())).toBe('UNAUTHORIZED');
    const now = createClient(server.url, { token: upgraded.token });
    expect((await now.auth.me.query()).user.id).toBe(guestUser.id);
    expect((await now.rooms.list.query()).map((r) => r.id)).toEqual([roomId]);
    const history = await now.rooms.history.query({ roomId });
    expect(history.messages).toMatchObject([{ senderId: guestUser.id, body: 'hello from a guest' }]);
    // And they can sign in with the password from now on.
    const login = signedIn(await createClient(server.url).auth.login.mutate({ email, password: 'a brand new passphrase' }));
    expect(login.user.id).toBe(guestUser.id);
    // The upgrade is audited as the account's registration, and its device is known: no new-device notice.
    expect(await selectRows(server.deps.database, `select event from audit_log where user_id = $1 and event = 'register'`, [guestUser.id])).toHaveLength(1);
    await server.deps.mailer.idle();
    expect(await selectRows(server.deps.database, `select 1 from outbox where "to" = $1`, [email])).toHaveLength(0);
    // A member is not a guest any more.
    expect(await codeOf(now.auth.upgradeGuest.mutate({ email: uniqueEmail(), password: 'another passphrase' }))).toBe('BAD_REQUEST');
  });

  it("refuses an upgrade to an e-mail that is someone else's (CONFLICT)", async () => {
    const taken = await registerUser(server.url);
    const { token } = await createClient(server.url).auth.guest.mutate({ alias: 'Copycat' });
    expect(await codeOf(createClient(server.url, { token }).auth.upgradeGuest.mutate({ email: taken.email, password: 'long enough password' }))).toBe('CONFLICT');
  });

  it('deletes guests idle for 30 days, and no members, in the cleanup job', async () => {
    const anonymous = createClient(server.url);
    const idle = (await anonymous.auth.guest.mutate({ alias: 'Gone Soon' })).user;
    const active = (await anonymous.auth.guest.mutate({ alias: 'Still Here' })).user;
    const member = await registerUser(server.url);
    const old = new Date(Date.now() - GUEST_IDLE_LIMIT_MS - 60_000);
    for (const id of [idle.id, member.user.id]) await query('update users set last_active_at = $1 where id = $2', [old.toISOString(), id]);
    await deleteIdleGuests(server.deps.db, new Date(Date.now() - GUEST_IDLE_LIMIT_MS));
    const left = async (id: string) => (await query('select id from users where id = $1', [id])).length;
    expect(await left(idle.id)).toBe(0);
    expect(await left(active.id)).toBe(1);
    expect(await left(member.user.id)).toBe(1);
  });
});
