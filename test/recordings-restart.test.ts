// Resume after the server process itself was SIGKILLed mid-stream and started again: what was
// acknowledged is in the file, what was not is resent, and the result is the full recording.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from './helpers/process';
import { RecordClient } from './helpers/record-client';
import { decodeStrictly, probeAudio, speechPcm16k, writeTemp } from './helpers/recording-fixtures';
import { closeClients, createTestDatabase, dbKind, describeDb, registerUser, testEnv, type TestDatabase } from './helpers/server';

const FRAME_BYTES = 3200;

describeDb(`live recording across a SIGKILL of the server on ${dbKind}`, () => {
  let database: TestDatabase;
  let running: ServerProcess | null = null;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    closeClients();
    await running?.kill('SIGKILL');
    await database?.drop();
  });

  it('resumes after kill -9 at 30 s and finishes with the full 60 s, nothing doubled or lost', async () => {
    const env = testEnv(database, { LOG_LEVEL: 'info' });
    const speech = speechPcm16k(60);
    running = await spawnServer(env, 120_000);
    const user = await registerUser(running.url);

    const first = await RecordClient.connect(running.url);
    await first.authenticate(user.token);
    const { recordingId } = await first.start({ name: 'Crash test', format: 'pcm_s16le_16000_mono' });
    await first.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: 0, toSeq: 300 });
    // More frames in flight while the process dies: some may be written but not acknowledged.
    for (let seq = 300; seq < 340; seq++) first.sendFrame(seq, speech.subarray(seq * FRAME_BYTES, (seq + 1) * FRAME_BYTES));
    await running.kill('SIGKILL');
    running = null;
    await first.closed;
    const acked = Math.max(...first.acked);

    running = await spawnServer(env, 120_000);
    const second = await RecordClient.connect(running.url);
    await second.authenticate(user.token);
    const { nextSeq } = await second.start({ resume: recordingId });
    expect(nextSeq).toBeGreaterThan(acked); // everything acknowledged survived
    expect(nextSeq).toBeLessThanOrEqual(340);
    await second.stream(speech, { frameBytes: FRAME_BYTES, fromSeq: nextSeq });
    const finished = await second.stop();
    expect(Math.abs(Number(finished.duration_ms) - 60_000)).toBeLessThan(600);

    const res = await fetch(`${running.url}/recordings/${recordingId}/audio`, { headers: { authorization: `Bearer ${user.token}` } });
    const file = writeTemp('after-crash.ogg', Buffer.from(await res.arrayBuffer()));
    decodeStrictly(file);
    const probe = probeAudio(file);
    expect(probe).toMatchObject({ codec: 'opus', channels: 1 });
    expect(Math.abs(probe.durationS - 60)).toBeLessThan(0.6);
    await running.kill('SIGTERM');
    running = null;
  }, 400_000);
});
