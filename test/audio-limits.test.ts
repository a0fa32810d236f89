// The Opus "decompression bomb" and the audio limits, from outside: a 31 KB Ogg file of 2-byte
// packets that each claim 120 ms is refused over POST /api/recordings/upload and over /ws/record
// without stalling the server's event loop (all decoding happens in the encoder threads, and the
// claimed duration is charged against the bytes before any decoding); random Opus streams never
// get more playing time than their size allows; uploads and recordings are throttled per user.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_AUDIO_LIMITS, durationBound } from '../server/src/recordings/audio/limits';
import { oggBomb, oggOpusStream, webmOpusStream } from './helpers/opus-streams';
import { RecordClient } from './helpers/record-client';
import { closeClients, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';

/** A generous bound on a stall (the report measured 1.4–5.8 s), not a benchmark. */
const MAX_STALL_MS = 1000;

async function withLoopDelay<T>(work: () => Promise<T>): Promise<{ result: T; maxDelayMs: number }> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, maxDelayMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

describeDb('audio limits', () => {
  let server: TestServer;
  let user: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_UPLOAD_USER: '10000/1h', RATE_LIMIT_RECORDING_USER: '10000/1h' } });
    user = await registerUser(server.url);
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  function upload(bytes: Buffer, contentType = 'audio/ogg') {
    return fetch(`${server.url}/api/recordings/upload?name=Bomb`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': contentType },
      body: new Uint8Array(bytes),
    });
  }

  it('refuses the 31 KB Ogg bomb over POST /api/recordings/upload without stalling the event loop', async () => {
    const bomb = oggBomb();
    expect(bomb.length).toBeLessThan(32 * 1024);
    const { result: res, maxDelayMs } = await withLoopDelay(() => upload(bomb));
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ key: 'AUDIO_TOO_DENSE' });
    expect(maxDelayMs).toBeLessThan(MAX_STALL_MS);
    expect((await user.client.recordings.list.query({ limit: 100 })).recordings).toHaveLength(0);
  });

  it('refuses the bomb as one /ws/record frame (format ogg) without stalling the event loop; nothing is acknowledged', async () => {
    const { result: client, maxDelayMs } = await withLoopDelay(async () => {
      const client = await RecordClient.connect(server.url);
      await client.authenticate(user.token);
      await client.start({ name: 'Live bomb', format: 'ogg' });
      client.sendFrame(0, oggBomb());
      await client.until(() => client.messages.find((m) => m.status === 'error'), 'the refusal');
      return client;
    });
    expect(String(client.messages.find((m) => m.status === 'error')?.error)).toMatch(/claims .* more than any real Opus stream/);
    expect(client.messages.find((m) => m.status === 'error')).toMatchObject({ key: 'AUDIO_TOO_DENSE', seq: 0 });
    expect(client.acked.size).toBe(0);
    expect(maxDelayMs).toBeLessThan(MAX_STALL_MS);
    client.close();
  });

  it('refuses the bomb streamed to /api/recordings/stream and keeps nothing', async () => {
    const before = (await user.client.recordings.list.query({ limit: 100 })).recordings.length;
    const { result: res, maxDelayMs } = await withLoopDelay(() =>
      fetch(`${server.url}/api/recordings/stream?name=Streamed%20bomb`, { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'audio/ogg' }, body: new Uint8Array(oggBomb()) }),
    );
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ key: 'AUDIO_TOO_DENSE' });
    expect(maxDelayMs).toBeLessThan(MAX_STALL_MS);
    expect((await user.client.recordings.list.query({ limit: 100 })).recordings.length).toBe(before);
  });

  it('property: Ogg/WebM uploads of random TOC bytes and page layouts never get more playing time than their size allows, and never stall the server', async () => {
    const packet = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 0, maxLength: 3 })).map(([toc, rest]) => Buffer.concat([Buffer.from([toc]), Buffer.from(rest)]));
    const layout = fc.array(fc.array(packet, { minLength: 1, maxLength: 255 }), { minLength: 1, maxLength: 8 });
    let worstDelayMs = 0;
    await fc.assert(
      fc.asyncProperty(layout, fc.constantFrom('ogg', 'webm'), async (pages, kind) => {
        const bytes = kind === 'ogg' ? oggOpusStream(pages) : webmOpusStream(pages);
        const { result: res, maxDelayMs } = await withLoopDelay(() => upload(bytes, kind === 'ogg' ? 'audio/ogg' : 'audio/webm'));
        worstDelayMs = Math.max(worstDelayMs, maxDelayMs);
        expect([201, 400, 413, 415]).toContain(res.status);
        const body = (await res.json()) as { recording?: { durationMs: number } };
        if (res.status === 201) expect(body.recording!.durationMs).toBeLessThanOrEqual(durationBound(DEFAULT_AUDIO_LIMITS, bytes.length) + 120);
        expect(maxDelayMs).toBeLessThan(MAX_STALL_MS);
      }),
      { numRuns: 25 },
    );
    expect(worstDelayMs).toBeLessThan(MAX_STALL_MS);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
  });
});

describeDb('per-user audio throttles', () => {
  let server: TestServer;
  let user: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_UPLOAD_USER: '2/1h', RATE_LIMIT_RECORDING_USER: '2/1h' } });
    user = await registerUser(server.url);
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it('answer 429 with Retry-After once a user has used the upload window, whatever the file', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/api/recordings/upload?name=x`, { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'audio/ogg' }, body: new Uint8Array(oggBomb(2)) });
      statuses.push(res.status);
      retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([415, 415, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const other = await registerUser(server.url);
    const res = await fetch(`${server.url}/api/recordings/upload?name=x`, { method: 'POST', headers: { authorization: `Bearer ${other.token}`, 'content-type': 'audio/ogg' }, body: new Uint8Array(oggBomb(2)) });
    expect(res.status).toBe(415);
  });

  it('close the recording socket with 1008 once a user has started too many recordings', async () => {
    for (let i = 0; i < 2; i++) {
      const client = await RecordClient.connect(server.url);
      await client.authenticate(user.token);
      await client.start({ name: `Recording ${i}`, format: 'pcm_s16le_16000_mono' });
      client.close();
    }
    const client = await RecordClient.connect(server.url);
    await client.authenticate(user.token);
    client.sendJson({ name: 'One too many', format: 'pcm_s16le_16000_mono' });
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/Too many/);
  });
});
