// The catalogue of every error the API returns: its stable key (on the wire as tRPC `data.key` and
// REST `key`), its tRPC code and the message people read; and the WebSocket close codes. Services
// throw AppError with a key from here; the tRPC edge and the raw HTTP routes turn it into their answer.
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';

type TRPCCode = TRPCError['code'];

export const errorCatalogue = {
  INVALID_INPUT: { code: 'BAD_REQUEST', message: 'Invalid input' },
  INVALID_JSON: { code: 'BAD_REQUEST', message: 'The body is not valid JSON' },
  UNSUPPORTED_CONTENT_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json' },
  METHOD_NOT_ALLOWED: { code: 'METHOD_NOT_SUPPORTED', message: 'This method is not allowed here' },
  ROUTE_NOT_FOUND: { code: 'NOT_FOUND', message: 'No such route' },
  INVALID_CREDENTIALS: { code: 'UNAUTHORIZED', message: 'Invalid email or password' },
  UNAUTHENTICATED: { code: 'UNAUTHORIZED', message: 'Sign in to continue' },
  SESSION_REVOKED: { code: 'UNAUTHORIZED', message: 'Your session has ended; sign in again' },
  EMAIL_TAKEN: { code: 'CONFLICT', message: 'An account with this email already exists' },
  WEAK_PASSWORD: { code: 'BAD_REQUEST', message: 'Choose a stronger password' },
  WRONG_PASSWORD: { code: 'BAD_REQUEST', message: 'The current password is not correct' },
  INVALID_TOKEN: { code: 'BAD_REQUEST', message: 'This link is invalid or has expired' },
  INVALID_CODE: { code: 'BAD_REQUEST', message: 'The code is not correct' },
  REAUTHENTICATION_REQUIRED: { code: 'FORBIDDEN', message: 'Confirm it is you first: enter your password, a two-factor code or use a passkey (auth.reauthenticate)' },
  REAUTHENTICATION_PROOF: { code: 'BAD_REQUEST', message: 'Give exactly one of password, code or passkey' },
  RECOVERY_CODE_INVALID: { code: 'BAD_REQUEST', message: 'This code is not correct, has expired or was tried too often; request a new one' },
  RECOVERY_GRANT_INVALID: { code: 'BAD_REQUEST', message: 'This recovery has expired or was already used; start again' },
  CSRF_ORIGIN: { code: 'FORBIDDEN', message: 'Request origin not allowed' },
  GUEST_NOT_ALLOWED: { code: 'FORBIDDEN', message: 'Guest accounts cannot do this; create an account first' },
  NOT_A_GUEST: { code: 'BAD_REQUEST', message: 'This account is not a guest account' },
  NOT_MEMBER: { code: 'FORBIDDEN', message: 'Join the room first' },
  NOT_ADMIN: { code: 'FORBIDDEN', message: 'Only organization admins can do this' },
  NOT_FOUND: { code: 'NOT_FOUND', message: 'Not found' },
  SESSION_NOT_FOUND: { code: 'NOT_FOUND', message: 'Session not found' },
  ROOM_NOT_FOUND: { code: 'NOT_FOUND', message: 'Room not found' },
  RECORDING_NOT_FOUND: { code: 'NOT_FOUND', message: 'Recording not found' },
  ORG_NOT_FOUND: { code: 'NOT_FOUND', message: 'Organization not found' },
  USER_NOT_FOUND: { code: 'NOT_FOUND', message: 'No account with this email' },
  INVITATION_NOT_FOUND: { code: 'NOT_FOUND', message: 'Invitation not found' },
  PASSKEY_NOT_FOUND: { code: 'NOT_FOUND', message: 'Passkey not found' },
  CHALLENGE_EXPIRED: { code: 'BAD_REQUEST', message: 'This sign-in attempt has expired or was already used; start again' },
  PASSKEY_INVALID: { code: 'BAD_REQUEST', message: 'The passkey could not be verified' },
  PASSKEY_REJECTED: { code: 'UNAUTHORIZED', message: 'The passkey could not be verified' },
  LAST_SIGN_IN_METHOD: { code: 'BAD_REQUEST', message: 'Add a password or another passkey before removing this one' },
  TOTP_ALREADY_ENABLED: { code: 'CONFLICT', message: 'Two-factor authentication is already on' },
  TOTP_NOT_SET_UP: { code: 'BAD_REQUEST', message: 'Set up two-factor authentication first' },
  TOTP_NOT_ENABLED: { code: 'BAD_REQUEST', message: 'Two-factor authentication is not on' },
  CONFLICT: { code: 'CONFLICT', message: 'This already exists' },
  RATE_LIMITED: { code: 'TOO_MANY_REQUESTS', message: 'Too many attempts; try again later' },
  INVALID_CURSOR: { code: 'BAD_REQUEST', message: 'This page cursor is not valid' },
  INVALID_TEXT: { code: 'BAD_REQUEST', message: 'Text must not contain NUL characters' },
  TOO_MANY_SUBSCRIPTIONS: { code: 'TOO_MANY_REQUESTS', message: 'Too many subscriptions on this connection' },
  SUBSCRIBER_TOO_SLOW: { code: 'TOO_MANY_REQUESTS', message: 'Events arrived faster than this connection read them; resume with lastEventId' },
  PAYLOAD_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'The request is too large' },
  UNSUPPORTED_MEDIA: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'This audio format is not supported' },
  LAST_ADMIN: { code: 'BAD_REQUEST', message: 'An organization needs at least one admin; make someone else admin first' },
  RECORDING_NOT_LIVE: { code: 'CONFLICT', message: 'This recording is already finished' },
  INVALID_FRAME: { code: 'BAD_REQUEST', message: 'This is not a valid audio frame' },
  FRAME_OUT_OF_ORDER: { code: 'BAD_REQUEST', message: 'This frame is out of order' },
  UNKNOWN_MESSAGE: { code: 'BAD_REQUEST', message: 'Unknown message; send binary audio frames or {"type":"stop"}' },
  INVALID_UPLOAD: { code: 'BAD_REQUEST', message: 'Invalid recording metadata' },
  CORRUPT_MEDIA: { code: 'BAD_REQUEST', message: 'The audio file is damaged or incomplete' },
  AUDIO_TOO_DENSE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The audio claims more playing time than its size allows' },
  RECORDING_TOO_LONG: { code: 'PAYLOAD_TOO_LARGE', message: 'The recording is longer than the server allows' },
  DATABASE_UNAVAILABLE: { code: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable; try again shortly' },
  SHUTTING_DOWN: { code: 'SERVICE_UNAVAILABLE', message: 'The server is shutting down; try another instance' },
  INTERNAL: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' },
} as const satisfies Record<string, { code: TRPCCode; message: string }>;

export type ErrorKey = keyof typeof errorCatalogue;
export const errorKeys = Object.keys(errorCatalogue) as ErrorKey[];

/**
 * WebSocket close codes, on /trpc and /ws/record alike (the SDK's copy is generated from this table).
 * 1008/1011/1012/1013 are the standard ones; 44xx mirror the HTTP status they stand for.
 */
export const closeCodes = {
  /** The session was revoked or expired: sign in again. */
  SESSION_REVOKED: 4401,
  /** The recording was resumed on another connection. */
  TAKEN_OVER: 4409,
  /** Audio that is not what the recording declared (or, without a declared format, not Ogg/WebM). */
  UNSUPPORTED_DATA: 1003,
  /** A refused handshake, a bad message, or too many messages. */
  POLICY_VIOLATION: 1008,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  /** Too slow a reader, or the database is down: reconnect and resume shortly. */
  TRY_AGAIN_LATER: 1013,
} as const;

/** The HTTP status of a catalogued error, as tRPC maps its code. */
export function httpStatusOf(key: ErrorKey): number {
  return getHTTPStatusCodeFromError(new TRPCError({ code: errorCatalogue[key].code }));
}

/** The one error body every HTTP client meets: `{ message, code, key?, issues? }`. */
export type ErrorBody = { message: string; code: TRPCCode; key?: ErrorKey; issues?: { path: string[]; message: string; code: string }[] };

export function errorBodyOf(error: AppError): ErrorBody {
  return { message: error.message, code: error.code, key: error.key };
}

export class AppError extends Error {
  readonly key: ErrorKey;
  /** Seconds until a throttled client may try again (TOO_MANY_REQUESTS). */
  readonly retryAfterSeconds?: number;

  constructor(key: ErrorKey, options: { message?: string; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(options.message ?? errorCatalogue[key].message, { cause: options.cause });
    this.name = 'AppError';
    this.key = key;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get code(): TRPCCode {
    return errorCatalogue[this.key].code;
  }
}

export function toTRPCError(error: AppError): TRPCError {
  return new TRPCError({ code: error.code, message: error.message, cause: error });
}

/** Errors tRPC raises itself (unparsable JSON, unknown procedure...) by their code: their catalogue key. */
const KEY_OF_TRPC_CODE: Partial<Record<TRPCCode, ErrorKey>> = {
  PARSE_ERROR: 'INVALID_JSON',
  BAD_REQUEST: 'INVALID_INPUT',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  NOT_FOUND: 'ROUTE_NOT_FOUND',
  METHOD_NOT_SUPPORTED: 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_CONTENT_TYPE',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL',
};

/** The catalogue key of any error on its way out: its AppError's, else the one for its tRPC code. */
export function errorKeyOf(error: TRPCError): ErrorKey | undefined {
  return findAppError(error)?.key ?? KEY_OF_TRPC_CODE[error.code];
}

/** Finds the AppError behind an error tRPC wrapped, if any. */
export function findAppError(error: unknown): AppError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof AppError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
