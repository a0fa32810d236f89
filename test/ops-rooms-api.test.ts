// REST mirrors of the room procedures, and the room metrics moving with a scripted session.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';
import { metricValue, scrapeMetrics } from './helpers/metrics';
import { follow, until } from './helpers/rooms';

type Json = Record<string, any>;

describeDb(`REST mirrors of rooms on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  async function api(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    const res = await fetch(`${server.url}/api${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
  }

  it('lists the rooms endpoints in /openapi.json', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
    expect(document.paths['/rooms/{roomId}/messages']).toHaveProperty('get');
    expect(document.paths['/rooms/{roomId}/messages']).toHaveProperty('post');
  });

  it('POST /api/rooms/{roomId}/messages sends (idempotent per clientMessageId); GET pages history newest first', async () => {
    const owner = await registerUser(server.url);
    const room = await owner.client.rooms.create.mutate({ name: 'REST room' });
    const first = await api(`/rooms/${room.id}/messages`, { method: 'POST', token: owner.token, json: { body: 'one', clientMessageId: 'c-1' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ roomId: room.id, body: 'one', senderId: owner.user.id, clientMessageId: 'c-1' });
    const again = await api(`/rooms/${room.id}/messages`, { method: 'POST', token: owner.token, json: { body: 'one', clientMessageId: 'c-1' } });
    expect(again.body.id).toBe(first.body.id);
    await api(`/rooms/${room.id}/messages`, { method: 'POST', token: owner.token, json: { body: 'two' } });
    await api(`/rooms/${room.id}/messages`, { method: 'POST', token: owner.token, json: { body: 'three' } });

    const page = await api(`/rooms/${room.id}/messages?limit=2`, { token: owner.token });
    expect(page.status).toBe(200);
    expect(page.body.messages.map((m: Json) => m.body)).toEqual(['three', 'two']);
    expect(page.body.nextCursor).toBeTruthy();
    const older = await api(`/rooms/${room.id}/messages?limit=2&before=${encodeURIComponent(page.body.nextCursor)}`, { token: owner.token });
    expect(older.body.messages.map((m: Json) => m.body)).toEqual(['one']);
  });

  it('refuses room messages to someone who is not a member, and to nobody signed in', async () => {
    const owner = await registerUser(server.url);
    const outsider = await registerUser(server.url);
    const room = await owner.client.rooms.create.mutate({ name: 'private' });
    const read = await api(`/rooms/${room.id}/messages`, { token: outsider.token });
    expect(read.status).toBeGreaterThanOrEqual(403);
    expect(read.status).toBeLessThan(405);
    const write = await api(`/rooms/${room.id}/messages`, { method: 'POST', token: outsider.token, json: { body: 'hi' } });
    expect(write.status).toBeGreaterThanOrEqual(403);
    expect(write.status).toBeLessThan(405);
    expect((await api(`/rooms/${room.id}/messages`)).status).toBe(401);
  });

  it('moves the room metrics: a room with a live subscriber, a message stored and fanned out', async () => {
    const before = await scrapeMetrics(server.url);
    const owner = await registerUser(server.url);
    const room = await owner.client.rooms.create.mutate({ name: 'metrics' });
    const listener = await follow(createClient(server.url, { token: owner.token }), { roomId: room.id });
    const during = await scrapeMetrics(server.url);
    expect(metricValue(during, 'parley_rooms_active')).toBeGreaterThanOrEqual(1);
    await owner.client.rooms.send.mutate({ roomId: room.id, body: 'measured' });
    await until('the message to arrive', () => listener.messages().length === 1);
    listener.unsubscribe();


    const after = await scrapeMetrics(server.url);
    const count = (text: string, name: string) => metricValue(text, name) ?? 0;
    expect(count(after, 'parley_room_messages_total')).toBeGreaterThanOrEqual(count(before, 'parley_room_messages_total') + 1);
    expect(count(after, 'parley_fanout_latency_seconds_count')).toBeGreaterThanOrEqual(count(before, 'parley_fanout_latency_seconds_count') + 1);
  });
});
