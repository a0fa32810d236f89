// Who may send audio over the raw HTTP routes (/api/recordings/upload and /stream): a signed-in
// account (not a guest), same-site when signed in by cookie, within the per-user upload limit.
// Errors answer as JSON with the status of their tRPC code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { sendJson } from '../http/routes';
import { findRequestToken, readRequestInfo } from '../auth/request';
import { isCrossSiteRequest } from '../auth/csrf';
import { sessionPolicyOf, validateSessionToken, type User } from '../auth/session';
import { throttleUpload } from './throttles';

const STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, TOO_MANY_REQUESTS: 429,
};

export async function authorizeAudioSender(deps: AppDeps, req: IncomingMessage): Promise<User> {
  const found = findRequestToken(req);
  const auth = found ? await validateSessionToken(deps.db, sessionPolicyOf(deps.config), found.token) : null;
  if (!auth?.user) throw new AppError('UNAUTHENTICATED');
  if (auth.user.kind === 'guest') throw new AppError('GUEST_NOT_ALLOWED');
  if (found!.source === 'cookie' && isCrossSiteRequest(deps.config, readRequestInfo(req, deps.config))) throw new AppError('CSRF_ORIGIN');
  // Each upload costs decoding and encoding in the encoder threads: a per-user window.
  await throttleUpload(deps, auth.user.id);
  return auth.user;
}

/**
 * Answers at once, even before the body was read; Node then reads and discards the rest of the
 * body (bounded by the server's request timeout), so the client sees this answer rather than a
 * reset connection.
 */
export function sendAudioError(res: ServerResponse, error: AppError): void {
  if (res.headersSent) return void res.destroy();
  const headers: Record<string, string> = error.retryAfterSeconds ? { 'retry-after': String(error.retryAfterSeconds) } : {};
  sendJson(res, STATUS_BY_CODE[error.code] ?? 500, { error: error.message, message: error.message, code: error.code, key: error.key }, headers);
}
