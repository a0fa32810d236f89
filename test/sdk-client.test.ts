// @parley/sdk against a real server: the session it keeps, the errors it raises, and (once the
// rooms feature is on the branch) subscriptions that survive dropped connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParleyClient, errorCode, hasErrorCode, type ParleyClient, type SessionExpiredEvent } from '../sdk/src/index';
import { appRouter } from '../server/src/trpc/router';
import { dbKind, describeDb, startTestServer, uniqueEmail, type TestServer } from './helpers/server';
import { startDropProxy, type DropProxy } from './helpers/drop-proxy';

const PASSWORD = 'a long enough passphrase 42';
const hasRooms = 'rooms' in appRouter._def.record;
const clients: ParleyClient[] = [];

function parley(url: string, options: Partial<Parameters<typeof createParleyClient>[0]> = {}): ParleyClient {
  const client = createParleyClient({ url, ...options });
  clients.push(client);
  return client;
}

describeDb(`SDK session and errors on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.stop();
  });

  it('keeps the token auth.register returns and uses it for the next calls', async () => {
    const seen: (string | null)[] = [];
    const client = parley(server.url, { onTokenChange: (token) => seen.push(token) });
    const email = uniqueEmail('sdk');
    const { user, token } = await client.auth.register.mutate({ email, password: PASSWORD, name: 'Ada' });
    expect(client.token).toBe(token);
    expect(seen).toEqual([token]);
    const me = await client.auth.me.query();
    expect(me.user.id).toBe(user.id);
    expect(me.session.current).toBe(true);
  });

  it('keeps the token auth.login returns and forgets it on auth.logout', async () => {
    const email = uniqueEmail('sdk');
    await parley(server.url).auth.register.mutate({ email, password: PASSWORD });
    const client = parley(server.url);
    await client.auth.login.mutate({ email, password: PASSWORD });
    expect(client.token).toBeTruthy();
    await client.auth.logout.mutate();
    expect(client.token).toBeNull();
    await expect(client.auth.me.query()).rejects.toSatisfy((e) => hasErrorCode(e, 'UNAUTHORIZED'));
  });

  it("raises the server's codes: UNAUTHORIZED for a wrong password, BAD_REQUEST with zod issues for bad input", async () => {
    const expired: SessionExpiredEvent[] = [];
    const client = parley(server.url, { onSessionExpired: (e) => expired.push(e) });
    const wrong = await client.auth.login.mutate({ email: uniqueEmail(), password: 'not the password' }).catch((e: unknown) => e);
    expect(errorCode(wrong)).toBe('UNAUTHORIZED');
    expect((wrong as Error).message).toBe('Invalid email or password');
    const bad = await client.auth.register.mutate({ email: 'not-an-email', password: PASSWORD }).catch((e: unknown) => e);
    expect(errorCode(bad)).toBe('BAD_REQUEST');
    expect((bad as { data: { issues: { path: string[] }[] } }).data.issues[0]!.path).toEqual(['email']);
    // A refused sign-in is not an expired session.
    expect(expired).toEqual([]);
  });

  it('calls onSessionExpired when a call with its token comes back UNAUTHORIZED', async () => {
    const expired: SessionExpiredEvent[] = [];
    const client = parley(server.url, { onSessionExpired: (e) => expired.push(e) });
    const { token } = await client.auth.register.mutate({ email: uniqueEmail(), password: PASSWORD });
    // The same session signs out from another device.
    await parley(server.url, { token }).auth.logout.mutate();
    await expect(client.auth.me.query()).rejects.toSatisfy((e) => hasErrorCode(e, 'UNAUTHORIZED'));
    await expect.poll(() => expired).toEqual([{ reason: 'unauthorized', path: 'auth.me' }]);
    expect(client.token).toBeNull();
  });

  it('reads the token from getToken when it holds none', async () => {
    const { token } = await parley(server.url).auth.register.mutate({ email: uniqueEmail(), password: PASSWORD });
    const client = parley(server.url, { getToken: async () => token });
    expect((await client.auth.me.query()).session.current).toBe(true);
  });
});

(hasRooms ? describeDb : describe.skip)(`SDK room subscriptions on ${dbKind}`, () => {
  let server: TestServer;
  let proxy: DropProxy;
  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startDropProxy(server.port);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy?.close();
    await server?.stop();
  });

  it('resumes rooms.events from the last event id after the connection drops, missing no message', async () => {
    // Alice talks through a proxy the test can cut; Bob talks to the server directly.
    const alice = parley(proxy.url, { retryDelayMs: () => 200 });
    await alice.auth.register.mutate({ email: uniqueEmail('alice'), password: PASSWORD });
    const bob = parley(server.url);
    await bob.auth.register.mutate({ email: uniqueEmail('bob'), password: PASSWORD });
    const room = await alice.rooms.create.mutate({ name: 'resume' });
    await bob.rooms.join.mutate({ roomId: room.id });

    const bodies: string[] = [];
    let started = false;
    const subscription = alice.rooms.events.subscribe(
      { roomId: room.id },
      { onStarted: () => (started = true), onData: (event) => event.data.type === 'message' && bodies.push(event.data.body) },
    );
    await expect.poll(() => started).toBe(true);
    await bob.rooms.send.mutate({ roomId: room.id, body: 'one' });
    await expect.poll(() => bodies).toEqual(['one']);

    await proxy.drop({ blockMs: 1500 });
    await bob.rooms.send.mutate({ roomId: room.id, body: 'two' });
    await bob.rooms.send.mutate({ roomId: room.id, body: 'three' });
    await expect.poll(() => bodies, { timeout: 20_000 }).toEqual(['one', 'two', 'three']);
    await bob.rooms.send.mutate({ roomId: room.id, body: 'four' });
    await expect.poll(() => bodies).toEqual(['one', 'two', 'three', 'four']);
    subscription.unsubscribe();
  });

  it('calls onSessionExpired with "revoked" when its session is revoked while a subscription is open', async () => {
    const expired: SessionExpiredEvent[] = [];
    const alice = parley(server.url, { onSessionExpired: (e) => expired.push(e) });
    const { token } = await alice.auth.register.mutate({ email: uniqueEmail('alice'), password: PASSWORD });
    const room = await alice.rooms.create.mutate({ name: 'revoked' });
    let started = false;
    const subscription = alice.rooms.events.subscribe({ roomId: room.id }, { onStarted: () => (started = true), onError: () => {} });
    await expect.poll(() => started).toBe(true);
    await parley(server.url, { token }).auth.logout.mutate();
    await expect.poll(() => expired.map((e) => e.reason)).toContain('revoked');
    subscription.unsubscribe();
  });
});
