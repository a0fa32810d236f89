// Whole-file uploads, streamed through the pipeline: REST POST /api/recordings/upload and the
// tRPC recordings.upload (binary body). Real files made with sox and ffmpeg.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { createTRPCClient, httpBatchLink, httpLink, isNonJsonSerializable, splitLink } from '@trpc/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppRouter } from '../server/src/trpc/router';
import { probeAudio, speechAac, speechWav48kStereo, speechWebmOpus, textFile, writeTemp } from './helpers/recording-fixtures';
import { closeClients, describeOnce, registerUser, startTestServer, type TestServer } from './helpers/server';
import { expectAnswersMatchDocument, RestRecorder } from './helpers/rest-contract';

describeOnce('uploading whole recordings', () => {
  let server: TestServer;
  let user: Awaited<ReturnType<typeof registerUser>>;
  const recorder = new RestRecorder();

  beforeAll(async () => {
    server = await startTestServer({ env: { UPLOAD_MAX_BYTES: String(8 * 1024 * 1024) } });
    user = await registerUser(server.url);
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  /** Streams the file as the request body (never read whole into memory). */
  function post(file: string, contentType: string, query = 'name=Upload', token: string | null = user.token) {
    return recorder.fetch(`${server.url}/api/recordings/upload?${query}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
  }

  async function stored(id: string): Promise<ReturnType<typeof probeAudio>> {
    const res = await fetch(`${server.url}/recordings/${id}/audio`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(res.status).toBe(200);
    return probeAudio(writeTemp(`${id}.ogg`, Buffer.from(await res.arrayBuffer())));
  }

  const recordingFiles = () => fs.readdirSync(server.deps.config.recordingsDir).sort();

  it.each([
    ['48 kHz stereo WAV', () => speechWav48kStereo(20), 'audio/wav', 'wav'],
    ["WebM/Opus as Chrome's MediaRecorder makes it", () => speechWebmOpus(20), 'audio/webm', 'webm'],
    ['AAC in M4A (through ffmpeg)', () => speechAac(20), 'audio/mp4', 'm4a'],
  ])('stores an upload of %s as Ogg/Opus mono with its duration', async (_label, make, contentType, format) => {
    const res = await post(make(), contentType, `name=${encodeURIComponent('Uploaded – café')}&meetingLink=${encodeURIComponent('https://meet.example.com/x')}`);
    expect(res.status).toBe(201);
    const { recording } = (await res.json()) as { recording: { id: string; durationMs: number; status: string; name: string; format: string; bytes: number } };
    expect(recording).toMatchObject({ status: 'finished', name: 'Uploaded – café', format });
    expect(Math.abs(recording.durationMs - 20_000)).toBeLessThan(200);
    const probe = await stored(recording.id);
    expect(probe).toMatchObject({ codec: 'opus', channels: 1, format: 'ogg' });
    expect(Math.abs(probe.durationS - 20)).toBeLessThan(0.2);
    expect((await user.client.recordings.get.query({ id: recording.id })).bytes).toBe(recording.bytes);
  });

  it('rejects a text file with a 4xx and leaves no recording or file behind', async () => {
    const before = recordingFiles();
    const listed = (await user.client.recordings.list.query({ limit: 100 })).recordings.length;
    const disguised = await post(textFile(), 'audio/wav');
    expect(disguised.status).toBeGreaterThanOrEqual(400);
    expect(disguised.status).toBeLessThan(500);
    expect(((await disguised.json()) as { message: string }).message).toMatch(/audio|decode|supported/i);
    const plain = await post(textFile(), 'text/plain');
    expect(plain.status).toBe(415);
    expect(recordingFiles()).toEqual(before);
    expect((await user.client.recordings.list.query({ limit: 100 })).recordings.length).toBe(listed);
  });

  it('answers 413 beyond UPLOAD_MAX_BYTES, whether or not Content-Length says so, and keeps nothing', async () => {
    const before = recordingFiles();
    const big = speechWav48kStereo(60); // ~11 MB > 8 MiB
    expect((await post(big, 'audio/wav')).status).toBe(413);
    // Chunked (no Content-Length): the limit is enforced while streaming.
    const res = await recorder.fetch(`${server.url}/api/recordings/upload?name=big`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', authorization: `Bearer ${user.token}`, 'transfer-encoding': 'chunked' },
      body: Readable.toWeb(fs.createReadStream(big)) as ReadableStream,
      duplex: 'half',
    } as RequestInit).catch(() => null);
    if (res) expect(res.status).toBe(413);
    expect(recordingFiles()).toEqual(before);
  });

  it('requires a session (401) and a known org', async () => {
    expect((await post(speechWav48kStereo(20), 'audio/wav', 'name=x', null)).status).toBe(401);
    expect((await post(speechWav48kStereo(20), 'audio/wav', 'name=x&orgId=nosuchorg')).status).toBe(404);
  });

  it('uploads through tRPC recordings.upload as a binary body with metadata in x-recording-* headers', async () => {
    const headers = { authorization: `Bearer ${user.token}`, 'x-recording-name': encodeURIComponent('Über tRPC'), 'x-recording-meeting-link': 'https://meet.example.com/t' };
    const client = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => isNonJsonSerializable(op.input),
          true: httpLink({ url: `${server.url}/trpc`, headers }),
          false: httpBatchLink({ url: `${server.url}/trpc`, headers }),
        }),
      ],
    });
    const bytes = fs.readFileSync(speechWebmOpus(20));
    const { recording } = await client.recordings.upload.mutate(new Blob([bytes], { type: 'application/octet-stream' }));
    expect(recording).toMatchObject({ name: 'Über tRPC', meetingLink: 'https://meet.example.com/t', status: 'finished' });
    expect(Math.abs(recording.durationMs - 20_000)).toBeLessThan(200);
    expect((await client.recordings.get.query({ id: recording.id })).id).toBe(recording.id);
    await expect(client.recordings.upload.mutate(new Blob([fs.readFileSync(textFile())]))).rejects.toMatchObject({ data: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('answered every upload above as /openapi.json describes', async () => {
    await expectAnswersMatchDocument(server.url, recorder);
  });
});
