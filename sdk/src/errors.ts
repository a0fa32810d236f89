// Errors the SDK hands back carry the server's tRPC codes (UNAUTHORIZED, NOT_FOUND...), whether
// they came from a procedure (TRPCClientError) or from a helper speaking /ws/record or HTTP.
import { TRPCClientError } from '@trpc/client';
import type { AppRouter, ParleyErrorShape } from './router.generated';

export type ParleyErrorCode = ParleyErrorShape['data']['code'];
/**
 * The stable name of an error in the server's catalogue (`INVALID_CREDENTIALS`, `EMAIL_TAKEN`...):
 * what to branch on, rather than the message, which is for people and may change.
 */
export type ParleyErrorKey = NonNullable<ParleyErrorShape['data']['key']>;

/** An error raised by an SDK helper (recorder, upload), shaped like a procedure's error. */
export class ParleyError extends Error {
  readonly code: ParleyErrorCode;
  readonly key: ParleyErrorKey | undefined;
  readonly data: { code: ParleyErrorCode; key?: ParleyErrorKey; httpStatus?: number; retryAfter?: number };

  constructor(code: ParleyErrorCode, message: string, options: { key?: ParleyErrorKey; httpStatus?: number; retryAfter?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ParleyError';
    this.code = code;
    this.key = options.key;
    this.data = { code, key: options.key, httpStatus: options.httpStatus, retryAfter: options.retryAfter };
  }
}

/** A procedure's error, typed with the server's error shape (`error.data.code`, `error.data.issues`). */
export type ParleyClientError = TRPCClientError<AppRouter>;

export function isParleyClientError(error: unknown): error is ParleyClientError {
  return error instanceof TRPCClientError;
}

/** The server's code of any error the SDK threw, or undefined for anything else (a bug, a TypeError). */
export function errorCode(error: unknown): ParleyErrorCode | undefined {
  if (error instanceof ParleyError) return error.code;
  if (error instanceof TRPCClientError) return (error.data as { code?: ParleyErrorCode } | undefined)?.code;
  return undefined;
}

/** The catalogue key of any error the SDK threw (a procedure's TRPCClientError or a helper's ParleyError). */
export function errorKey(error: unknown): ParleyErrorKey | undefined {
  if (error instanceof ParleyError) return error.key;
  if (error instanceof TRPCClientError) return (error.data as { key?: ParleyErrorKey } | undefined)?.key ?? undefined;
  return undefined;
}

/** True when the error carries this catalogue key, e.g. `hasErrorKey(e, 'INVALID_CREDENTIALS')`. */
export function hasErrorKey(error: unknown, key: ParleyErrorKey): boolean {
  return errorKey(error) === key;
}

/** True when the error carries this server code. */
export function hasErrorCode(error: unknown, code: ParleyErrorCode): boolean {
  return errorCode(error) === code;
}

const HTTP_STATUS_CODES: Record<number, ParleyErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Maps an HTTP status (REST routes, downloads, uploads) to the matching tRPC code. */
export function codeOfHttpStatus(status: number): ParleyErrorCode {
  return HTTP_STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
}
