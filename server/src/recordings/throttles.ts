// Per-user limits on audio work (SECURITY.md): every upload or streamed ingestion, and every
// live recording started, counts against the user's window (RATE_LIMIT_UPLOAD_USER,
// RATE_LIMIT_RECORDING_USER). Decoding and encoding are the costliest thing a user can ask of
// the server; with the per-byte bound and the ceiling these bound one user's share of it. Both are
// named limits of the one table (rate-limits/table.ts), shared by instances on PostgreSQL.
import type { AppDeps } from '../deps';

export async function throttleUpload(deps: Pick<AppDeps, 'limits'>, userId: string): Promise<void> {
  await deps.limits.consume('upload_user', userId);
}

export async function throttleRecordingStart(deps: Pick<AppDeps, 'limits'>, userId: string): Promise<void> {
  await deps.limits.consume('recording_user', userId);
}
