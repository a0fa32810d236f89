// uploadFile: sends a whole audio file to recordings.upload in one HTTP request (binary body).
import { codeOfHttpStatus, ParleyError } from './errors';
import type { RecordingFormat } from './recording-frames';

export type UploadMeta = { name: string; format?: RecordingFormat; meetingLink?: string; orgId?: string };
export type UploadResult = { recording: { id: string; name: string; status: string; durationMs: number; bytes: number; [key: string]: unknown } };
export type UploadConnection = { url: string; getToken(): Promise<string | null | undefined>; fetch?: typeof fetch };

export async function uploadRecording(connection: UploadConnection, body: Blob | Uint8Array, meta: UploadMeta): Promise<UploadResult> {
  const token = await connection.getToken();
  if (!token) throw new ParleyError('UNAUTHORIZED', 'Sign in before uploading');
  const params = new URLSearchParams({ name: meta.name });
  if (meta.format) params.set('format', meta.format);
  if (meta.meetingLink) params.set('meetingLink', meta.meetingLink);
  if (meta.orgId) params.set('orgId', meta.orgId);
  const doFetch = connection.fetch ?? fetch;
  const response = await doFetch(`${connection.url}/trpc/recordings.upload?${params}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: body as BodyInit,
  });
  const json = (await response.json().catch(() => null)) as { result?: { data?: UploadResult }; error?: { message?: string; data?: { code?: string } } } | null;
  if (!response.ok || !json?.result?.data) {
    const code = (json?.error?.data?.code as ParleyError['code'] | undefined) ?? codeOfHttpStatus(response.status);
    throw new ParleyError(code, json?.error?.message ?? `Upload failed (HTTP ${response.status})`, { httpStatus: response.status });
  }
  return json.result.data;
}
