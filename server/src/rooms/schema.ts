// Input and output schemas of rooms.*: every input bounded, outputs described for the REST mirror.
import { z } from 'zod';

export const MAX_BODY_CHARS = 4000;
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 100;

const roomId = z.string().trim().min(1).max(64);

export const createRoomInput = z.object({ name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const roomIdInput = z.object({ roomId });

export const sendInput = z.object({
  roomId,
  body: z.string().min(1, 'is required').max(MAX_BODY_CHARS, `must be at most ${MAX_BODY_CHARS} characters`)
    .refine((s) => s.trim().length > 0, 'must not be blank'),
  /** Chosen by the client; sending again with the same id returns the stored message instead of a copy. */
  clientMessageId: z.string().min(1).max(64).optional(),
});

export const historyInput = z.object({
  roomId,
  limit: z.number().int().min(1).max(HISTORY_MAX_LIMIT).default(HISTORY_DEFAULT_LIMIT),
  /** nextCursor of the previous page; absent for the newest page. */
  before: z.string().max(100).nullish(),
});

export const typingInput = z.object({ roomId, state: z.enum(['start', 'stop']) });

export const eventsInput = z.object({
  roomId,
  /** The id of the last event received: "<messageId>" or "<messageId>:<n>" (typing/presence). */
  lastEventId: z.string().max(64).regex(/^\d{1,15}(:[0-9a-z]{1,20})?$/, 'is not an event id of this room').nullish(),
});

export const roomMessageOutput = z.object({
  id: z.number().int(),
  roomId: z.string(),
  senderId: z.string().nullable(),
  senderName: z.string(),
  body: z.string(),
  clientMessageId: z.string().nullable(),
  createdAt: z.string(),
});

export const historyOutput = z.object({ messages: z.array(roomMessageOutput), nextCursor: z.string().nullable() });

export type RoomMessage = z.infer<typeof roomMessageOutput>;

export type PublicRoom = { id: string; name: string; createdBy: string | null; createdAt: string; lastMessageId: number };

export const publicRoomOutput = z.object({ id: z.string(), name: z.string(), createdBy: z.string().nullable(), createdAt: z.string(), lastMessageId: z.number().int() });
export const myRoomsOutput = z.array(publicRoomOutput.extend({ joinedAt: z.string() }));
