// rooms.*: validate, authorize (members only past join), call the service.
import { authedProcedure, router } from '../trpc/init';
import { ok, okOutput, restRoutes } from '../trpc/rest-meta';
import { displayName } from '../auth/user';
import { sendMessage, sendTyping } from './chat';
import { openRoomEvents } from './events';
import { listHistory } from './messages';
import { createRoom, joinRoom, leaveRoom, listMyRooms, requireMember } from './rooms';
import {
  createRoomInput, eventsInput, historyInput, historyOutput, myRoomsOutput, publicRoomOutput, roomIdInput, roomMessageOutput, sendInput, typingInput,
} from './schema';

const route = restRoutes('rooms');

export const roomsRouter = router({
  create: authedProcedure.meta(route('POST', '/rooms', 'Create a room (you join it)'))
    .input(createRoomInput).output(publicRoomOutput).mutation(({ ctx, input }) => createRoom(ctx.deps.db, ctx.user.id, input.name)),

  list: authedProcedure.meta(route('GET', '/rooms', 'Rooms you are in')).output(myRoomsOutput).query(({ ctx }) => listMyRooms(ctx.deps.db, ctx.user.id)),

  join: authedProcedure.meta(route('POST', '/rooms/{roomId}/join', 'Join a room')).input(roomIdInput).output(publicRoomOutput)
    .mutation(({ ctx, input }) => joinRoom(ctx.deps.db, ctx.user.id, input.roomId)),

  leave: authedProcedure.meta(route('POST', '/rooms/{roomId}/leave', 'Leave a room (your open event streams in it end)')).input(roomIdInput).output(okOutput)
    .mutation(async ({ ctx, input }) => {
      const result = await leaveRoom(ctx.deps.db, ctx.user.id, input.roomId);
      // Open subscriptions of this user in the room end on every instance.
      if (result.left) ctx.deps.rooms.hub.publish(input.roomId, { t: 'leave', u: ctx.user.id });
      return ok();
    }),

  send: authedProcedure.meta(route('POST', '/rooms/{roomId}/messages', 'Send a message to a room', { protect: true })).input(sendInput).output(roomMessageOutput)
    .mutation(({ ctx, input }) => sendMessage(ctx.deps, ctx.user, input)),

  history: authedProcedure.meta(route('GET', '/rooms/{roomId}/messages', 'Messages of a room, newest first', { protect: true })).input(historyInput).output(historyOutput)
    .query(async ({ ctx, input }) => {
      await requireMember(ctx.deps.db, ctx.user.id, input.roomId);
      return listHistory(ctx.deps.db, input);
    }),

  typing: authedProcedure.meta(route('POST', '/rooms/{roomId}/typing', 'Tell the room you started or stopped typing (never stored)')).input(typingInput).output(okOutput)
    .mutation(({ ctx, input }) => sendTyping(ctx.deps, ctx.user, input).then(ok)),

  events: authedProcedure.input(eventsInput).subscription(({ ctx, input, signal }) =>
    openRoomEvents(ctx.deps, { id: ctx.user.id, displayName: displayName(ctx.user) }, input, ctx.socket ?? null, signal, ctx.subscriptionReplyPrefix)),
});
