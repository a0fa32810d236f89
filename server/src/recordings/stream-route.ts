// POST /api/recordings/stream: the old recorder's chunked ingestion. The request body (usually
// Transfer-Encoding: chunked) is Ogg/Opus or WebM/Opus, recognised from its first bytes, and is
// appended to a live recording as it arrives, through the same durable path as /ws/record. When
// the body ends the recording is finished and returned (201); with ?finish=false it stays live
// and is returned as it is (200). ?recording_id=<id> appends to one of the caller's live
// recordings instead of starting one — also how a client continues after its connection broke
// (a body cut short leaves the recording live, finalized after RECORDING_IDLE_TIMEOUT).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../deps';
import { AppError, findAppError, type ErrorKey } from '../errors';
import { sendJson, type RequestUrl, type RouteHandler } from '../http/routes';
import { sendAppError, sendError } from '../http/error-response';
import { getRecordingRow, requireOwnLiveRecording, type RecordingRow } from './access';
import { toRecordingView, withLiveProgress } from './catalog';
import { COMPAT_REFUSAL } from './live/compat';
import { MAX_FRAME_BYTES, sniffChunk } from './live/protocol';
import type { LiveRegistry } from './live/registry';
import { recordingId } from './schema';
import { readUploadMeta } from './upload';
import { authorizeAudioSender } from './upload-auth';

export const STREAM_PATH = '/api/recordings/stream';
/** Chunks queued between waits for the encoder: bounds what one request holds in memory. */
const CHUNKS_PER_DRAIN = 8;

export function createStreamRoute(deps: AppDeps, registry: LiveRegistry): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: RequestUrl) => {
    if (req.method !== 'POST') return sendError(res, 'METHOD_NOT_ALLOWED', 'Use POST', { allow: 'POST' });
    try {
      const user = await authorizeAudioSender(deps, req);
      const body = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const first: Buffer[] = [];
      let row: RecordingRow;
      let created = false;
      const appendTo = url.searchParams.get('recording_id') ?? url.searchParams.get('recordingId');
      if (appendTo) {
        const id = recordingId.safeParse(appendTo);
        if (!id.success) throw new AppError('RECORDING_NOT_FOUND');
        row = await requireOwnLiveRecording(deps.db, id.data, user.id);
      } else {
        const meta = readUploadMeta(req.headers, url.searchParams);
        const next = await body.next();
        if (next.done || !next.value.length) throw new AppError('UNSUPPORTED_MEDIA', { message: 'The body is empty' });
        first.push(next.value);
        const kind = sniffChunk(next.value);
        if (kind !== 'ogg' && kind !== 'webm') throw new AppError('UNSUPPORTED_MEDIA', { message: COMPAT_REFUSAL.replace(' and send seq-numbered frames', ' over /ws/record') });
        row = await registry.create(user.id, { name: meta.name, meetingLink: meta.meetingLink, orgId: meta.orgId, format: kind });
        created = true;
      }
      const outcome = await appendBody(registry, row, first, body);
      if (outcome.kind === 'aborted') return;
      if (outcome.kind === 'refused') {
        if (created && outcome.live.durableNext === 0) await registry.removeEmpty(row, outcome.live);
        else await registry.finish(outcome.live);
        throw new AppError(outcome.key, { message: outcome.message });
      }
      if (url.searchParams.get('finish') === 'false') {
        registry.detach(outcome.live, outcome.detach);
        return sendJson(res, 200, { recording: toRecordingView(withLiveProgress(deps, row)) });
      }
      await registry.finish(outcome.live);
      const finished = await getRecordingRow(deps.db, row.id);
      sendJson(res, 201, { recording: toRecordingView(finished ?? row) });
    } catch (error) {
      const appError = findAppError(error);
      if (!appError) throw error;
      if (res.headersSent) return void res.destroy();
      sendAppError(res, appError);
    }
  };
}

type LiveRecording = Awaited<ReturnType<LiveRegistry['attach']>>;
type Outcome =
  | { kind: 'ended'; live: LiveRecording; detach: () => void }
  | { kind: 'refused'; live: LiveRecording; message: string; key: ErrorKey }
  | { kind: 'aborted' };

/** Feeds the body to the recording chunk by chunk, waiting for the encoder every few chunks. */
async function appendBody(registry: LiveRegistry, row: RecordingRow, first: Buffer[], body: AsyncIterator<Buffer>): Promise<Outcome> {
  let takenOver = false;
  const detach = () => {
    takenOver = true;
  };
  const live = await registry.attach(row, detach);
  let refusal: { message: string; key: ErrorKey } | null = null;
  let failure: Error | null = null;
  live.rejecter = (_seq, message, key) => {
    refusal ??= { message, key };
  };
  live.onFailure = (error) => {
    failure ??= error;
    void registry.discard(live);
  };
  let queued = 0;
  const feed = async (chunk: Buffer) => {
    for (let at = 0; at < chunk.length && !refusal && !failure && !takenOver; at += MAX_FRAME_BYTES) {
      live.accept({ seq: live.receivedNext, payload: chunk.subarray(at, at + MAX_FRAME_BYTES) });
      if (++queued % CHUNKS_PER_DRAIN === 0) await live.drain();
    }
  };
  try {
    for (const chunk of first) await feed(chunk);
    for (let next = await body.next(); !next.done && !refusal && !failure && !takenOver; next = await body.next()) await feed(next.value);
  } catch {
    // The client went away mid-body: what arrived is durable; the recording stays live to append to.
    await live.drain();
    if (!takenOver && !failure) registry.detach(live, detach);
    return { kind: 'aborted' };
  }
  await live.drain();
  if (failure) throw failure;
  if (takenOver) throw new AppError('RECORDING_NOT_LIVE', { message: 'This recording was taken over by another connection' });
  if (refusal) return { kind: 'refused', live, ...(refusal as { message: string; key: ErrorKey }) };
  return { kind: 'ended', live, detach };
}
