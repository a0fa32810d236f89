// rooms.*: validate, authorize (members only past join), call the service.
import { authedProcedure, router } from '../trpc/init';
import { displayName } from '../auth/user';
import { sendMessage, sendTyping } from './chat';
import { openRoomEvents } from './events';
import { listHistory } from './messages';
import { createRoom, joinRoom, leaveRoom, listMyRooms, requireMember } from './rooms';
import { okOutput } from '../auth/schema';
import {
  createRoomInput, eventsInput, historyInput, historyOutput, myRoomsOutput, publicRoomOutput, roomIdInput, roomMessageOutput, sendInput, typingInput,
} from './schema';

export const roomsRouter = router({
  create: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/rooms', tags: ['rooms'], summary: 'Create a room (you join it)' } })
    .input(createRoomInput)
    .output(publicRoomOutput)
    .mutation(({ ctx, input }) => createRoom(ctx.deps.db, ctx.user.id, input.name)),

  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/rooms', tags: ['rooms'], summary: 'Rooms you are in' } })
    .output(myRoomsOutput)
    .query(({ ctx }) => listMyRooms(ctx.deps.db, ctx.user.id)),

  join: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/rooms/{roomId}/join', tags: ['rooms'], summary: 'Join a room' } })
    .input(roomIdInput)
    .output(publicRoomOutput)
    .mutation(({ ctx, input }) => joinRoom(ctx.deps.db, ctx.user.id, input.roomId)),

  leave: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/rooms/{roomId}/leave', tags: ['rooms'], summary: 'Leave a room (your open event streams in it end)' } })
    .input(roomIdInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
    const result = await leaveRoom(ctx.deps.db, ctx.user.id, input.roomId);
    // Open subscriptions of this user in the room end on every instance.
    if (result.left) ctx.deps.rooms.hub.publish(input.roomId, { t: 'leave', u: ctx.user.id });
    return { ok: true as const };
  }),

  send: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/rooms/{roomId}/messages', protect: true, tags: ['rooms'], summary: 'Send a message to a room' } })
    .input(sendInput)
    .output(roomMessageOutput)
    .mutation(({ ctx, input }) => sendMessage(ctx.deps, ctx.user, input)),

  history: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/rooms/{roomId}/messages', protect: true, tags: ['rooms'], summary: 'Messages of a room, newest first' } })
    .input(historyInput)
    .output(historyOutput)
    .query(async ({ ctx, input }) => {
      await requireMember(ctx.deps.db, ctx.user.id, input.roomId);
      return listHistory(ctx.deps.db, input);
    }),

  typing: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/rooms/{roomId}/typing', tags: ['rooms'], summary: 'Tell the room you started or stopped typing (never stored)' } })
    .input(typingInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
    await sendTyping(ctx.deps, ctx.user, input);
    return { ok: true as const };
  }),

  events: authedProcedure
    .input(eventsInput)
    .subscription(({ ctx, input, signal }) =>
      openRoomEvents(ctx.deps, { id: ctx.user.id, displayName: displayName(ctx.user) }, input, ctx.socket ?? null, signal, ctx.subscriptionReplyPrefix),
    ),
});
