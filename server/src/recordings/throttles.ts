// Per-user limits on audio work (SECURITY.md): every upload or streamed ingestion, and every
// live recording started, counts against the user's window (RATE_LIMIT_UPLOAD_USER,
// RATE_LIMIT_RECORDING_USER). Decoding and encoding are the costliest thing a user can ask of
// the server; with the per-byte bound and the ceiling these bound one user's share of it.
import type { AppDeps } from '../deps';
import { consumeOrThrow, getLimiter } from '../auth/rate-limit';

export async function throttleUpload(deps: AppDeps, userId: string): Promise<void> {
  await consumeOrThrow(getLimiter(deps, 'upload_user', deps.config.rateLimits.uploadUser), userId);
}

export async function throttleRecordingStart(deps: AppDeps, userId: string): Promise<void> {
  await consumeOrThrow(getLimiter(deps, 'recording_user', deps.config.rateLimits.recordingUser), userId);
}
