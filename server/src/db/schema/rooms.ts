// Tables of realtime rooms: rooms, their members, stored messages.
import { bigint, index, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';
import { userIdColumn, users } from './auth';

export const rooms = pgTable('rooms', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
  /** The last message id given out in this room; the next message takes this + 1 under a row lock. */
  lastMessageId: bigint('last_message_id', { mode: 'number' }).notNull().default(0),
  createdAt: createdAt(),
});

export const roomMembers = pgTable(
  'room_members',
  {
    roomId: text('room_id').notNull().references(() => rooms.id, { onDelete: 'cascade' }),
    userId: userIdColumn(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index('room_members_user_idx').on(t.userId)],
);

export const messages = pgTable(
  'messages',
  {
    roomId: text('room_id').notNull().references(() => rooms.id, { onDelete: 'cascade' }),
    /** Monotonic per room, gapless in commit order. */
    id: bigint('id', { mode: 'number' }).notNull(),
    senderId: text('sender_id').references(() => users.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    clientMessageId: text('client_message_id'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.id] }),
    uniqueIndex('messages_client_id_key').on(t.roomId, t.senderId, t.clientMessageId),
  ],
);
