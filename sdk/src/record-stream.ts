// recordFromStream: streams audio over /ws/record (token, metadata, seq-numbered frames, acks,
// stop). Frames stay in memory until the server acknowledges them; when the connection drops the
// recorder reconnects with backoff, resumes the recording, and resends from the server's next_seq,
// so no audio is lost or doubled.
import { ParleyError } from './errors';
import { closeCodes } from './close-codes.generated';
import { bytesPerSecondOf, encodeFrame, FrameCutter, type PendingFrame, type RecordingFormat } from './recording-frames';
import { backoffDelay, sleep } from './backoff';
import type { WebSocketClass } from './websocket';

export type RecordingMeta = { name: string; meetingLink?: string; orgId?: string };

export type RecordProgress = {
  recordingId: string | null;
  /** Audio bytes handed to the socket, and those the server has durably written. */
  bytesSent: number;
  bytesAcked: number;
  /** Length of the audio acknowledged so far, when the format tells (PCM, WAV). */
  audioMs: number | null;
  elapsedMs: number;
  reconnects: number;
  connected: boolean;
};

export type RecordOptions = {
  format: RecordingFormat;
  onProgress?: (progress: RecordProgress) => void;
  /** Aborting stops reading the source; what was read is still delivered and the recording finished. */
  signal?: AbortSignal;
  /** Continue an interrupted recording instead of starting one. */
  resumeRecordingId?: string;
  frameBytes?: number;
  /** Reading pauses while this many bytes wait for their ack. */
  maxUnackedBytes?: number;
};

export type RecordResult = { recordingId: string; filename: string | null; durationMs: number; bytes: number; reconnects: number };

export type RecorderConnection = { url: string; getToken(): Promise<string | null | undefined>; loadWebSocket(): Promise<WebSocketClass> };

export type AudioSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | Blob;

type ServerMessage = { status?: string; seq?: number; recording_id?: string; filename?: string; next_seq?: number; duration_ms?: number; bytes?: number; error?: string; message?: string };

const HANDSHAKE_TIMEOUT_MS = 10_000;

export async function recordFromStream(connection: RecorderConnection, source: AudioSource, meta: RecordingMeta, options: RecordOptions): Promise<RecordResult> {
  const started = Date.now();
  const frameBytes = options.frameBytes ?? 16 * 1024;
  const maxUnacked = options.maxUnackedBytes ?? 4 * 1024 * 1024;
  const pending: PendingFrame[] = [];
  let nextSeq = 0;
  let unackedBytes = 0;
  let bytesSent = 0;
  let bytesAcked = 0;
  let reconnects = 0;
  let recordingId: string | null = options.resumeRecordingId ?? null;
  let filename: string | null = null;
  let byteRate: number | null = null;
  let sourceDone = false;
  let socket: WebSocket | null = null;
  let stopSent = false;
  let finished = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const waitForChange = () => new Promise<void>((resolve) => (wake = resolve));

  const report = () =>
    options.onProgress?.({
      recordingId,
      bytesSent,
      bytesAcked,
      audioMs: byteRate ? Math.round((bytesAcked / byteRate) * 1000) : null,
      elapsedMs: Date.now() - started,
      reconnects,
      connected: socket !== null,
    });

  const sendFrame = (ws: WebSocket, frame: PendingFrame) => {
    ws.send(encodeFrame(frame.seq, frame.payload));
    bytesSent += frame.payload.byteLength;
  };

  const maybeStop = (ws: WebSocket) => {
    if (sourceDone && pending.length === 0 && !stopSent) {
      ws.send(JSON.stringify({ type: 'stop' }));
      stopSent = true;
    }
  };

  /** Reads the source into frames; each goes out at once when a connection is up. */
  async function readSource(): Promise<void> {
    const cutter = new FrameCutter(frameBytes);
    const enqueue = (payload: Uint8Array) => {
      byteRate ??= bytesPerSecondOf(options.format, payload);
      const frame = { seq: nextSeq++, payload };
      pending.push(frame);
      unackedBytes += payload.byteLength;
      if (socket) sendFrame(socket, frame);
    };
    for await (const chunk of iterate(source, options.signal)) {
      for (const payload of cutter.push(chunk)) enqueue(payload);
      while (unackedBytes > maxUnacked) await waitForChange();
    }
    for (const payload of cutter.flush()) enqueue(payload);
    sourceDone = true;
    if (socket) maybeStop(socket);
  }

  /** One connection: handshake, resend what is unacknowledged, then stream until finished or dropped. */
  function runConnection(WebSocketImpl: WebSocketClass, token: string, onStarted: () => void): Promise<RecordResult> {
    return new Promise<RecordResult>((resolve, reject) => {
      const ws = new WebSocketImpl(`${connection.url.replace(/\/$/, '').replace(/^http/, 'ws')}/ws/record`);
      ws.binaryType = 'arraybuffer';
      let phase: 'auth' | 'start' | 'streaming' = 'auth';
      const handshakeTimer = setTimeout(() => ws.close(), HANDSHAKE_TIMEOUT_MS);
      ws.onopen = () => ws.send(JSON.stringify({ token }));
      ws.onmessage = (event: MessageEvent) => {
        if (typeof event.data !== 'string') return;
        const message = JSON.parse(event.data) as ServerMessage;
        if (phase === 'auth' && message.status === 'authenticated') {
          phase = 'start';
          ws.send(JSON.stringify(recordingId ? { resume: recordingId } : { name: meta.name, meeting_link: meta.meetingLink ?? null, org_id: meta.orgId ?? null, format: options.format }));
        } else if (phase === 'start' && message.status === 'recording_started') {
          clearTimeout(handshakeTimer);
          phase = 'streaming';
          recordingId = message.recording_id ?? recordingId;
          filename = message.filename ?? filename;
          const serverNext = message.next_seq ?? 0;
          if (pending.length === 0 && nextSeq < serverNext) nextSeq = serverNext;
          acknowledge(serverNext - 1);
          for (const frame of pending) sendFrame(ws, frame);
          socket = ws;
          onStarted();
          maybeStop(ws);
          report();
        } else if (message.status === 'ack' && typeof message.seq === 'number') {
          acknowledge(message.seq);
          maybeStop(ws);
          report();
        } else if (message.status === 'recording_finished') {
          finished = true;
          resolve({ recordingId: message.recording_id ?? recordingId!, filename, durationMs: message.duration_ms ?? 0, bytes: message.bytes ?? 0, reconnects });
          ws.close(1000);
        }
      };
      ws.onclose = (event: CloseEvent) => {
        clearTimeout(handshakeTimer);
        if (socket === ws) socket = null;
        if (finished) return;
        report();
        const reason = event.reason || 'connection closed';
        if (event.code === closeCodes.SESSION_REVOKED || (event.code === closeCodes.POLICY_VIOLATION && phase === 'auth')) reject(new ParleyError('UNAUTHORIZED', `Recording refused: ${reason}`));
        else if (event.code === closeCodes.POLICY_VIOLATION) reject(new ParleyError(phase === 'start' && recordingId ? 'NOT_FOUND' : 'BAD_REQUEST', `Recording refused: ${reason}`));
        else reject(new DroppedConnection(reason));
      };
      ws.onerror = () => {};
    });
  }

  function acknowledge(seq: number) {
    while (pending.length && pending[0]!.seq <= seq) {
      const frame = pending.shift()!;
      unackedBytes -= frame.payload.byteLength;
      bytesAcked += frame.payload.byteLength;
    }
    notify();
  }

  let reading: Promise<void> | null = null;
  let readError: unknown = null;
  const WebSocketImpl = await connection.loadWebSocket();
  for (let attempt = 0; ; attempt++) {
    const token = await connection.getToken();
    if (!token) throw new ParleyError('UNAUTHORIZED', 'Sign in before recording');
    try {
      return await runConnection(WebSocketImpl, token, () => {
        attempt = 0;
        reading ??= readSource().catch((error) => {
          readError = error;
          socket?.close(1000);
        });
      });
    } catch (error) {
      if (readError) throw readError;
      if (!(error instanceof DroppedConnection)) throw error;
      if (stopSent && pending.length === 0 && recordingId) {
        // The stop went out but its answer was lost: resume to hear how the recording ended.
        stopSent = false;
      }
      reconnects++;
      report();
      await sleep(backoffDelay(attempt));
    }
  }
}

class DroppedConnection extends Error {}

async function* iterate(source: AudioSource, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (typeof Blob !== 'undefined' && source instanceof Blob) source = source.stream();
  if (typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      if (signal?.aborted) return;
      yield chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk as ArrayBuffer);
    }
    return;
  }
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      if (signal?.aborted) return;
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
