// Live recording over /ws/record with real speech: the handshake, seq/ack, resume after a dropped
// connection, the stored Ogg/Opus file as ffprobe sees it, downloads with Range and signed links.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RecordClient } from './helpers/record-client';
import { decodeStrictly, probeAudio, speechPcm16k, writeTemp } from './helpers/recording-fixtures';
import { closeClients, describeOnce, registerUser, startTestServer, type TestServer } from './helpers/server';

const FRAME_BYTES = 3200; // 100 ms of 16 kHz mono s16le
const META = { name: 'Weekly sync', meeting_link: 'https://meet.example.com/weekly', org_id: null, format: 'pcm_s16le_16000_mono' };

describeOnce('live recording over /ws/record', () => {
  let server: TestServer;
  let user: Awaited<ReturnType<typeof registerUser>>;
  let speech: Buffer;

  beforeAll(async () => {
    speech = speechPcm16k(60);
    server = await startTestServer();
    user = await registerUser(server.url);
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  async function connected(): Promise<RecordClient> {
    const client = await RecordClient.connect(server.url);
    await client.authenticate(user.token);
    return client;
  }

  async function download(id: string): Promise<string> {
    const res = await fetch(`${server.url}/recordings/${id}/audio`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/ogg');
    return writeTemp(`${id}.ogg`, Buffer.from(await res.arrayBuffer()));
  }

  it('stores 60 s of 16 kHz speech sent in 100 ms frames as Ogg/Opus mono, 60 s long, about 24 kbit/s', async () => {
    const client = await connected();
    const { recordingId, nextSeq, filename } = await client.start(META);
    expect(nextSeq).toBe(0);
    expect(filename).toMatch(/\.ogg$/);
    await client.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 0 });
    expect(client.acked.size).toBe(600);
    const finished = await client.stop();
    expect(finished).toMatchObject({ status: 'recording_finished', recording_id: recordingId });
    expect(Math.abs(Number(finished.duration_ms) - 60_000)).toBeLessThan(600);
    expect((await client.closed).code).toBe(1000);

    const file = await download(recordingId);
    expect(fs.statSync(file).size).toBe(finished.bytes);
    const probe = probeAudio(file);
    expect(probe).toMatchObject({ codec: 'opus', channels: 1, format: 'ogg' });
    expect(Math.abs(probe.durationS - 60)).toBeLessThan(0.6);
    expect(probe.bitRate).toBeGreaterThan(18_000);
    expect(probe.bitRate).toBeLessThan(32_000);
    decodeStrictly(file);

    const row = await user.client.recordings.get.query({ id: recordingId });
    expect(row).toMatchObject({ status: 'finished', name: 'Weekly sync', meetingLink: 'https://meet.example.com/weekly', bytes: finished.bytes });
    expect(row.finishedAt).not.toBeNull();
  });

  it('resumes after the socket is killed at 30 s: the file holds the full 60 s, nothing doubled', async () => {
    const first = await connected();
    const { recordingId } = await first.start(META);
    await first.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 0, toSeq: 300 });
    first.kill();
    await first.closed;

    const second = await connected();
    const resumed = await second.start({ resume: recordingId });
    expect(resumed).toMatchObject({ recordingId, nextSeq: 300 });
    // A recorder resends what it has not seen acked: old frames are acknowledged, not written twice.
    for (let seq = 290; seq < 300; seq++) second.sendFrame(seq, speech.subarray(seq * FRAME_BYTES, (seq + 1) * FRAME_BYTES));
    await second.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 300 });
    const finished = await second.stop();
    expect(Math.abs(Number(finished.duration_ms) - 60_000)).toBeLessThan(600);
    const probe = probeAudio(await download(recordingId));
    expect(Math.abs(probe.durationS - 60)).toBeLessThan(0.6);
  });

  it('closes with 1008 when no token arrives within 10 s', async () => {
    const client = await RecordClient.connect(server.url);
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/token/i);
  }, 20_000);

  it('closes with 1008 on a wrong token, and on bad metadata with the reason', async () => {
    const wrong = await RecordClient.connect(server.url);
    wrong.sendJson({ token: 'abc.def' });
    expect((await wrong.closed).code).toBe(1008);

    const bad = await connected();
    bad.sendJson({ name: '', format: 'mp3' });
    const closed = await bad.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/metadata/i);

    const foreign = await connected();
    foreign.sendJson({ resume: 'nosuchrecording' });
    expect((await foreign.closed).code).toBe(1008);
  });

  it('answers a garbage frame, a gap and an unknown message with an error and keeps recording', async () => {
    const client = await connected();
    const { recordingId } = await client.start(META);
    client.ws.send(Buffer.from([1, 2]));
    await client.until(() => client.messages.find((m) => m.status === 'error'), 'an error');
    client.sendFrame(7, speech.subarray(0, FRAME_BYTES));
    await client.until(() => client.messages.find((m) => m.status === 'error' && m.expected_seq === 0), 'a gap error');
    client.sendJson({ hello: 'world' });
    client.ws.send('not json at all');
    await client.until(() => client.messages.filter((m) => m.status === 'error').length >= 4, 'four errors');
    // Each error names its catalogue key, as HTTP error bodies do.
    expect(client.messages.filter((m) => m.status === 'error').map((m) => m.key)).toEqual(['INVALID_FRAME', 'FRAME_OUT_OF_ORDER', 'UNKNOWN_MESSAGE', 'UNKNOWN_MESSAGE']);
    await client.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 0, toSeq: 20 });
    const finished = await client.stop();
    expect(Math.abs(Number(finished.duration_ms) - 2000)).toBeLessThan(100);
    expect((await user.client.recordings.get.query({ id: recordingId })).status).toBe('finished');
  });

  it('authenticates with Sec-WebSocket-Protocol "bearer, <token>" at once and answers "bearer"', async () => {
    const client = await RecordClient.connect(server.url, { protocols: ['bearer', user.token] });
    expect(client.ws.protocol).toBe('bearer');
    await client.next('authenticated');
    await client.start(META);
    client.close();
  });

  it('closes a recording socket with 4401 when its session is revoked', async () => {
    const client = await connected();
    await client.start(META);
    server.deps.sockets.closeSession(user.token.split('.')[0]!, 'Session revoked');
    expect((await client.closed).code).toBe(4401);
  });

  it('recordings.get shows a live recording as far as it is acknowledged, without waiting for the row checkpoint', async () => {
    const client = await connected();
    const { recordingId } = await client.start(META);
    await client.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 0, toSeq: 50 });
    expect(client.acked.size).toBe(50);
    const live = await user.client.recordings.get.query({ id: recordingId });
    expect(live.status).toBe('live');
    // Opus frames are 20 ms: 5 s acknowledged is 5 s in the file, give or take the encoder's look-ahead.
    expect(Math.abs(live.durationMs - 5000)).toBeLessThanOrEqual(40);
    expect(live.bytes).toBeGreaterThan(0);
    await client.stop();
  });

  it('reports progress over recordings.events while live, then finished', async () => {
    const client = await connected();
    const { recordingId } = await client.start(META);
    const events: { type: string }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const sub = user.client.recordings.events.subscribe(
        { id: recordingId },
        {
          onData: (event) => {
            events.push(event);
            if (event.type === 'finished') {
              sub.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    await client.until(() => events.length > 0, 'the first event');
    await client.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 0, toSeq: 30 });
    await client.stop();
    await done;
    expect(events[0]).toMatchObject({ type: 'progress', id: recordingId });
    expect(events.at(-1)).toMatchObject({ type: 'finished', id: recordingId, durationMs: 3000 });
  });

  it('serves byte ranges (206), refuses impossible ones (416) and accepts a signed link without a session', async () => {
    const client = await connected();
    const { recordingId } = await client.start(META);
    await client.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 0, toSeq: 50 });
    const { bytes } = await client.stop();
    const auth = { authorization: `Bearer ${user.token}` };
    const url = `${server.url}/recordings/${recordingId}/audio`;

    const head = await fetch(url, { headers: { ...auth, range: 'bytes=0-3' } });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-3/${bytes}`);
    expect(Buffer.from(await head.arrayBuffer()).toString()).toBe('OggS');
    const tail = await fetch(url, { headers: { ...auth, range: 'bytes=-100' } });
    expect(tail.status).toBe(206);
    expect((await tail.arrayBuffer()).byteLength).toBe(100);
    const open = await fetch(url, { headers: { ...auth, range: 'bytes=100-' } });
    expect(open.headers.get('content-length')).toBe(String(Number(bytes) - 100));
    await open.arrayBuffer();
    const beyond = await fetch(url, { headers: { ...auth, range: `bytes=${Number(bytes) + 10}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes}`);

    const signed = await user.client.recordings.downloadUrl.query({ id: recordingId });
    expect(signed.url).toContain(`/recordings/${recordingId}/audio?`);
    const viaLink = await fetch(signed.url.replace(/^https?:\/\/[^/]+/, server.url));
    expect(viaLink.status).toBe(200);
    expect((await viaLink.arrayBuffer()).byteLength).toBe(bytes);
    // Change the signature's first character to a different one (a fixed replacement would be a no-op 1 time in 64).
    const tampered = await fetch(
      signed.url.replace(/^https?:\/\/[^/]+/, server.url).replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`),
    );
    expect(tampered.status).toBe(404);
    const expired = new URL(signed.url.replace(/^https?:\/\/[^/]+/, server.url));
    expired.searchParams.set('expires', '1000');
    expect((await fetch(expired)).status).toBe(404);
  });
});

describeOnce('live recordings left open', () => {
  let server: TestServer;
  afterAll(() => server?.stop());

  it('finalizes a dropped recording as a valid Ogg file after RECORDING_IDLE_TIMEOUT', async () => {
    server = await startTestServer({ env: { RECORDING_IDLE_TIMEOUT: '2s' } });
    const user = await registerUser(server.url);
    const client = await RecordClient.connect(server.url);
    await client.authenticate(user.token);
    const { recordingId } = await client.start(META);
    await client.stream(speechPcm16k(60), { frameBytes: FRAME_BYTES, fromSeq: 0, toSeq: 50 });
    client.kill();
    let row = await user.client.recordings.get.query({ id: recordingId });
    for (let i = 0; i < 100 && row.status === 'live'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      row = await user.client.recordings.get.query({ id: recordingId });
    }
    expect(row).toMatchObject({ status: 'finished', durationMs: 5000 });
    const res = await fetch(`${server.url}/recordings/${recordingId}/audio`, { headers: { authorization: `Bearer ${user.token}` } });
    const file = writeTemp('idle.ogg', Buffer.from(await res.arrayBuffer()));
    decodeStrictly(file);
    expect(Math.abs(probeAudio(file).durationS - 5)).toBeLessThan(0.1);
    closeClients();
  });

  it('on graceful shutdown leaves a valid Ogg file that a restarted server resumes', async () => {
    const first = await startTestServer();
    const user = await registerUser(first.url);
    const speech = speechPcm16k(60);
    const client = await RecordClient.connect(first.url);
    await client.authenticate(user.token);
    const { recordingId, filename } = await client.start(META);
    await client.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 0, toSeq: 100 });
    await first.close();
    expect((await client.closed).code).toBe(1012);
    const onDisk = `${first.deps.config.recordingsDir}/${filename}`;
    decodeStrictly(onDisk);
    expect(Math.abs(probeAudio(onDisk).durationS - 10)).toBeLessThan(0.1);

    server = await startTestServer({ database: first.database });
    const again = await RecordClient.connect(server.url);
    await again.authenticate(user.token);
    expect(await again.start({ resume: recordingId })).toMatchObject({ nextSeq: 100 });
    await again.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 100, toSeq: 200 });
    const finished = await again.stop();
    expect(finished.duration_ms).toBe(20_000);
    decodeStrictly(onDisk);
    expect(Math.abs(probeAudio(onDisk).durationS - 20)).toBeLessThan(0.1);
    await first.database.drop();
  });
});
