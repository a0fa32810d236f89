// uploadFile: sends a whole audio file to recordings.upload in one HTTP request (binary body).
import { codeOfHttpStatus, ParleyError, type ParleyErrorKey } from './errors';
import type { RecordingFormat } from './recording-frames';

export type UploadMeta = { name: string; format?: RecordingFormat; meetingLink?: string; orgId?: string };
export type UploadResult = { recording: { id: string; name: string; status: string; durationMs: number; bytes: number; [key: string]: unknown } };
export type UploadConnection = { url: string; getToken(): Promise<string | null | undefined>; fetch?: typeof fetch };

const MIME_BY_FORMAT: Record<string, string> = { wav: 'audio/wav', webm: 'audio/webm', ogg: 'audio/ogg', mp3: 'audio/mpeg', m4a: 'audio/mp4', aac: 'audio/aac' };

/**
 * POST /api/recordings/upload, the REST twin of recordings.upload: the same service, with the
 * metadata in the query string so any name (not just Latin-1 header text) goes through.
 */
export async function uploadRecording(connection: UploadConnection, body: Blob | Uint8Array, meta: UploadMeta): Promise<UploadResult> {
  const token = await connection.getToken();
  if (!token) throw new ParleyError('UNAUTHORIZED', 'Sign in before uploading');
  const params = new URLSearchParams({ name: meta.name });
  if (meta.meetingLink) params.set('meetingLink', meta.meetingLink);
  if (meta.orgId) params.set('orgId', meta.orgId);
  const blobType = typeof Blob !== 'undefined' && body instanceof Blob ? body.type : '';
  const contentType = (meta.format && MIME_BY_FORMAT[meta.format]) || blobType || 'application/octet-stream';
  const doFetch = connection.fetch ?? fetch;
  const response = await doFetch(`${connection.url}/api/recordings/upload?${params}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: body as BodyInit,
  });
  // Errors come as the server's one error body: { message, code, key?, issues? }.
  const json = (await response.json().catch(() => null)) as (Partial<UploadResult> & { message?: string; code?: string; key?: ParleyErrorKey }) | null;
  if (!response.ok || !json?.recording) {
    const code = (json?.code as ParleyError['code'] | undefined) ?? codeOfHttpStatus(response.status);
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    throw new ParleyError(code, json?.message ?? `Upload failed (HTTP ${response.status})`, { key: json?.key, httpStatus: response.status, retryAfter });
  }
  return { recording: json.recording };
}
