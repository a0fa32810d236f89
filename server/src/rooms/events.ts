// rooms.events: replay of stored messages after lastEventId, then live events, with no gap and no
// duplicate. The subscriber is attached to the hub (and starts buffering) BEFORE the database is
// read; the replay runs up to the id the hub had reached at that moment, and buffered message
// frames at or below what was replayed are skipped. The result is an async iterable (a generator,
// for SSE and any tRPC adapter) that the lean WebSocket handler subscribes to instead (pushed: an
// idle subscription then holds no parked generator, promise or AbortSignal).
import type { TrackedEnvelope } from '@trpc/server';
import type { AppDeps } from '../deps';
import { toTRPCError } from '../errors';
import { PUSH_SUBSCRIBE, type PushObserver, type PushSource, type PushSubscription } from '../transport/push-subscription';
import { messageFrame, messageIdOfEventId, type RoomEvent } from './frames';
import { listMessagesBetween } from './messages';
import { envelope, type RoomSubscriber, type SubscriberSocket } from './subscriber';

const REPLAY_PAGE = 200;
/** A replay pauses while this much is still unsent on the socket. */
const REPLAY_MAX_BUFFERED_BYTES = 1024 * 1024;

type EventsUser = { id: string; displayName: string };

export async function openRoomEvents(
  deps: AppDeps,
  user: EventsUser,
  input: { roomId: string; lastEventId?: string | null },
  socket: SubscriberSocket | null,
  signal: AbortSignal | undefined,
  /** The subscription's reply prefix when the transport tells it: even the first event then skips tRPC. */
  replyPrefix?: string,
): Promise<AsyncIterable<TrackedEnvelope<RoomEvent>>> {
  await deps.rooms.membershipChecks.check(user.id, input.roomId);
  const afterId = input.lastEventId ? messageIdOfEventId(input.lastEventId) : null;
  const { subscriber, upTo } = await deps.rooms.hub.attach(input.roomId, user, socket);
  if (socket && replyPrefix) subscriber.replyPrefix = replyPrefix;
  return new RoomEventSource(deps, subscriber, afterId, upTo, signal);
}

/** Either pulled (its generator) or pushed (PUSH_SUBSCRIBE), once. */
class RoomEventSource implements AsyncIterable<TrackedEnvelope<RoomEvent>>, PushSource {
  constructor(
    private readonly deps: AppDeps,
    private readonly subscriber: RoomSubscriber,
    private readonly afterId: number | null,
    private readonly upTo: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncGenerator<TrackedEnvelope<RoomEvent>, void, unknown> {
    return streamRoomEvents(this.deps, this.subscriber, this.afterId, this.upTo, this.signal);
  }

  [PUSH_SUBSCRIBE](observer: PushObserver): PushSubscription {
    const { subscriber } = this;
    subscriber.pushTo(observer);
    void replayThenLive(this.deps, subscriber, this.afterId, this.upTo);
    return subscriber;
  }
}

/** Pushed: the replay's pages go to the observer, then the frames queued meanwhile, then live ones. */
async function replayThenLive(deps: AppDeps, subscriber: RoomSubscriber, afterId: number | null, upTo: number): Promise<void> {
  try {
    let floor = afterId ?? -1;
    if (afterId !== null) {
      while (floor < upTo && !subscriber.ended) {
        const page = await listMessagesBetween(deps.db, subscriber.roomId, floor, upTo, REPLAY_PAGE);
        for (const message of page) subscriber.emit(messageFrame(message));
        if (page.length < REPLAY_PAGE) break;
        floor = page.at(-1)!.id;
        await waitForSocketToDrain(subscriber);
      }
      floor = Math.max(floor, upTo);
    }
    subscriber.goLive(floor);
  } catch (cause) {
    subscriber.fail(cause);
  }
}

async function* streamRoomEvents(
  deps: AppDeps,
  subscriber: RoomSubscriber,
  afterId: number | null,
  upTo: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<TrackedEnvelope<RoomEvent>, void, unknown> {
  // The generator may be parked in waitForFrame when the client stops: wake it so it can end.
  const stop = () => subscriber.end('done');
  signal?.addEventListener('abort', stop, { once: true });
  try {
    let floor = afterId ?? -1;
    if (afterId !== null) {
      while (floor < upTo && !subscriber.ended) {
        const page = await listMessagesBetween(deps.db, subscriber.roomId, floor, upTo, REPLAY_PAGE);
        for (const message of page) yield envelope(subscriber, messageFrame(message));
        if (page.length < REPLAY_PAGE) break;
        floor = page.at(-1)!.id;
        await waitForSocketToDrain(subscriber);
      }
      floor = Math.max(floor, upTo);
    }
    for (;;) {
      const frame = subscriber.take();
      if (frame) {
        if (frame.messageId === null || frame.messageId > floor) yield envelope(subscriber, frame);
        continue;
      }
      // Everything yielded so far has been sent (tRPC asks for the next value only after sending):
      // the hub may now write frames straight to the socket. The generator just waits for the end.
      subscriber.goDirect();
      if (subscriber.ended) {
        // Errors raised while streaming bypass the procedure middlewares: map them here.
        if (subscriber.ended !== 'done') throw toTRPCError(subscriber.ended);
        return;
      }
      await subscriber.waitForFrame();
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    deps.rooms.hub.detach(subscriber);
  }
}

async function waitForSocketToDrain(subscriber: RoomSubscriber): Promise<void> {
  while (subscriber.socket && subscriber.socket.bufferedAmount > REPLAY_MAX_BUFFERED_BYTES && !subscriber.ended) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
