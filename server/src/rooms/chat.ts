// Sending into a room: members only, throttled per user, stored, then one bus event per message.
import type { AppDeps } from '../deps';
import { displayName } from '../auth/user';
import type { User } from '../auth/session';
import { storeMessage } from './messages';
import { requireMember } from './rooms';
import type { RoomMessage } from './schema';

export async function sendMessage(
  deps: AppDeps,
  user: User,
  input: { roomId: string; body: string; clientMessageId?: string },
): Promise<RoomMessage> {
  await deps.limits.consume('room_send', user.id);
  // Membership is checked inside storeMessage, in the same statement as the insert (batched with
  // the other sends of this event-loop turn by the rooms writer).
  const writer = deps.rooms.writer;
  const { message, created } = await storeMessage(deps.db, user, input, (m) => writer.insert(m));
  if (created) {
    deps.metrics.roomMessages.inc();
    await deps.rooms.hub.publishAndDeliver(input.roomId, { t: 'm', m: message });
  }
  return message;
}

/** Typing is never stored: one bus event, dropped by subscribers that aren't listening. */
export async function sendTyping(deps: AppDeps, user: User, input: { roomId: string; state: 'start' | 'stop' }): Promise<void> {
  await requireMember(deps.db, user.id, input.roomId);
  await deps.limits.consume('room_typing', user.id);
  deps.rooms.hub.publish(input.roomId, { t: 'typing', u: user.id, n: displayName(user), s: input.state });
}
