// Stored room messages: sending (ids per room, gapless in commit order), history pages, replay.
import { and, asc, desc, eq, gt, lt, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { messages, roomMembers, rooms, users } from '../db/schema/index';
import { requireMember } from './rooms';
import { displayName } from '../auth/user';
import { AppError } from '../errors';
import type { RoomMessage } from './schema';

type Sender = { id: string; name: string | null; alias: string | null; email: string | null };
export type MessageRow = typeof messages.$inferSelect;
/** A message to store: sent by senderId into roomId. */
export type NewMessage = { senderId: string; roomId: string; body: string };
/** Stores a message if its sender is a member of its room; null when nothing was inserted. */
export type MessageInsert = (message: NewMessage) => Promise<MessageRow | null>;

function toRoomMessage(row: MessageRow, senderName: string): RoomMessage {
  return {
    id: row.id,
    roomId: row.roomId,
    senderId: row.senderId,
    senderName,
    body: row.body,
    clientMessageId: row.clientMessageId,
    createdAt: row.createdAt.toISOString(),
  };
}

const senderColumns = { name: users.name, alias: users.alias, email: users.email };
const nameOf = (s: { name: string | null; alias: string | null; email: string | null } | null) => (s ? displayName(s) : 'someone');

/** Thrown inside the transaction to roll back the id increment when the message already exists. */
class AlreadySent extends Error {
  constructor(readonly row: MessageRow) {
    super('already sent');
  }
}

/**
 * Stores a message. The room row's UPDATE takes a row lock held until commit, so the next sender
 * waits: ids are given out in commit order with no gap. A repeated clientMessageId returns the
 * stored message (created: false) and burns no id.
 */
export async function storeMessage(
  db: Database,
  sender: Sender,
  input: { roomId: string; body: string; clientMessageId?: string },
  insert: MessageInsert = (m) => insertMessageAsMember(db, m.senderId, m.roomId, m.body),
): Promise<{ message: RoomMessage; created: boolean }> {
  const clientMessageId = input.clientMessageId ?? null;
  const findExisting = async (q: Pick<Database, 'select'>) => {
    if (!clientMessageId) return undefined;
    const [row] = await q
      .select()
      .from(messages)
      .where(and(eq(messages.roomId, input.roomId), eq(messages.senderId, sender.id), eq(messages.clientMessageId, clientMessageId)));
    return row;
  };
  if (!clientMessageId) {
    const row = await insert({ senderId: sender.id, roomId: input.roomId, body: input.body });
    if (row) return { message: toRoomMessage(row, displayName(sender)), created: true };
    // Not inserted: say why (unknown room or not a member); a member who just joined tries again.
    await requireMember(db, sender.id, input.roomId);
    return storeMessage(db, sender, input, insert);
  }
  await requireMember(db, sender.id, input.roomId);
  const before = await findExisting(db);
  if (before) return { message: toRoomMessage(before, displayName(sender)), created: false };
  try {
    const row = await db.transaction(async (tx) => {
      const [room] = await tx
        .update(rooms)
        .set({ lastMessageId: sql`${rooms.lastMessageId} + 1` })
        .where(eq(rooms.id, input.roomId))
        .returning({ lastMessageId: rooms.lastMessageId });
      if (!room) throw new AppError('ROOM_NOT_FOUND');
      // Under the lock: a concurrent duplicate that committed first is visible now.
      const existing = await findExisting(tx);
      if (existing) throw new AlreadySent(existing);
      const [inserted] = await tx
        .insert(messages)
        .values({ roomId: input.roomId, id: room.lastMessageId, senderId: sender.id, body: input.body, clientMessageId })
        .returning();
      return inserted!;
    });
    return { message: toRoomMessage(row, displayName(sender)), created: true };
  } catch (error) {
    if (error instanceof AlreadySent) return { message: toRoomMessage(error.row, displayName(sender)), created: false };
    throw error;
  }
}

/**
 * The common case in one statement (its own transaction): bump the room's last id under the row
 * lock, if the sender is a member, and insert the message with it. null when nothing was inserted.
 */
export async function insertMessageAsMember(db: Database, senderId: string, roomId: string, body: string): Promise<MessageRow | null> {
  const result = await db.execute(sql`
    with next as (
      update ${rooms} set last_message_id = last_message_id + 1
      where id = ${roomId} and exists (select 1 from ${roomMembers} where room_id = ${roomId} and user_id = ${senderId})
      returning last_message_id
    )
    insert into ${messages} (room_id, id, sender_id, body)
    select ${roomId}, next.last_message_id, ${senderId}, ${body} from next
    returning room_id, id, sender_id, body, client_message_id, created_at`);
  const row = rowsOf(result)[0];
  if (!row) return null;
  return {
    roomId: String(row.room_id),
    id: Number(row.id),
    senderId: row.sender_id === null ? null : String(row.sender_id),
    body: String(row.body),
    clientMessageId: null,
    createdAt: new Date(row.created_at as string | Date),
  };
}

/** Rows of db.execute's result: postgres.js gives an array, PGlite an object holding one. */
const rowsOf = (result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];

/**
 * Many messages, across rooms, in one statement (its own transaction): insertMessageAsMember for
 * each, in the order given. Each room's last id grows by its number of rows under its row lock,
 * and its rows take the ids in between in the order given. The messages travel as one JSON
 * parameter (one prepared statement whatever the batch's size). Result i is message i's row, or
 * null when its sender is not a member of its room (or the room is gone).
 * lockInOrder: lock the rooms' rows in id order first, so two batches running at once (PostgreSQL:
 * several connections, several instances) never wait for each other in a cycle. PGlite runs one
 * statement at a time and skips it (it cost a quarter of a 16-room batch there).
 */
export async function insertMessagesAsMembers(db: Database, batch: readonly NewMessage[], options: { lockInOrder: boolean }): Promise<(MessageRow | null)[]> {
  const input = JSON.stringify(batch.map((m, o) => ({ o, r: m.roomId, s: m.senderId, b: m.body })));
  const result = await db.execute(options.lockInOrder ? inOrder(input) : unordered(input));
  const rows: (MessageRow | null)[] = batch.map(() => null);
  for (const row of rowsOf(result)) {
    const o = Number(row.o);
    const m = batch[o]!;
    rows[o] = { roomId: m.roomId, id: Number(row.id), senderId: m.senderId, body: m.body, clientMessageId: null, createdAt: new Date(row.created_at as string | Date) };
  }
  return rows;
}

// The two forms of insertMessagesAsMembers' statement: they differ only in how "bumped" locks.
const allowedRows = (input: string) => sql`
    input as (
      select * from json_to_recordset(${input}::json) as t(o int, r text, s text, b text)
    ),
    allowed as (
      select input.* from input
      where exists (select 1 from ${roomMembers} m where m.room_id = input.r and m.user_id = input.s)
    ),
    counts as (select r, count(*) as n from allowed group by r)`;

const numberedInsert = sql`
    numbered as materialized (
      select allowed.o, allowed.r, allowed.s, allowed.b,
        bumped.first + row_number() over (partition by allowed.r order by allowed.o) as id
      from allowed join bumped using (r)
    ),
    inserted as (
      insert into ${messages} (room_id, id, sender_id, body)
      select r, id, s, b from numbered
      returning room_id, id, created_at
    )
    select numbered.o, numbered.id, inserted.created_at
    from numbered join inserted on inserted.room_id = numbered.r and inserted.id = numbered.id`;

const unordered = (input: string) => sql`
    with ${allowedRows(input)},
    bumped as (
      update ${rooms} set last_message_id = last_message_id + counts.n
      from counts where ${rooms.id} = counts.r
      returning counts.r, ${rooms.lastMessageId} - counts.n as first
    ),
    ${numberedInsert}`;

const inOrder = (input: string) => sql`
    with ${allowedRows(input)},
    locked as materialized (
      select ${rooms.id} as r from ${rooms} where ${rooms.id} in (select r from counts) order by ${rooms.id} for update
    ),
    bumped as (
      update ${rooms} set last_message_id = last_message_id + counts.n
      from locked join counts using (r)
      where ${rooms.id} = locked.r
      returning locked.r, ${rooms.lastMessageId} - counts.n as first
    ),
    ${numberedInsert}`;

// The cursor is opaque to clients; inside it is the id of the oldest message of the page.
export function encodeCursor(messageId: number): string {
  return Buffer.from(`m${messageId}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^m(\d{1,15})$/.exec(text);
  if (!match) throw new AppError('INVALID_CURSOR');
  return Number(match[1]);
}

/** Newest first; nextCursor is null on the last page. */
export async function listHistory(
  db: Database,
  input: { roomId: string; limit: number; before?: string | null },
): Promise<{ messages: RoomMessage[]; nextCursor: string | null }> {
  const beforeId = input.before ? decodeCursor(input.before) : null;
  const where = beforeId === null ? eq(messages.roomId, input.roomId) : and(eq(messages.roomId, input.roomId), lt(messages.id, beforeId));
  const rows = await db
    .select({ message: messages, sender: senderColumns })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderId))
    .where(where)
    .orderBy(desc(messages.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    messages: page.map((r) => toRoomMessage(r.message, nameOf(r.sender))),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.message.id) : null,
  };
}

/** Messages with afterId < id <= upToId, oldest first (replay and gap filling). */
export async function listMessagesBetween(db: Database, roomId: string, afterId: number, upToId: number, limit: number): Promise<RoomMessage[]> {
  const rows = await db
    .select({ message: messages, sender: senderColumns })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderId))
    .where(and(eq(messages.roomId, roomId), gt(messages.id, afterId), lte(messages.id, upToId)))
    .orderBy(asc(messages.id))
    .limit(limit);
  return rows.map((r) => toRoomMessage(r.message, nameOf(r.sender)));
}

export async function readLastMessageId(db: Database, roomId: string): Promise<number> {
  const [room] = await db.select({ lastMessageId: rooms.lastMessageId }).from(rooms).where(eq(rooms.id, roomId));
  return room?.lastMessageId ?? 0;
}
