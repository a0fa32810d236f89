// Who may see a recording: its creator, and members of its org (read, list, download);
// its creator and the org's admins (delete). Everyone else is told it does not exist.
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { recordings } from '../db/schema/index';
import { AppError } from '../errors';
import { findOrgRole } from '../orgs/membership';

export type RecordingRow = typeof recordings.$inferSelect;
export type RecordingAccess = 'read' | 'delete';

export async function getRecordingRow(db: Database, id: string): Promise<RecordingRow | null> {
  const [row] = await db.select().from(recordings).where(eq(recordings.id, id));
  return row ?? null;
}

export async function canAccessRecording(db: Database, row: RecordingRow, userId: string, access: RecordingAccess): Promise<boolean> {
  if (row.ownerId === userId) return true;
  if (!row.orgId) return false;
  const role = await findOrgRole(db, row.orgId, userId);
  return access === 'read' ? role !== null : role === 'admin';
}

/** The recording if userId may access it this way; RECORDING_NOT_FOUND otherwise (never FORBIDDEN). */
export async function requireRecording(db: Database, id: string, userId: string, access: RecordingAccess): Promise<RecordingRow> {
  const row = await getRecordingRow(db, id);
  if (!row || !(await canAccessRecording(db, row, userId, access))) throw new AppError('RECORDING_NOT_FOUND');
  return row;
}

/** The creator's own live recording, for resuming it over /ws/record. */
export async function requireOwnLiveRecording(db: Database, id: string, userId: string): Promise<RecordingRow> {
  const [row] = await db.select().from(recordings).where(and(eq(recordings.id, id), eq(recordings.ownerId, userId)));
  if (!row) throw new AppError('RECORDING_NOT_FOUND');
  if (row.status !== 'live') throw new AppError('RECORDING_NOT_LIVE');
  return row;
}

/** An org given for a new recording must be one the creator belongs to. */
export async function requireOrgMembership(db: Database, orgId: string, userId: string): Promise<void> {
  if (!(await findOrgRole(db, orgId, userId))) throw new AppError('ORG_NOT_FOUND');
}
