// /ws/record and /api/ws/record: live audio over a raw WebSocket, the old recorder's handshake
// kept (DESIGN.md): token → authenticated; metadata or resume → recording_started; seq-numbered
// binary frames → acks for what is durably written; stop → recording_finished. Handshake steps
// have 10 s each and fail with close 1008; once recording, bad messages get an error and the
// socket stays. Metadata without `format` is the old recorder: compatibility mode (compat.ts).
import { isDatabaseUnavailable } from '../../db/client';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { AppDeps } from '../../deps';
import { AppError, closeCodes, errorCatalogue, type ErrorKey } from '../../errors';
import { noteRequestUser, trackWebSocket } from '../../observability/request-log';
import type { UpgradeHandler } from '../../http/routes';
import { findSessionToken, RECORD_MESSAGE_CARRIERS, RECORD_UPGRADE_CARRIERS } from '../../auth/token-carriers';
import type { Session, User } from '../../auth/session';
import { requireOwnLiveRecording } from '../access';
import type { LiveRegistry } from './registry';
import type { LiveRecording } from './session';
import { throttleRecordingStart } from '../throttles';
import { CompatStream } from './compat';
import { authMessage, closeReason, controlMessage, firstFrameMismatch, MAX_FRAME_BYTES, parseFrame, parseJsonObject, startMessage } from './protocol';

export const RECORD_PATH = '/ws/record';
/** The old recorder's path for the same socket. */
export const OLD_RECORD_PATH = '/api/ws/record';
/** Data the server cannot take (RFC 6455): audio that is not what the recording declared. */
const CLOSE_UNSUPPORTED_DATA = closeCodes.UNSUPPORTED_DATA;
const CLOSE_POLICY = closeCodes.POLICY_VIOLATION;
const CLOSE_INTERNAL = closeCodes.INTERNAL_ERROR;
/** The database is unreachable: acknowledged audio is safe; the client should resume shortly. */
const CLOSE_TRY_AGAIN_LATER = closeCodes.TRY_AGAIN_LATER;
const DATABASE_DOWN_REASON = 'The database is unavailable; resume shortly';
const CLOSE_TAKEN_OVER = closeCodes.TAKEN_OVER;

export type RecordSocketOptions = { handshakeTimeoutMs?: number };

export function createRecordWebSocket(deps: AppDeps, options: RecordSocketOptions = {}) {
  const handshakeMs = options.handshakeTimeoutMs ?? 10_000;
  const registry = deps.liveRecordings;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // "bearer, <token>": answer with "bearer" so browsers accept the handshake; the token stays unechoed.
    handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false),
  });
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    trackWebSocket(deps, socket, req, RECORD_PATH);
    serveConnection(deps, registry, socket, req, handshakeMs);
  });
  registry.startSweeping();
  const upgrade: UpgradeHandler = (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  return {
    wss,
    registry,
    upgrade,
    /** Shutdown: open recordings become valid Ogg files, still resumable; sockets close with 1012. */
    async close(): Promise<void> {
      for (const client of wss.clients) client.close(1012, 'Server restarting; resume shortly');
      await registry.suspendAll();
      for (const client of wss.clients) client.terminate();
    },
  };
}

function send(socket: WebSocket, message: Record<string, unknown>): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

/** A refused message, the socket kept: `error` as the old protocol had it, plus the catalogue's key and code. */
function sendError(socket: WebSocket, key: ErrorKey, message: string = errorCatalogue[key].message, extra: Record<string, unknown> = {}): void {
  send(socket, { status: 'error', error: message, message, code: errorCatalogue[key].code, key, ...extra });
}

function serveConnection(deps: AppDeps, registry: LiveRegistry, socket: WebSocket, req: IncomingMessage, handshakeMs: number): void {
  let step: 'auth' | 'start' | 'recording' | 'closing' = 'auth';
  let user: User | null = null;
  let recording: LiveRecording | null = null;
  /** Compatibility mode: raw chunks without seq, container sniffed from the first one. */
  let compat: CompatStream | null = null;
  let untrack: (() => void) | null = null;
  let timer = setTimeout(() => reject(step === 'auth' ? 'No token within 10 s' : 'No recording metadata within 10 s'), handshakeMs);

  // After an await, the socket may have closed meanwhile.
  const closed = () => step === 'closing';

  function reject(reason: string, code: number = CLOSE_POLICY): void {
    clearTimeout(timer);
    step = 'closing';
    socket.close(code, closeReason(reason));
  }

  const detach = () => {
    if (step !== 'closing') reject('This recording was resumed on another connection', CLOSE_TAKEN_OVER);
  };

  async function authenticate(token: string): Promise<void> {
    // Through the cache, as HTTP calls do: a burst of recorders with one token costs one query.
    const result = await deps.sessionCache.validate(token);
    if (closed()) return;
    if (!result.session) return reject('Invalid or expired session token');
    if (result.user.kind === 'guest') return reject('Guest accounts cannot record');
    user = result.user;
    untrack = deps.sockets.track((result.session as Session).id, socket);
    noteRequestUser(req, result.user.id);
    step = 'start';
    clearTimeout(timer);
    timer = setTimeout(() => reject('No recording metadata within 10 s'), handshakeMs);
    send(socket, { status: 'authenticated' });
  }

  async function start(message: Record<string, unknown>): Promise<void> {
    const parsed = startMessage.safeParse(message);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reject(`Bad recording metadata: ${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`);
    }
    if (!('resume' in parsed.data)) await throttleRecordingStart(deps, user!.id);
    if (!('resume' in parsed.data) && parsed.data.format === undefined) {
      const row = await registry.create(user!.id, { name: parsed.data.name, meetingLink: parsed.data.meeting_link ?? null, orgId: parsed.data.org_id ?? null, format: 'ogg' });
      if (closed()) return void registry.removeEmpty(row).catch(() => {});
      compat = new CompatStream(registry, row, {
        detach,
        attach: (live) => watch(live),
        refuse: (message) => {
          sendError(socket, 'UNSUPPORTED_MEDIA', message);
          reject(message, CLOSE_UNSUPPORTED_DATA);
        },
        fail: (error) => fail(error),
      });
      clearTimeout(timer);
      step = 'recording';
      send(socket, { status: 'recording_started', recording_id: row.id, filename: row.filename, next_seq: 0 });
      return;
    }
    const row = 'resume' in parsed.data
      ? await requireOwnLiveRecording(deps.db, parsed.data.resume, user!.id)
      : await registry.create(user!.id, {
          name: parsed.data.name,
          meetingLink: parsed.data.meeting_link ?? null,
          orgId: parsed.data.org_id ?? null,
          format: parsed.data.format!,
        });
    if (closed()) return;
    const live = await registry.attach(row, detach);
    if (closed()) return registry.detach(live, detach);
    watch(live);
    clearTimeout(timer);
    step = 'recording';
    send(socket, { status: 'recording_started', recording_id: row.id, filename: row.filename, next_seq: live.durableNext });
  }

  /** Acks, refusals and failures of the recording this socket writes to. */
  function watch(live: LiveRecording): void {
    recording = live;
    live.acker = (seqs) => {
      for (const seq of seqs) send(socket, { status: 'ack', seq });
    };
    // A refused frame (undecodable, or claiming more audio than its size allows): the new protocol
    // resends from its seq; an old client can't, so its stream ends there with what was durable.
    live.rejecter = (seq, message, key) => {
      if (!compat) return sendError(socket, key, message, { seq });
      sendError(socket, key, message);
      reject(message, CLOSE_UNSUPPORTED_DATA);
    };
    live.onFailure = (error) => {
      void registry.discard(live);
      if (isDatabaseUnavailable(error)) return reject(DATABASE_DOWN_REASON, CLOSE_TRY_AGAIN_LATER);
      reject(error instanceof AppError ? error.message : 'The recording could not be written', error instanceof AppError ? CLOSE_POLICY : CLOSE_INTERNAL);
    };
  }

  async function stop(): Promise<void> {
    step = 'closing';
    const stream = compat;
    compat = null;
    const live = stream ? await stream.end() : recording!;
    recording = null;
    if (!live) {
      send(socket, { status: 'recording_finished', recording_id: null, duration_ms: 0, bytes: 0 });
      return socket.close(1000, 'Nothing was recorded');
    }
    const result = await registry.finish(live);
    send(socket, { status: 'recording_finished', recording_id: live.id, duration_ms: result.durationMs, bytes: result.bytes });
    socket.close(1000, 'Recording finished');
  }

  function onFrame(data: Buffer): void {
    if (compat) return compat.push(data);
    const frame = parseFrame(data);
    if ('error' in frame) return sendError(socket, 'INVALID_FRAME', frame.error);
    const live = recording!;
    if (frame.seq === 0 && live.receivedNext === 0) {
      // Nothing written yet: the first frame must be what the recording declared.
      const mismatch = firstFrameMismatch(live.row.format, frame.payload);
      if (mismatch) {
        sendError(socket, 'UNSUPPORTED_MEDIA', mismatch, { seq: 0 });
        recording = null;
        step = 'closing'; // nothing more is taken; the socket closes once the empty recording is gone
        void registry.removeEmpty(live.row, live).catch(() => {}).finally(() => reject(mismatch, CLOSE_UNSUPPORTED_DATA));
        return;
      }
    }
    if (frame.seq < live.receivedNext) {
      // A resend of something we have: acknowledge it once durable, never write it twice.
      if (frame.seq < live.durableNext) send(socket, { status: 'ack', seq: frame.seq });
      return;
    }
    if (frame.seq > live.receivedNext) {
      return sendError(socket, 'FRAME_OUT_OF_ORDER', `Frame ${frame.seq} is out of order; expected ${live.receivedNext}`, { seq: frame.seq, expected_seq: live.receivedNext });
    }
    live.accept(frame);
  }

  async function onHandshakeText(text: string): Promise<void> {
    const message = parseJsonObject(text);
    if (step === 'auth') {
      const parsed = message ? authMessage.safeParse(message) : null;
      const found = parsed?.success ? findSessionToken({ headers: req.headers, firstMessage: parsed.data }, RECORD_MESSAGE_CARRIERS) : null;
      return found ? authenticate(found.token) : reject('Expected {"token": "..."}');
    }
    if (!message) return reject('Expected recording metadata as JSON');
    return start(message);
  }

  function onRecordingText(text: string): void {
    const message = parseJsonObject(text);
    if (message && controlMessage.safeParse(message).success) {
      void stop().catch((error) => fail(error));
      return;
    }
    sendError(socket, 'UNKNOWN_MESSAGE');
  }

  function onMessage(buffer: Buffer, isBinary: boolean): Promise<void> | void {
    if (step === 'closing') return;
    if (step === 'recording') return isBinary ? onFrame(buffer) : onRecordingText(buffer.toString('utf8'));
    if (isBinary) return reject('Audio before the handshake finished');
    return onHandshakeText(buffer.toString('utf8'));
  }

  function fail(error: unknown): void {
    if (error instanceof AppError) return reject(error.message);
    if (isDatabaseUnavailable(error)) return reject(DATABASE_DOWN_REASON, CLOSE_TRY_AGAIN_LATER);
    deps.logger.error({ err: error }, 'recording socket failed');
    reject('Internal error', CLOSE_INTERNAL);
  }

  // Handshake messages are handled one after another (a client may send token and metadata
  // without waiting); once recording, frames are handled as they come.
  let handshake: Promise<void> = Promise.resolve();
  socket.on('message', (data: RawData, isBinary: boolean) => {
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (step === 'recording') return void onMessage(buffer, isBinary);
    handshake = handshake.then(() => onMessage(buffer, isBinary)).catch((error) => fail(error));
  });
  socket.on('error', () => {});
  socket.once('close', () => {
    clearTimeout(timer);
    step = 'closing';
    untrack?.();
    // The old recorder ends by closing the socket (any code): its recording is finished now,
    // not after the idle timeout; a new-protocol recording stays resumable.
    const stream = compat;
    compat = null;
    if (stream) void stream.end().then((live) => live && registry.finish(live)).catch((error) => deps.logger.warn({ err: error }, 'finishing a recording after close failed'));
    else if (recording) registry.detach(recording, detach);
  });

  const atUpgrade = findSessionToken(req, RECORD_UPGRADE_CARRIERS);
  if (atUpgrade) handshake = authenticate(atUpgrade.token).catch((error) => fail(error));
}
