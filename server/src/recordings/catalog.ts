// The recordings table as the API shows it: create, list (cursor pages), read, delete.
import { and, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { AppDeps } from '../deps';
import { generateId } from '../db/ids';
import { recordings } from '../db/schema/index';
import { AppError } from '../errors';
import { listOrgIdsOf } from '../orgs/membership';
import { requireOrgMembership, type RecordingRow } from './access';
import type { RecordingView } from './schema';
import type { RecordingStorage } from './storage';

/**
 * The row with what a recording open on this instance has acknowledged since the row's last
 * checkpoint (rows of live recordings catch up every few seconds; other instances see that).
 */
export function withLiveProgress(deps: Pick<AppDeps, 'liveRecordings'>, row: RecordingRow): RecordingRow {
  if (row.status !== 'live') return row;
  const live = deps.liveRecordings.progressOf(row.id);
  return live && live.nextSeq > row.nextSeq ? { ...row, ...live } : row;
}

export function toRecordingView(row: RecordingRow): RecordingView {
  return {
    id: row.id,
    name: row.name,
    meetingLink: row.meetingLink,
    orgId: row.orgId,
    ownerId: row.ownerId,
    format: row.format,
    status: row.status,
    durationMs: row.durationMs,
    bytes: row.bytes,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export type NewRecording = { name: string; meetingLink?: string | null; orgId?: string | null; format: string };

/** A fresh id and the file name that goes with it (the row is written by the caller). */
export function newRecordingIdentity(): { id: string; filename: string } {
  const id = generateId();
  return { id, filename: `${id}.ogg` };
}

/** Creates the row of a live recording (its file appears with the first audio). */
export async function createLiveRecording(db: Database, ownerId: string, input: NewRecording): Promise<RecordingRow> {
  if (input.orgId) await requireOrgMembership(db, input.orgId, ownerId);
  const [row] = await db.insert(recordings).values(newLiveRecordingRow(ownerId, input)).returning();
  return row!;
}

/** The row of a new live recording, not yet written. */
export function newLiveRecordingRow(ownerId: string, input: NewRecording) {
  const { id, filename } = newRecordingIdentity();
  // Millisecond timestamps from here, so list cursors (ISO, ms) compare exactly.
  const now = new Date();
  return { id, createdAt: now, updatedAt: now, ownerId, orgId: input.orgId ?? null, name: input.name, meetingLink: input.meetingLink ?? null, format: input.format, filename };
}

type Cursor = { createdAt: Date; id: string };

function encodeCursor(row: Pick<RecordingRow, 'createdAt' | 'id'>): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) throw new AppError('INVALID_CURSOR');
  return { createdAt, id };
}

/** Newest first: the user's own recordings and those of their orgs, or one org's when orgId is given. */
export async function listRecordings(
  db: Database,
  userId: string,
  input: { orgId?: string; cursor?: string | null; limit: number },
): Promise<{ recordings: RecordingView[]; nextCursor: string | null }> {
  let visible: SQL;
  if (input.orgId) {
    await requireOrgMembership(db, input.orgId, userId);
    visible = eq(recordings.orgId, input.orgId);
  } else {
    const orgIds = await listOrgIdsOf(db, userId);
    visible = orgIds.length ? or(eq(recordings.ownerId, userId), inArray(recordings.orgId, orgIds))! : eq(recordings.ownerId, userId);
  }
  const conditions = [visible];
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    conditions.push(or(lt(recordings.createdAt, c.createdAt), and(eq(recordings.createdAt, c.createdAt), lt(recordings.id, c.id)))!);
  }
  const rows = await db
    .select()
    .from(recordings)
    .where(and(...conditions))
    .orderBy(desc(recordings.createdAt), desc(recordings.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { recordings: page.map(toRecordingView), nextCursor: rows.length > input.limit ? encodeCursor(page.at(-1)!) : null };
}

/** Deletes the row first (the API forgets it at once), then the file. */
export async function deleteRecording(db: Database, storage: RecordingStorage, row: RecordingRow): Promise<void> {
  await db.delete(recordings).where(eq(recordings.id, row.id));
  await storage.delete(row.filename);
}
