// The /ws/record client's states, driven by hand: no socket, no server, no timers.
import { describe, expect, it } from 'vitest';
import { createRecorderMachine, type RecorderCommand, type RecorderMachine } from './recorder-machine';
import { ParleyError } from './errors';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
const sentSeqs = (commands: RecorderCommand[]) => commands.flatMap((c) => (c.type === 'sendFrame' ? [c.seq] : []));
const sentJson = (commands: RecorderCommand[]) => commands.flatMap((c) => (c.type === 'sendJson' ? [c.body] : []));
const started = (recordingId: string, nextSeq = 0) => ({ type: 'message' as const, message: { status: 'recording_started', recording_id: recordingId, filename: `${recordingId}.ogg`, next_seq: nextSeq } });
const ack = (seq: number) => ({ type: 'message' as const, message: { status: 'ack', seq } });
const dropped = { type: 'closed' as const, code: 1006, reason: '' };

/** connecting → authenticating → starting → streaming, returning the commands of the last step. */
function connect(machine: RecorderMachine, recordingId = 'rec-1', nextSeq = 0): RecorderCommand[] {
  expect(machine.state).toBe('connecting');
  expect(sentJson(machine.dispatch({ type: 'opened', token: 'sid.secret' }))).toEqual([{ token: 'sid.secret' }]);
  machine.dispatch({ type: 'message', message: { status: 'authenticated' } });
  expect(machine.state).toBe('starting');
  const commands = machine.dispatch(started(recordingId, nextSeq));
  expect(machine.state).toBe('streaming');
  return commands;
}

describe('recorder machine', () => {
  it('authenticates, starts with the metadata, reads, and streams each frame as it is read', () => {
    const machine = createRecorderMachine({ format: 'pcm_s16le_16000_mono', meta: { name: 'Stand-up', orgId: 'o1' } });
    expect(machine.start()).toEqual([{ type: 'open' }]);
    machine.dispatch({ type: 'opened', token: 't' });
    const start = machine.dispatch({ type: 'message', message: { status: 'authenticated' } });
    expect(sentJson(start)).toEqual([{ name: 'Stand-up', meeting_link: null, org_id: 'o1', format: 'pcm_s16le_16000_mono' }]);
    const commands = machine.dispatch(started('rec-1'));
    expect(commands.map((c) => c.type)).toEqual(['startReading', 'progress']);
    expect(sentSeqs(machine.dispatch({ type: 'frameRead', payload: bytes(3200) }))).toEqual([0]);
    expect(sentSeqs(machine.dispatch({ type: 'frameRead', payload: bytes(3200) }))).toEqual([1]);
    expect(machine.progress()).toMatchObject({ recordingId: 'rec-1', bytesSent: 6400, bytesAcked: 0, connected: true });
  });

  it('holds frames until acknowledged, counts acked audio, and stops only once every frame is acked', () => {
    const machine = createRecorderMachine({ format: 'pcm_s16le_16000_mono', meta: { name: 'm' } });
    connect(machine);
    for (let i = 0; i < 3; i++) machine.dispatch({ type: 'frameRead', payload: bytes(16000) });
    expect(machine.dispatch({ type: 'sourceEnded' })).toEqual([]);
    machine.dispatch(ack(1));
    expect(machine.pendingSeqs()).toEqual([2]);
    expect(machine.unackedBytes).toBe(16000);
    expect(machine.progress()).toMatchObject({ bytesAcked: 32000, audioMs: 1000 });
    expect(sentJson(machine.dispatch(ack(2)))).toEqual([{ type: 'stop' }]);
    expect(machine.state).toBe('stopping');
    const done = machine.dispatch({ type: 'message', message: { status: 'recording_finished', recording_id: 'rec-1', duration_ms: 1500, bytes: 4000 } });
    expect(done).toEqual([{ type: 'close', code: 1000 }, { type: 'finish', result: { recordingId: 'rec-1', filename: 'rec-1.ogg', durationMs: 1500, bytes: 4000, reconnects: 0 } }]);
    expect(machine.state).toBe('finished');
    expect(machine.dispatch(dropped)).toEqual([]);
  });

  it('after a drop, queues frames while reconnecting, resumes, and resends from the server next_seq (none lost, none doubled)', () => {
    const machine = createRecorderMachine({ format: 'webm', meta: { name: 'm' }, retryDelayMs: (attempt) => 100 * 2 ** attempt });
    connect(machine);
    for (let i = 0; i < 4; i++) machine.dispatch({ type: 'frameRead', payload: bytes(10, i) });
    machine.dispatch(ack(0));
    // The server wrote frames 0 and 1 durably, but the ack of 1 was lost with the connection.
    expect(machine.dispatch(dropped)).toEqual([{ type: 'progress' }, { type: 'waitBeforeReconnect', delayMs: 100 }]);
    expect(machine.state).toBe('reconnecting');
    expect(sentSeqs(machine.dispatch({ type: 'frameRead', payload: bytes(10, 4) }))).toEqual([]);
    expect(machine.dispatch({ type: 'backoffElapsed' })).toEqual([{ type: 'open' }]);
    machine.dispatch({ type: 'opened', token: 't' });
    expect(sentJson(machine.dispatch({ type: 'message', message: { status: 'authenticated' } }))).toEqual([{ resume: 'rec-1' }]);
    const resumed = machine.dispatch(started('rec-1', 2));
    expect(sentSeqs(resumed)).toEqual([2, 3, 4]);
    expect(resumed.some((c) => c.type === 'startReading')).toBe(false);
    expect(machine.progress()).toMatchObject({ reconnects: 1, bytesAcked: 20, connected: true });
  });

  it('backs off longer after each failed attempt and starts over after a successful start', () => {
    const delays: number[] = [];
    const machine = createRecorderMachine({ format: 'webm', meta: { name: 'm' }, retryDelayMs: (attempt) => 100 * 2 ** attempt });
    const waits = (commands: RecorderCommand[]) => commands.flatMap((c) => (c.type === 'waitBeforeReconnect' ? [c.delayMs] : []));
    for (let i = 0; i < 3; i++) {
      delays.push(...waits(machine.dispatch(dropped)));
      machine.dispatch({ type: 'backoffElapsed' });
    }
    connect(machine);
    delays.push(...waits(machine.dispatch(dropped)));
    expect(delays).toEqual([100, 200, 400, 100]);
  });

  it('stops cleanly when the source ends while reconnecting: resume, resend, then stop', () => {
    const machine = createRecorderMachine({ format: 'webm', meta: { name: 'm' } });
    connect(machine);
    machine.dispatch({ type: 'frameRead', payload: bytes(10) });
    machine.dispatch(dropped);
    machine.dispatch({ type: 'frameRead', payload: bytes(10) });
    expect(machine.dispatch({ type: 'sourceEnded' })).toEqual([]);
    expect(machine.state).toBe('reconnecting');
    machine.dispatch({ type: 'backoffElapsed' });
    machine.dispatch({ type: 'opened', token: 't' });
    machine.dispatch({ type: 'message', message: { status: 'authenticated' } });
    const resumed = machine.dispatch(started('rec-1', 1));
    expect(sentSeqs(resumed)).toEqual([1]);
    expect(sentJson(resumed)).toEqual([]);
    expect(sentJson(machine.dispatch(ack(1)))).toEqual([{ type: 'stop' }]);
  });

  it('sends the stop again when the connection drops before recording_finished', () => {
    const machine = createRecorderMachine({ format: 'webm', meta: { name: 'm' } });
    connect(machine);
    machine.dispatch({ type: 'frameRead', payload: bytes(10) });
    machine.dispatch({ type: 'sourceEnded' });
    expect(sentJson(machine.dispatch(ack(0)))).toEqual([{ type: 'stop' }]);
    machine.dispatch(dropped);
    machine.dispatch({ type: 'backoffElapsed' });
    machine.dispatch({ type: 'opened', token: 't' });
    machine.dispatch({ type: 'message', message: { status: 'authenticated' } });
    expect(sentJson(machine.dispatch(started('rec-1', 1)))).toEqual([{ type: 'stop' }]);
    expect(machine.state).toBe('stopping');
  });

  it('fails for good on a refused token, a refused resume, a revoked session or refused audio, and reconnects on anything else', () => {
    const refusedToken = createRecorderMachine({ format: 'webm', meta: { name: 'm' } });
    refusedToken.dispatch({ type: 'opened', token: 't' });
    const [fail] = refusedToken.dispatch({ type: 'closed', code: 1008, reason: 'invalid token' });
    expect(fail).toMatchObject({ type: 'fail', error: expect.any(ParleyError) });
    expect((fail as { error: ParleyError }).error.code).toBe('UNAUTHORIZED');

    const refusedResume = createRecorderMachine({ format: 'webm', meta: { name: 'm' }, resumeRecordingId: 'gone' });
    refusedResume.dispatch({ type: 'opened', token: 't' });
    expect(sentJson(refusedResume.dispatch({ type: 'message', message: { status: 'authenticated' } }))).toEqual([{ resume: 'gone' }]);
    expect((refusedResume.dispatch({ type: 'closed', code: 1008, reason: 'unknown recording' })[0] as { error: ParleyError }).error.code).toBe('NOT_FOUND');

    const revoked = createRecorderMachine({ format: 'webm', meta: { name: 'm' } });
    connect(revoked);
    expect((revoked.dispatch({ type: 'closed', code: 4401, reason: 'session revoked' })[0] as { error: ParleyError }).error.code).toBe('UNAUTHORIZED');
    expect(revoked.state).toBe('failed');

    const badAudio = createRecorderMachine({ format: 'pcm_s16le_16000_mono', meta: { name: 'm' } });
    connect(badAudio);
    expect((badAudio.dispatch({ type: 'closed', code: 1003, reason: 'not PCM' })[0] as { error: ParleyError }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const timedOut = createRecorderMachine({ format: 'webm', meta: { name: 'm' } });
    timedOut.dispatch({ type: 'opened', token: 't' });
    expect(timedOut.dispatch({ type: 'handshakeTimedOut' })).toEqual([{ type: 'close', code: 1000 }]);
    expect(timedOut.dispatch({ type: 'closed', code: 1000, reason: '' }).map((c) => c.type)).toEqual(['progress', 'waitBeforeReconnect']);
  });

  it('gives up with the source error when reading fails', () => {
    const machine = createRecorderMachine({ format: 'webm', meta: { name: 'm' } });
    connect(machine);
    const error = new Error('disk gone');
    expect(machine.dispatch({ type: 'sourceFailed', error })).toEqual([{ type: 'close', code: 1000 }, { type: 'fail', error }]);
    expect(machine.dispatch({ type: 'closed', code: 1000, reason: '' })).toEqual([]);
  });
});
