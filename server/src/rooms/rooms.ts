// Rooms and membership. A room is joinable by anyone who knows its id (120 random bits, so the id
// works as an invitation); only members read, send, type or subscribe.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { generateId } from '../db/ids';
import { preparedPerDatabase } from '../db/prepared';
import { roomMembers, rooms } from '../db/schema/index';
import { AppError } from '../errors';
import type { PublicRoom } from './schema';

type RoomRow = typeof rooms.$inferSelect;

export function toPublicRoom(room: RoomRow): PublicRoom {
  return { id: room.id, name: room.name, createdBy: room.createdBy, createdAt: room.createdAt.toISOString(), lastMessageId: room.lastMessageId };
}

export async function createRoom(db: Database, userId: string, name: string): Promise<PublicRoom> {
  return db.transaction(async (tx) => {
    const [room] = await tx.insert(rooms).values({ id: generateId(), name, createdBy: userId }).returning();
    await tx.insert(roomMembers).values({ roomId: room!.id, userId });
    return toPublicRoom(room!);
  });
}

export async function listMyRooms(db: Database, userId: string): Promise<(PublicRoom & { joinedAt: string })[]> {
  const rows = await db
    .select({ room: rooms, joinedAt: roomMembers.joinedAt })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(eq(roomMembers.userId, userId))
    .orderBy(desc(roomMembers.joinedAt));
  return rows.map((r) => ({ ...toPublicRoom(r.room), joinedAt: r.joinedAt.toISOString() }));
}

async function findRoom(db: Database, roomId: string): Promise<RoomRow> {
  const [room] = await db.select().from(rooms).where(eq(rooms.id, roomId));
  if (!room) throw new AppError('ROOM_NOT_FOUND');
  return room;
}

/** Joining twice is harmless. */
export async function joinRoom(db: Database, userId: string, roomId: string): Promise<PublicRoom> {
  const room = await findRoom(db, roomId);
  await db.insert(roomMembers).values({ roomId, userId }).onConflictDoNothing();
  return toPublicRoom(room);
}

/** Leaving a room one is not in is harmless; an unknown room is NOT_FOUND. */
export async function leaveRoom(db: Database, userId: string, roomId: string): Promise<{ left: boolean }> {
  await findRoom(db, roomId);
  const deleted = await db
    .delete(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .returning({ roomId: roomMembers.roomId });
  return { left: deleted.length > 0 };
}

// Prepared: every subscription, send and history call checks membership first (building the query
// each time was a measurable part of a WebSocket subscription's setup in the connections bench).
const selectMembership = preparedPerDatabase((db) =>
  db
    .select({ id: rooms.id, member: roomMembers.userId })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, sql.placeholder('userId'))))
    .where(eq(rooms.id, sql.placeholder('roomId')))
    .prepare('parley_room_membership'),
);

/** Unknown room → ROOM_NOT_FOUND; a room the user is not in → NOT_MEMBER (FORBIDDEN). One query. */
export async function requireMember(db: Database, userId: string, roomId: string): Promise<void> {
  const [row] = await selectMembership(db).execute({ userId, roomId });
  if (!row) throw new AppError('ROOM_NOT_FOUND');
  if (!row.member) throw new AppError('NOT_MEMBER');
}
