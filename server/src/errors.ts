// The catalogue of every error the API returns: its tRPC code and the message people read.
// Services throw AppError with a key from here; the tRPC edge turns it into a TRPCError.
import { TRPCError } from '@trpc/server';

type TRPCCode = TRPCError['code'];

export const errorCatalogue = {
  INVALID_CREDENTIALS: { code: 'UNAUTHORIZED', message: 'Invalid email or password' },
  UNAUTHENTICATED: { code: 'UNAUTHORIZED', message: 'Sign in to continue' },
  SESSION_EXPIRED: { code: 'UNAUTHORIZED', message: 'Your session has ended; sign in again' },
  EMAIL_TAKEN: { code: 'CONFLICT', message: 'An account with this email already exists' },
  WEAK_PASSWORD: { code: 'BAD_REQUEST', message: 'Choose a stronger password' },
  WRONG_PASSWORD: { code: 'BAD_REQUEST', message: 'The current password is not correct' },
  INVALID_TOKEN: { code: 'BAD_REQUEST', message: 'This link is invalid or has expired' },
  INVALID_CODE: { code: 'BAD_REQUEST', message: 'The code is not correct' },
  REAUTHENTICATION_REQUIRED: { code: 'FORBIDDEN', message: 'Confirm it is you first: enter your password, a two-factor code or use a passkey (auth.reauthenticate)' },
  REAUTHENTICATION_PROOF: { code: 'BAD_REQUEST', message: 'Give exactly one of password, code or passkey' },
  CSRF_ORIGIN: { code: 'FORBIDDEN', message: 'Request origin not allowed' },
  GUEST_NOT_ALLOWED: { code: 'FORBIDDEN', message: 'Guest accounts cannot do this; create an account first' },
  NOT_A_GUEST: { code: 'BAD_REQUEST', message: 'This account is not a guest account' },
  FORBIDDEN: { code: 'FORBIDDEN', message: 'You are not allowed to do this' },
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
  INVALID_PHONE: { code: 'BAD_REQUEST', message: 'Enter the phone number in international format, such as +44 20 7946 0958' },
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
  INVALID_UPLOAD: { code: 'BAD_REQUEST', message: 'Invalid recording metadata' },
  CORRUPT_MEDIA: { code: 'BAD_REQUEST', message: 'The audio file is damaged or incomplete' },
  DATABASE_UNAVAILABLE: { code: 'SERVICE_UNAVAILABLE' as TRPCCode, message: 'The service is temporarily unavailable; try again shortly' },
} as const satisfies Record<string, { code: TRPCCode; message: string }>;

export type ErrorKey = keyof typeof errorCatalogue;

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

/** Finds the AppError behind an error tRPC wrapped, if any. */
export function findAppError(error: unknown): AppError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof AppError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
