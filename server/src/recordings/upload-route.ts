// POST /api/recordings/upload: the REST upload for integrators (curl --data-binary @file).
// Content-Type audio/* (or application/ogg, video/webm, application/octet-stream), metadata in
// the query string; answers 201 {"recording": ...} or a JSON error with a 4xx status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../deps';
import { AppError, findAppError } from '../errors';
import type { RequestUrl, RouteHandler } from '../http/routes';
import { sendJson } from '../http/routes';
import { sendAppError, sendError } from '../http/error-response';
import { findRequestToken, readRequestInfo } from '../auth/request';
import { isCrossSiteRequest } from '../auth/csrf';
import { sessionPolicyOf, validateSessionToken } from '../auth/session';
import { readUploadMeta, uploadRecording } from './upload';

export const UPLOAD_PATH = '/api/recordings/upload';
const ACCEPTED_TYPES = /^(audio\/[\w.+-]+|video\/webm|application\/ogg|application\/octet-stream)$/;


export function createUploadRoute(deps: AppDeps): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: RequestUrl) => {
    if (req.method !== 'POST') return sendError(res, 'METHOD_NOT_ALLOWED', 'Use POST', { allow: 'POST' });
    try {
      const found = findRequestToken(req);
      const auth = found ? await validateSessionToken(deps.db, sessionPolicyOf(deps.config), found.token) : null;
      if (!auth?.user) throw new AppError('UNAUTHENTICATED');
      if (auth.user.kind === 'guest') throw new AppError('GUEST_NOT_ALLOWED');
      if (found!.source === 'cookie' && isCrossSiteRequest(deps.config, readRequestInfo(req, deps.config))) throw new AppError('CSRF_ORIGIN');
      const meta = readUploadMeta(req.headers, url.searchParams);
      if (!meta.contentType || !ACCEPTED_TYPES.test(meta.contentType)) {
        throw new AppError('UNSUPPORTED_MEDIA', { message: 'Send the file with Content-Type audio/* (for example audio/wav, audio/webm, audio/ogg, audio/aac)' });
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > deps.config.uploadMaxBytes) {
        throw new AppError('PAYLOAD_TOO_LARGE', { message: `The file is larger than the limit of ${deps.config.uploadMaxBytes} bytes` });
      }
      const recording = await uploadRecording(deps, auth.user.id, meta, req);
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

