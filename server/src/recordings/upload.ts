// Whole-file uploads (recordings.upload and POST /api/recordings/upload): the body streams through
// the audio pipeline into the file chunk by chunk, never whole in memory. The row is written only
// once the file is complete, so a rejected or broken upload leaves nothing behind.
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { recordings } from '../db/schema/index';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { requireOrgMembership } from './access';
import { audioLimitsOf } from './audio/limits';
import { newRecordingIdentity, toRecordingView } from './catalog';
import { encodeUploadedFile, formatOfContentType } from './live/encoding';
import { recordingMeta, type RecordingView } from './schema';

export type UploadMeta = { name: string; meetingLink: string | null; orgId: string | null; contentType: string | null };

const DEFAULT_NAME = 'Uploaded recording';

function pick(query: URLSearchParams | null, headers: IncomingHttpHeaders, keys: string[], header: string): string | undefined {
  for (const key of keys) {
    const value = query?.get(key);
    if (value) return value;
  }
  const raw = headers[header];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  try {
    return decodeURIComponent(value); // headers are Latin-1: clients percent-encode other text
  } catch {
    return value;
  }
}

/** Metadata from the query string (?name=&meetingLink=&orgId=) or x-recording-name / -meeting-link / -org-id headers. */
export function readUploadMeta(headers: IncomingHttpHeaders, query: URLSearchParams | null): UploadMeta {
  const parsed = recordingMeta.safeParse({
    name: pick(query, headers, ['name'], 'x-recording-name') ?? DEFAULT_NAME,
    meetingLink: pick(query, headers, ['meetingLink', 'meeting_link'], 'x-recording-meeting-link') ?? null,
    orgId: pick(query, headers, ['orgId', 'org_id'], 'x-recording-org-id') ?? null,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('INVALID_UPLOAD', { message: `Invalid recording metadata: ${issue.path.join('.')}: ${issue.message}` });
  }
  const contentType = headers['content-type']?.split(';')[0]?.trim().toLowerCase() || null;
  return { name: parsed.data.name, meetingLink: parsed.data.meetingLink ?? null, orgId: parsed.data.orgId ?? null, contentType };
}

/** Counts bytes as they pass and fails the stream with PAYLOAD_TOO_LARGE beyond limit. */
function limitBytes(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) return callback(new AppError('PAYLOAD_TOO_LARGE', { message: `The file is larger than the limit of ${limit} bytes` }));
      callback(null, chunk);
    },
  });
}

export async function uploadRecording(deps: AppDeps, ownerId: string, meta: UploadMeta, body: Readable): Promise<RecordingView> {
  if (meta.orgId) await requireOrgMembership(deps.db, meta.orgId, ownerId);
  const limited = body.pipe(limitBytes(deps.config.uploadMaxBytes));
  body.once('error', (error) => limited.destroy(error));
  const { id, filename } = newRecordingIdentity();
  const file = await deps.recordingStorage.openAppend(filename);
  let complete = false;
  try {
    const result = await encodeUploadedFile(limited, meta.contentType, file, { open: deps.audioThreads.openFile, limits: audioLimitsOf(deps.config) });
    deps.metrics.recordingBytes.inc(file.size);
    if (result.durationMs <= 0) throw new AppError('CORRUPT_MEDIA', { message: 'The file holds no audio' });
    await file.sync();
    await file.close();
    const now = new Date();
    const [row] = await deps.db
      .insert(recordings)
      .values({
        id, ownerId, orgId: meta.orgId, name: meta.name, meetingLink: meta.meetingLink, format: formatOfContentType(meta.contentType), filename,
        status: 'finished', durationMs: result.durationMs, bytes: file.size, createdAt: now, updatedAt: now, finishedAt: now,
      })
      .returning();
    complete = true;
    return toRecordingView(row!);
  } finally {
    if (!complete) {
      body.resume(); // let the rest of a rejected body drain so the response can be sent
      await file.close().catch(() => {});
      await deps.recordingStorage.delete(filename).catch(() => {});
    }
  }
}
