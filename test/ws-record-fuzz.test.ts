// Hostile /ws/record traffic: binary before the handshake, invalid JSON, wrong shapes, truncated,
// oversized and out-of-order frames, text after the handshake. The server answers with a close
// code (1008 policy, 1009 too big) or an error message, never 1011 or a crash, keeps the good
// audio of the recording, and keeps serving. The number of hostile messages is printed.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { hasProcedure, recordLive } from './helpers/reliability';
import { closeClients, dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const MAX_FRAME_BYTES = 4 + 48_000 * 2 * 2;

type Inbox = { messages: Record<string, any>[]; closed: Promise<{ code: number; reason: string }>; ws: WebSocket; wait(check: () => boolean): Promise<void> };

async function connect(url: string): Promise<Inbox> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/record`);
  const messages: Record<string, any>[] = [];
  let wake: () => void = () => {};
  ws.on('message', (data, binary) => {
    if (!binary) messages.push(JSON.parse(String(data)));
    wake();
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => (resolve({ code, reason: String(reason) }), wake())));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const wait = async (check: () => boolean) => {
    for (let i = 0; i < 300 && !check() && ws.readyState !== WebSocket.CLOSED; i++) await new Promise<void>((r) => ((wake = r), setTimeout(r, 100)));
  };
  return { ws, messages, closed, wait };
}

const frame = (seq: number, bytes: number) => {
  const buf = Buffer.alloc(4 + bytes);
  buf.writeUInt32BE(seq >>> 0, 0);
  return buf;
};

const junkText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('{', '[]', 'null', '"token"', '{"token":', '{"token":123}', '{"token":""}', '{"resume":"../../etc"}', '{"type":"stop"}', '{"name":{"$gt":""}}'),
  fc.json({ maxDepth: 3 }),
  fc.integer({ min: 500, max: 5000 }).map((n) => JSON.stringify({ token: 'x'.repeat(n) })),
);
const junkBinary = fc.uint8Array({ minLength: 0, maxLength: 600 }).map((a) => Buffer.from(a));

/** One hostile action during a recording, after a valid handshake. */
const recordingAction = fc.oneof(
  fc.constant({ kind: 'good' as const }),
  fc.integer({ min: 1, max: 1000 }).map((ahead) => ({ kind: 'ahead' as const, ahead })),
  fc.constant({ kind: 'behind' as const }),
  fc.integer({ min: 0, max: 4 }).map((length) => ({ kind: 'truncated' as const, length })),
  junkText.filter((t) => !/^\s*\{\s*"type"\s*:\s*"stop"\s*\}\s*$/.test(t)).map((text) => ({ kind: 'text' as const, text })),
);

describeDb(`hostile /ws/record traffic on ${dbKind}`, () => {
  let server: TestServer;
  let token: string;
  let cases = 0;
  const closeCodes: Record<number, number> = {};
  beforeAll(async () => {
    server = await startTestServer();
    token = (await registerUser(server.url)).token;
  });
  afterAll(async () => {
    console.log(`[fuzz:ws-record] ${cases} cases on ${dbKind}; close codes ${JSON.stringify(closeCodes)}`);
    closeClients();
    await server?.stop();
  });
  const closedWith = async (inbox: Inbox) => {
    const closed = await inbox.closed;
    closeCodes[closed.code] = (closeCodes[closed.code] ?? 0) + 1;
    return closed;
  };

  it.runIf(hasProcedure('recordings.start'))('closes with 1008 and a reason on anything but a token before authentication', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(junkText, junkBinary), { minLength: 1, maxLength: 4 }), async (messages) => {
        const inbox = await connect(server.url);
        for (const m of messages) inbox.ws.send(m, { binary: typeof m !== 'string' });
        cases += messages.length;
        const closed = await closedWith(inbox);
        expect(closed.code).toBe(1008);
        expect(closed.reason.length).toBeGreaterThan(0);
        expect(inbox.messages.filter((m) => m.status === 'authenticated')).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it.runIf(hasProcedure('recordings.start'))('refuses hostile metadata or audio before the recording started with 1008, or starts a valid one', async () => {
    const metadata = fc.oneof(
      junkText,
      junkBinary,
      fc.record({ name: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()), format: fc.oneof(fc.constantFrom('pcm_s16le_16000_mono', 'webm', 'ogg', 'mp3', 'pcm_s16le_1_mono'), fc.string()) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
      fc.constantFrom(JSON.stringify({ resume: 'abcdefghijklmnopqrstuvwx' }), JSON.stringify({ resume: 'ABC' }), JSON.stringify({ resume: 'a', name: 'b' })),
    );
    await fc.assert(
      fc.asyncProperty(metadata, async (m) => {
        const inbox = await connect(server.url);
        inbox.ws.send(JSON.stringify({ token }));
        inbox.ws.send(m, { binary: typeof m !== 'string' });
        cases++;
        await inbox.wait(() => inbox.messages.some((x) => x.status === 'recording_started'));
        if (inbox.messages.some((x) => x.status === 'recording_started')) {
          inbox.ws.send(JSON.stringify({ type: 'stop' }));
          expect((await closedWith(inbox)).code).toBe(1000);
        } else {
          const closed = await closedWith(inbox);
          expect(closed.code).toBe(1008);
          expect(closed.reason).toMatch(/metadata|Audio before|not found|JSON|not live/i);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it.runIf(hasProcedure('recordings.start'))('answers hostile frames during a recording with errors, acknowledges only good audio, and finishes it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordingAction, { minLength: 1, maxLength: 12 }), fc.boolean(), async (actions, oversizedLast) => {
        const inbox = await connect(server.url);
        inbox.ws.send(JSON.stringify({ token }));
        inbox.ws.send(JSON.stringify({ name: 'fuzz', format: 'pcm_s16le_16000_mono' }));
        await inbox.wait(() => inbox.messages.some((x) => x.status === 'recording_started'));
        const recordingId = inbox.messages.find((x) => x.status === 'recording_started')!.recording_id as string;
        let next = 0;
        let expectedErrors = 0;
        for (const action of actions) {
          cases++;
          if (action.kind === 'good') inbox.ws.send(frame(next++, 3200));
          else if (action.kind === 'ahead') (inbox.ws.send(frame(next + action.ahead, 320)), expectedErrors++);
          else if (action.kind === 'behind' && next > 0) inbox.ws.send(frame(next - 1, 3200)); // a resend: acked again, never written twice
          else if (action.kind === 'behind') inbox.ws.send(frame(next++, 3200));
          else if (action.kind === 'truncated') (inbox.ws.send(Buffer.alloc(action.length), { binary: true }), expectedErrors++);
          else (inbox.ws.send(action.text), expectedErrors++);
        }
        await inbox.wait(() => inbox.messages.filter((x) => x.status === 'error').length >= expectedErrors && new Set(inbox.messages.filter((x) => x.status === 'ack').map((x) => x.seq)).size >= next);
        expect(inbox.messages.filter((x) => x.status === 'error')).toHaveLength(expectedErrors);
        const acked = new Set(inbox.messages.filter((x) => x.status === 'ack').map((x) => Number(x.seq)));
        expect([...acked].sort((a, b) => a - b)).toEqual(Array.from({ length: next }, (_, i) => i));

        if (oversizedLast) {
          cases++;
          inbox.ws.send(frame(next, MAX_FRAME_BYTES));
          expect((await closedWith(inbox)).code).toBe(1009);
          // The recording survives the bad client: resume picks up after the acknowledged audio.
          const resumed = await connect(server.url);
          resumed.ws.send(JSON.stringify({ token }));
          resumed.ws.send(JSON.stringify({ resume: recordingId }));
          await resumed.wait(() => resumed.messages.some((x) => x.status === 'recording_started'));
          expect(resumed.messages.find((x) => x.status === 'recording_started')?.next_seq).toBe(next);
          resumed.ws.send(JSON.stringify({ type: 'stop' }));
          await resumed.wait(() => resumed.messages.some((x) => x.status === 'recording_finished'));
          expect(resumed.messages.find((x) => x.status === 'recording_finished')?.duration_ms).toBe(next * 100);
          await closedWith(resumed);
        } else {
          inbox.ws.send(JSON.stringify({ type: 'stop' }));
          await inbox.wait(() => inbox.messages.some((x) => x.status === 'recording_finished'));
          expect(inbox.messages.find((x) => x.status === 'recording_finished')?.duration_ms).toBe(next * 100);
          expect((await closedWith(inbox)).code).toBe(1000);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it.runIf(hasProcedure('recordings.start'))('keeps serving: a clean recording and the HTTP API still work, and nothing closed with 1011', async () => {
    const { acked, finished } = await recordLive(server.url, token, 20);
    expect(acked).toBe(20);
    expect(finished.duration_ms).toBe(2000);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(closeCodes[1011]).toBeUndefined();
  });
});
