// The one error body every HTTP client meets on the raw routes (upload, download, /ready, /metrics,
// REST body errors): `{ message, code, key }` from the catalogue, with Retry-After when throttled.
import type { ServerResponse } from 'node:http';
import { AppError, errorBodyOf, httpStatusOf, type ErrorKey } from '../errors';
import { sendJson } from './routes';

export function sendAppError(res: ServerResponse, error: AppError, headers: Record<string, string> = {}): void {
  const extra = { ...headers };
  if (error.retryAfterSeconds !== undefined) extra['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  sendJson(res, httpStatusOf(error.key), errorBodyOf(error), extra);
}

/** Shorthand: the catalogued error by key, optionally with a more specific message. */
export function sendError(res: ServerResponse, key: ErrorKey, message?: string, headers: Record<string, string> = {}): void {
  sendAppError(res, new AppError(key, { message }), headers);
}
