// REST mirrors of the room and recording procedures, and the room/recording metrics moving with a
// scripted session: a message, a live recording over /ws/record, an upload.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';
import { expectAnswersMatchDocument, RestRecorder } from './helpers/rest-contract';
import { metricValue, scrapeMetrics } from './helpers/metrics';
import { follow, until } from './helpers/rooms';
import { RecordClient } from './helpers/record-client';
import { speechPcm16k, speechWav16k } from './helpers/recording-fixtures';

type Json = Record<string, any>;

describeDb(`REST mirrors of rooms and recordings on ${dbKind}`, () => {
  let server: TestServer;
  const recorder = new RestRecorder();
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  async function api(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    const res = await recorder.fetch(`${server.url}/api${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
  }

  it('lists the rooms and recordings endpoints in /openapi.json', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
    expect(document.paths['/rooms/{roomId}/messages']).toHaveProperty('get');
    expect(document.paths['/rooms/{roomId}/messages']).toHaveProperty('post');
    expect(document.paths['/recordings']).toHaveProperty('get');
    expect(document.paths['/recordings/{id}']).toHaveProperty('get');
    expect(document.paths['/recordings/upload']).toHaveProperty('post');
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

  it('POST /api/recordings/upload stores a WAV; GET /api/recordings lists it and GET /api/recordings/{id} returns it', async () => {
    const member = await registerUser(server.url);
    const wav = fs.readFileSync(speechWav16k(2));
    const res = await recorder.fetch(`${server.url}/api/recordings/upload?name=${encodeURIComponent('REST upload')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member.token}`, 'content-type': 'audio/wav' },
      body: wav,
    });
    expect(res.status).toBe(201);
    const { recording } = (await res.json()) as Json;
    expect(recording).toMatchObject({ name: 'REST upload' });
    const list = await api('/recordings', { token: member.token });
    expect(list.status).toBe(200);
    expect(list.body.recordings.map((r: Json) => r.id)).toContain(recording.id);
    const one = await api(`/recordings/${recording.id}`, { token: member.token });
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(recording.id);
    const stranger = await registerUser(server.url);
    expect((await api(`/recordings/${recording.id}`, { token: stranger.token })).status).toBe(404);
    expect((await api('/recordings')).status).toBe(401);
  });

  it('moves the room and recording metrics: a message fanned out, a live recording, an upload', async () => {
    const before = await scrapeMetrics(server.url);
    const owner = await registerUser(server.url);
    const room = await owner.client.rooms.create.mutate({ name: 'metrics' });
    const listener = await follow(createClient(server.url, { token: owner.token }), { roomId: room.id });
    const during = await scrapeMetrics(server.url);
    expect(metricValue(during, 'parley_rooms_active')).toBeGreaterThanOrEqual(1);
    await owner.client.rooms.send.mutate({ roomId: room.id, body: 'measured' });
    await until('the message to arrive', () => listener.messages().length === 1);
    listener.unsubscribe();

    const recorder = await RecordClient.connect(server.url);
    await recorder.authenticate(owner.token);
    await recorder.start({ name: 'metrics', format: 'pcm_s16le_16000_mono' });
    const pcm = speechPcm16k(2);
    await recorder.stream(pcm, { frameBytes: 640 * 10, fromSeq: 0 });
    const live = await scrapeMetrics(server.url);
    expect(metricValue(live, 'parley_recordings_active')).toBe(1);
    await recorder.stop();
    recorder.close();

    const after = await scrapeMetrics(server.url);
    const count = (text: string, name: string) => metricValue(text, name) ?? 0;
    expect(count(after, 'parley_room_messages_total')).toBeGreaterThanOrEqual(count(before, 'parley_room_messages_total') + 1);
    expect(count(after, 'parley_fanout_latency_seconds_count')).toBeGreaterThanOrEqual(count(before, 'parley_fanout_latency_seconds_count') + 1);
    expect(count(after, 'parley_recording_bytes_total')).toBeGreaterThan(count(before, 'parley_recording_bytes_total'));
    expect(metricValue(after, 'parley_recordings_active')).toBe(0);
  });

  it('answered every REST request above as /openapi.json describes', async () => {
    await expectAnswersMatchDocument(server.url, recorder);
  });
});
