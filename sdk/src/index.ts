// @parley/sdk: a typed client for a Parley server (browsers and Node 20+).
export { createParleyClient, CLOSE_SESSION_REVOKED } from './client';
export type { ParleyClient, ParleyClientOptions, ParleyClientHelpers, ConnectionState } from './client';
export { createParleyLinks } from './links';
export type { ParleyLinks, ParleyLinksOptions } from './links';
export { createPasskey, signInWithPasskey } from './passkeys';
export type { PasskeyCaller } from './passkeys';
export type { SessionExpiredEvent } from './session-link';
export { SIGN_IN_PROCEDURES } from './sign-in-procedures.generated';
export { ParleyError, errorCode, errorKey, hasErrorCode, hasErrorKey, isParleyClientError } from './errors';
export type { ParleyErrorCode, ParleyErrorKey, ParleyClientError } from './errors';
export { closeCodes } from './close-codes.generated';
export type { AudioSource, RecordingMeta, RecordOptions, RecordProgress, RecordResult } from './record-stream';
export type { RecordingFormat } from './recording-frames';
export type { UploadMeta, UploadResult } from './upload';
export type { AppRouter, ParleyErrorShape, ParleyRouterRecord } from './router.generated';
export { TRPCClientError, createTRPCClient } from '@trpc/client';
export type { TRPCClient } from '@trpc/client';
export type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './router.generated';
/** Every procedure's input, e.g. `RouterInputs['auth']['login']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, e.g. `RouterOutputs['auth']['me']['user']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
