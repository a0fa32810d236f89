// POST /api/recordings/upload: the REST upload for integrators and the old recorder's clients.
// Either the file as the raw body (curl --data-binary @file, Content-Type audio/*; metadata in the
// query string) or a multipart form (curl -F file=@…, browsers' FormData: the file in the field
// `file`, metadata as the fields name, meeting_link, org_id, sent before the file), parsed as a
// stream by busboy. Answers 201 {"recording": ...} or a JSON error with a 4xx status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { AppDeps } from '../deps';
import { AppError, findAppError } from '../errors';
import type { RequestUrl, RouteHandler } from '../http/routes';
import { sendJson } from '../http/routes';
import { sendAppError, sendError } from '../http/error-response';
import { authorizeAudioSender } from './upload-auth';
import { readUploadMeta, uploadRecording } from './upload';
import type { RecordingView } from './schema';

export const UPLOAD_PATH = '/api/recordings/upload';
const ACCEPTED_TYPES = /^(audio\/[\w.+-]+|video\/webm|application\/ogg|application\/octet-stream)$/;
/** Form fields besides the file: a few short strings. */
const MAX_FIELDS = 10;
const MAX_FIELD_BYTES = 4096;

export function createUploadRoute(deps: AppDeps): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: RequestUrl) => {
    if (req.method !== 'POST') return sendError(res, 'METHOD_NOT_ALLOWED', 'Use POST', { allow: 'POST' });
    try {
      const user = await authorizeAudioSender(deps, req);
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > deps.config.uploadMaxBytes + 64 * 1024) {
        throw new AppError('PAYLOAD_TOO_LARGE', { message: `The file is larger than the limit of ${deps.config.uploadMaxBytes} bytes` });
      }
      const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      const recording = type === 'multipart/form-data' ? await uploadMultipart(deps, user.id, req, url) : await uploadRawBody(deps, user.id, req, url);
      sendJson(res, 201, { recording });
    } catch (error) {
      const appError = findAppError(error);
      if (!appError) throw error;
      // Answers at once, even before the body was read; Node then reads and discards the rest of the
      // body (bounded by the server's request timeout), so the client sees this answer, not a reset.
      sendAppError(res, appError);
    }
  };
}

async function uploadRawBody(deps: AppDeps, ownerId: string, req: IncomingMessage, url: RequestUrl): Promise<RecordingView> {
  const meta = readUploadMeta(req.headers, url.searchParams);
  if (!meta.contentType || !ACCEPTED_TYPES.test(meta.contentType)) {
    throw new AppError('UNSUPPORTED_MEDIA', { message: 'Send the file with Content-Type audio/* (for example audio/wav, audio/webm, audio/ogg, audio/aac), or as multipart/form-data in the field "file"' });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > deps.config.uploadMaxBytes) {
    throw new AppError('PAYLOAD_TOO_LARGE', { message: `The file is larger than the limit of ${deps.config.uploadMaxBytes} bytes` });
  }
  return uploadRecording(deps, ownerId, meta, req);
}

/** The form streamed through busboy: the file part goes through the pipeline as it arrives. */
function uploadMultipart(deps: AppDeps, ownerId: string, req: IncomingMessage, url: RequestUrl): Promise<RecordingView> {
  return new Promise((resolve, reject) => {
    let form: busboy.Busboy;
    try {
      // One byte over the limit still arrives, so the pipeline's own check answers 413.
      form = busboy({ headers: req.headers, limits: { files: 1, fileSize: deps.config.uploadMaxBytes + 1, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: MAX_FIELDS + 1 } });
    } catch {
      return reject(new AppError('INVALID_UPLOAD', { message: 'The multipart form has no boundary' }));
    }
    const fields = new URLSearchParams(url.searchParams);
    let upload: Promise<RecordingView> | null = null;
    const fail = (error: unknown) => {
      req.unpipe(form);
      req.resume();
      reject(error);
    };
    form.on('field', (name, value) => {
      if (['name', 'meeting_link', 'meetingLink', 'org_id', 'orgId'].includes(name)) fields.set(name, value);
    });
    form.on('file', (name, file: Readable, info) => {
      if (name !== 'file' || upload) return void file.resume();
      // curl -F names most audio application/octet-stream: the file's extension then names the format.
      const extension = /\.([a-z0-9]{2,5})$/i.exec(info.filename ?? '')?.[1]?.toLowerCase();
      const type = info.mimeType === 'application/octet-stream' && extension ? `audio/${extension}` : info.mimeType;
      const headers = { ...req.headers, 'content-type': type };
      try {
        const meta = readUploadMeta(headers, fields);
        upload = uploadRecording(deps, ownerId, meta, file);
        upload.then(resolve, fail);
      } catch (error) {
        file.resume();
        fail(error);
      }
    });
    form.on('error', (error) => fail(new AppError('INVALID_UPLOAD', { message: `The multipart form could not be read: ${(error as Error).message}` })));
    form.on('close', () => {
      if (!upload) fail(new AppError('INVALID_UPLOAD', { message: 'Send the audio in the form field "file"' }));
    });
    req.pipe(form);
  });
}
