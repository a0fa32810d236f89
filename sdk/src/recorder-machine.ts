// The /ws/record client as a state machine with no I/O: events in (socket opened, a server message,
// socket closed, a frame read, the source ended, the backoff elapsed), commands out (open, send,
// close, wait, finish). record-stream.ts runs it against a real socket; tests run it by hand.
import { ParleyError } from './errors';
import { bytesPerSecondOf, encodeFrame, type PendingFrame, type RecordingFormat } from './recording-frames';
import { backoffDelay } from './backoff';
import { closeCodes } from './close-codes.generated';

export type RecorderState =
  | 'connecting' // a socket is opening
  | 'authenticating' // {token} sent, waiting for {status:'authenticated'}
  | 'starting' // metadata (or {resume}) sent, waiting for recording_started
  | 'streaming' // frames go out as they are read, acks come back
  | 'stopping' // every frame acknowledged and {type:'stop'} sent, waiting for recording_finished
  | 'reconnecting' // the connection dropped: waiting out the backoff, frames keep queueing
  | 'finished'
  | 'failed';

export type ServerMessage = { status?: string; seq?: number; recording_id?: string; filename?: string; next_seq?: number; duration_ms?: number; bytes?: number };

export type RecorderEvent =
  | { type: 'opened'; token: string }
  | { type: 'message'; message: ServerMessage }
  | { type: 'closed'; code: number; reason: string }
  | { type: 'handshakeTimedOut' }
  | { type: 'frameRead'; payload: Uint8Array }
  | { type: 'sourceEnded' }
  | { type: 'sourceFailed'; error: unknown }
  | { type: 'backoffElapsed' };

export type RecordResult = { recordingId: string; filename: string | null; durationMs: number; bytes: number; reconnects: number };

export type RecorderCommand =
  | { type: 'open' }
  | { type: 'sendJson'; body: Record<string, unknown> }
  | { type: 'sendFrame'; bytes: Uint8Array; seq: number }
  | { type: 'close'; code: number }
  | { type: 'waitBeforeReconnect'; delayMs: number }
  | { type: 'startReading' }
  | { type: 'progress' }
  | { type: 'finish'; result: RecordResult }
  | { type: 'fail'; error: unknown };

export type RecorderSetup = {
  format: RecordingFormat;
  meta: { name: string; meetingLink?: string; orgId?: string };
  resumeRecordingId?: string;
  /** Delay before reconnect attempt n (attempts restart at 0 after each successful start). */
  retryDelayMs?: (attempt: number) => number;
};

export function createRecorderMachine(setup: RecorderSetup) {
  const retryDelay = setup.retryDelayMs ?? backoffDelay;
  const pending: PendingFrame[] = [];
  let state: RecorderState = 'connecting';
  let recordingId: string | null = setup.resumeRecordingId ?? null;
  let filename: string | null = null;
  let nextSeq = 0;
  let attempt = 0;
  let reconnects = 0;
  let reading = false;
  let sourceDone = false;
  let byteRate: number | null = null;
  const counters = { bytesSent: 0, bytesAcked: 0, unackedBytes: 0 };

  const send = (frame: PendingFrame): RecorderCommand => {
    counters.bytesSent += frame.payload.byteLength;
    return { type: 'sendFrame', bytes: encodeFrame(frame.seq, frame.payload), seq: frame.seq };
  };

  function acknowledge(seq: number) {
    while (pending.length && pending[0]!.seq <= seq) {
      const frame = pending.shift()!;
      counters.unackedBytes -= frame.payload.byteLength;
      counters.bytesAcked += frame.payload.byteLength;
    }
  }

  /** streaming → stopping once the source is done and the server has every frame. */
  function stopWhenDrained(): RecorderCommand[] {
    if (state !== 'streaming' || !sourceDone || pending.length > 0) return [];
    state = 'stopping';
    return [{ type: 'sendJson', body: { type: 'stop' } }];
  }

  function refuse(code: number, reason: string): RecorderCommand[] {
    const wasAuthenticating = state === 'connecting' || state === 'authenticating';
    const wasStarting = state === 'starting';
    state = 'failed';
    const text = `Recording refused: ${reason || 'connection closed'}`;
    if (code === closeCodes.SESSION_REVOKED || wasAuthenticating) return [{ type: 'fail', error: new ParleyError('UNAUTHORIZED', text) }];
    return [{ type: 'fail', error: new ParleyError(wasStarting && recordingId ? 'NOT_FOUND' : 'BAD_REQUEST', text) }];
  }

  function onMessage(message: ServerMessage): RecorderCommand[] {
    if (state === 'authenticating' && message.status === 'authenticated') {
      state = 'starting';
      const { name, meetingLink, orgId } = setup.meta;
      return [{ type: 'sendJson', body: recordingId ? { resume: recordingId } : { name, meeting_link: meetingLink ?? null, org_id: orgId ?? null, format: setup.format } }];
    }
    if (state === 'starting' && message.status === 'recording_started') {
      state = 'streaming';
      attempt = 0;
      recordingId = message.recording_id ?? recordingId;
      filename = message.filename ?? filename;
      // Resend from the server's next_seq: what it has is acknowledged, the rest goes again.
      const serverNext = message.next_seq ?? 0;
      if (pending.length === 0 && nextSeq < serverNext) nextSeq = serverNext;
      acknowledge(serverNext - 1);
      const commands: RecorderCommand[] = pending.map(send);
      if (!reading) {
        reading = true;
        commands.push({ type: 'startReading' });
      }
      return [...commands, ...stopWhenDrained(), { type: 'progress' }];
    }
    if ((state === 'streaming' || state === 'stopping') && message.status === 'ack' && typeof message.seq === 'number') {
      acknowledge(message.seq);
      return [...stopWhenDrained(), { type: 'progress' }];
    }
    if (message.status === 'recording_finished' && state !== 'finished' && state !== 'failed') {
      state = 'finished';
      const result = { recordingId: message.recording_id ?? recordingId!, filename, durationMs: message.duration_ms ?? 0, bytes: message.bytes ?? 0, reconnects };
      return [{ type: 'close', code: 1000 }, { type: 'finish', result }];
    }
    return [];
  }

  function onClosed(code: number, reason: string): RecorderCommand[] {
    if (state === 'finished' || state === 'failed' || state === 'reconnecting') return [];
    // The session ended, or the server refused the token, metadata or resume (policy): final.
    if (code === closeCodes.SESSION_REVOKED || code === closeCodes.POLICY_VIOLATION) return refuse(code, reason);
    // Audio the server can't take (not the declared format): resending it would be refused again.
    if (code === closeCodes.UNSUPPORTED_DATA) {
      state = 'failed';
      return [{ type: 'fail', error: new ParleyError('UNSUPPORTED_MEDIA_TYPE', `Recording refused: ${reason || 'unsupported audio'}`) }];
    }
    // Dropped: resume later; a stop that went out unanswered is sent again after the resume.
    state = 'reconnecting';
    reconnects++;
    return [{ type: 'progress' }, { type: 'waitBeforeReconnect', delayMs: retryDelay(attempt++) }];
  }

  function dispatch(event: RecorderEvent): RecorderCommand[] {
    switch (event.type) {
      case 'opened':
        if (state !== 'connecting') return [];
        state = 'authenticating';
        return [{ type: 'sendJson', body: { token: event.token } }];
      case 'message':
        return onMessage(event.message);
      case 'closed':
        return onClosed(event.code, event.reason);
      case 'handshakeTimedOut':
        return state === 'connecting' || state === 'authenticating' || state === 'starting' ? [{ type: 'close', code: 1000 }] : [];
      case 'frameRead': {
        byteRate ??= bytesPerSecondOf(setup.format, event.payload);
        const frame = { seq: nextSeq++, payload: event.payload };
        pending.push(frame);
        counters.unackedBytes += frame.payload.byteLength;
        return state === 'streaming' ? [send(frame)] : [];
      }
      case 'sourceEnded':
        sourceDone = true;
        return stopWhenDrained();
      case 'sourceFailed':
        if (state === 'finished' || state === 'failed') return [];
        state = 'failed';
        return [{ type: 'close', code: 1000 }, { type: 'fail', error: event.error }];
      case 'backoffElapsed':
        if (state !== 'reconnecting') return [];
        state = 'connecting';
        return [{ type: 'open' }];
    }
  }

  return {
    /** The first command: open a connection. */
    start: (): RecorderCommand[] => [{ type: 'open' }],
    dispatch,
    get state() {
      return state;
    },
    get unackedBytes() {
      return counters.unackedBytes;
    },
    /** Seqs waiting for their ack, oldest first. */
    pendingSeqs: () => pending.map((frame) => frame.seq),
    progress: () => ({
      recordingId,
      bytesSent: counters.bytesSent,
      bytesAcked: counters.bytesAcked,
      audioMs: byteRate ? Math.round((counters.bytesAcked / byteRate) * 1000) : null,
      reconnects,
      connected: state === 'streaming' || state === 'stopping',
    }),
  };
}

export type RecorderMachine = ReturnType<typeof createRecorderMachine>;
