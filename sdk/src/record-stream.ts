// recordFromStream: streams audio over /ws/record (token, metadata, seq-numbered frames, acks,
// stop). The protocol's states live in recorder-machine.ts; this module runs that machine against a
// real WebSocket, timers and the audio source: frames stay in memory until acknowledged, a dropped
// connection is resumed after a backoff and resent from the server's next_seq.
import { ParleyError } from './errors';
import { FrameCutter, type RecordingFormat } from './recording-frames';
import { createRecorderMachine, type RecorderCommand, type RecorderState, type RecordResult, type ServerMessage } from './recorder-machine';
import { sleep } from './backoff';
import type { WebSocketClass } from './websocket';

export type { RecordResult } from './recorder-machine';

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
  /** Delay before reconnect attempt n (default: exponential backoff with jitter). */
  retryDelayMs?: (attempt: number) => number;
};

export type RecorderConnection = { url: string; getToken(): Promise<string | null | undefined>; loadWebSocket(): Promise<WebSocketClass> };

export type AudioSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | Blob;

const HANDSHAKE_TIMEOUT_MS = 10_000;

export async function recordFromStream(connection: RecorderConnection, source: AudioSource, meta: RecordingMeta, options: RecordOptions): Promise<RecordResult> {
  const started = Date.now();
  const frameBytes = options.frameBytes ?? 16 * 1024;
  const maxUnacked = options.maxUnackedBytes ?? 4 * 1024 * 1024;
  const machine = createRecorderMachine({ format: options.format, meta, resumeRecordingId: options.resumeRecordingId, retryDelayMs: options.retryDelayMs });
  const WebSocketImpl = await connection.loadWebSocket();

  return new Promise<RecordResult>((resolve, reject) => {
    let socket: WebSocket | null = null;
    let handshakeTimer: ReturnType<typeof setTimeout> | undefined;
    let wakeReader: (() => void) | null = null;

    const run = (commands: RecorderCommand[]) => {
      for (const command of commands) execute(command);
      if (machine.unackedBytes <= maxUnacked && wakeReader) {
        wakeReader();
        wakeReader = null;
      }
    };

    function execute(command: RecorderCommand) {
      switch (command.type) {
        case 'open':
          void open();
          break;
        case 'sendJson':
          socket?.send(JSON.stringify(command.body));
          break;
        case 'sendFrame':
          socket?.send(command.bytes);
          break;
        case 'close':
          socket?.close(command.code);
          break;
        case 'waitBeforeReconnect':
          void sleep(command.delayMs).then(() => run(machine.dispatch({ type: 'backoffElapsed' })));
          break;
        case 'startReading':
          readSource().then(
            () => run(machine.dispatch({ type: 'sourceEnded' })),
            (error) => run(machine.dispatch({ type: 'sourceFailed', error })),
          );
          break;
        case 'progress':
          if (machine.progress().connected) clearTimeout(handshakeTimer);
          options.onProgress?.({ ...machine.progress(), elapsedMs: Date.now() - started });
          break;
        case 'finish':
          clearTimeout(handshakeTimer);
          resolve(command.result);
          break;
        case 'fail':
          clearTimeout(handshakeTimer);
          reject(command.error);
          break;
      }
    }

    async function open() {
      const token = await connection.getToken();
      if (!token) return execute({ type: 'fail', error: new ParleyError('UNAUTHORIZED', 'Sign in before recording') });
      const ws = new WebSocketImpl(`${connection.url.replace(/\/$/, '').replace(/^http/, 'ws')}/ws/record`);
      socket = ws;
      ws.binaryType = 'arraybuffer';
      handshakeTimer = setTimeout(() => run(machine.dispatch({ type: 'handshakeTimedOut' })), HANDSHAKE_TIMEOUT_MS);
      ws.onopen = () => run(machine.dispatch({ type: 'opened', token }));
      ws.onmessage = (event: MessageEvent) => {
        if (typeof event.data !== 'string') return;
        let message: ServerMessage;
        try {
          message = JSON.parse(event.data) as ServerMessage;
        } catch {
          return;
        }
        run(machine.dispatch({ type: 'message', message }));
      };
      ws.onclose = (event: CloseEvent) => {
        clearTimeout(handshakeTimer);
        if (socket === ws) socket = null;
        run(machine.dispatch({ type: 'closed', code: event.code, reason: event.reason }));
      };
      ws.onerror = () => {};
    }

    /** Reads the source into frames; reading pauses while too much waits for its ack. */
    async function readSource(): Promise<void> {
      const cutter = new FrameCutter(frameBytes);
      for await (const chunk of iterate(source, options.signal)) {
        if (isOver(machine.state)) return;
        run(cutter.push(chunk).flatMap((payload) => machine.dispatch({ type: 'frameRead', payload })));
        while (machine.unackedBytes > maxUnacked && !isOver(machine.state)) await new Promise<void>((wake) => (wakeReader = wake));
      }
      run(cutter.flush().flatMap((payload) => machine.dispatch({ type: 'frameRead', payload })));
    }

    run(machine.start());
  });
}

const isOver = (state: RecorderState) => state === 'finished' || state === 'failed';

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
