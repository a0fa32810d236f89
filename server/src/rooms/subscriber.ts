// One subscription to a room's events: a small queue of shared frames, drained either by a
// generator (pulled: a resolver wakes it) or by an observer (pushed: the lean WebSocket handler's;
// once live, frames go to it as they come). Deliberately no EventEmitter, no per-subscriber promise
// chain: an idle pushed subscriber is this object and its observer.
import type { Socket } from 'node:net';
import { tracked, type TrackedEnvelope } from '@trpc/server';
import { AppError, closeCodes, toTRPCError } from '../errors';
import type { PushObserver } from '../transport/push-subscription';
import { AddressedFrame, type RoomEvent, type RoomFrame } from './frames';

/** The parts of a ws WebSocket the hub needs: how much is still unsent, and a way out. */
export type SubscriberSocket = { readonly bufferedAmount: number; send(data: string): void; close(code?: number, reason?: string): void };

/**
 * The internals of a `ws` WebSocket that let a finished frame go out as is — what Socket.IO's
 * broadcast does (engine.io's `wsPreEncodedFrame` → `_sender.sendFrame`). Only while the sender is
 * idle (nothing queued behind compression or a Blob read) and no extension rewrites frames.
 */
type WsInternals = {
  readyState?: number;
  _extensions?: Record<string, unknown>;
  _sender?: { _state?: number; _queue?: unknown[] };
  _socket?: Socket;
};

function writeFinishedFrame(socket: SubscriberSocket, frame: RoomFrame, replyPrefix: string): void {
  const ws = socket as unknown as WsInternals;
  const sender = ws._sender;
  const net = ws._socket;
  if (ws.readyState === 1 && net && sender?._state === 0 && sender._queue?.length === 0 && ws._extensions?.['permessage-deflate'] === undefined) {
    holdUntilTurnEnds(net);
    net.write(frame.wireFor(replyPrefix));
  } else {
    socket.send(frame.textFor(replyPrefix));
  }
}

/**
 * Frames written to one socket during one turn of the event loop leave together: the socket is
 * corked on its first frame and uncorked once the turn's I/O callbacks have run, so a burst of
 * messages (several sends handled in one turn) costs each subscriber one writev, not one per frame.
 */
const held: Socket[] = [];
let onReleased: { promise: Promise<void>; resolve: () => void } | null = null;

function holdUntilTurnEnds(net: Socket): void {
  if (net.writableCorked) return;
  net.cork();
  if (held.push(net) === 1) setImmediate(releaseHeld);
}

function releaseHeld(): void {
  for (const net of held.splice(0)) net.uncork();
  const waiting = onReleased;
  onReleased = null;
  waiting?.resolve();
}

/**
 * Resolves once the frames held this turn have been handed to their sockets. A sender awaits it
 * before its own call answers, so its message is on its way to local subscribers (the sender's
 * own connection included) before the answer is.
 */
export function untilHeldFramesLeave(): Promise<void> {
  if (held.length === 0) return Promise.resolve();
  if (!onReleased) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    onReleased = { promise, resolve };
  }
  return onReleased.promise;
}

/** Close code for a subscriber that fell too far behind: reconnect and resume with lastEventId. */
export const CLOSE_TOO_SLOW = closeCodes.TRY_AGAIN_LATER;

/** What a pushed subscriber calls when it ends: the hub forgets it. */
export type SubscriberOwner = { detach(subscriber: RoomSubscriber): void };

export class RoomSubscriber {
  private queue: RoomFrame[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  /** null while live; an error to throw, or 'done' to end quietly. */
  ended: AppError | 'done' | null = null;
  /** `{"id":<subscription id>,"result":` once the encoder has seen this subscription's id. */
  replyPrefix: string | null = null;
  /** Frames go straight to the socket (set by the generator once the queue is empty). */
  private direct = false;
  /** Pushed: the observer frames go to, once live (before: queued behind the replay). */
  private observer: PushObserver | null = null;
  private live = false;
  /** Pushed: an error other than an AppError that ended it (told to the observer as is). */
  private failure: unknown = null;

  constructor(
    readonly roomId: string,
    readonly userId: string,
    readonly displayName: string,
    readonly socket: SubscriberSocket | null,
    private readonly owner: SubscriberOwner,
  ) {}

  get backlog(): number {
    return this.queue.length - this.head;
  }

  push(frame: RoomFrame): void {
    if (this.ended) return;
    if (this.direct) {
      writeFinishedFrame(this.socket!, frame, this.replyPrefix!);
      return;
    }
    if (this.live) {
      this.emit(frame);
      return;
    }
    this.queue.push(frame);
    this.notify();
  }

  /** Pushed: frames go to observer from now on (queued until goLive). */
  pushTo(observer: PushObserver): void {
    this.observer = observer;
  }

  /** Pushed: one frame to the observer (tRPC's path until the reply prefix is known, then the socket). */
  emit(frame: RoomFrame): void {
    const observer = this.observer;
    if (!observer || this.ended) return;
    observer.next(envelope(this, frame));
    if (this.live && this.replyPrefix && this.socket) this.direct = true;
  }

  /**
   * Pushed, once the replay is through: the frames queued meanwhile go out (message frames up to
   * floor were replayed and are skipped), then each frame as it comes.
   */
  goLive(floor: number): void {
    for (let frame = this.take(); frame && !this.ended; frame = this.take()) {
      if (frame.messageId === null || frame.messageId > floor) this.emit(frame);
    }
    if (this.ended) return;
    this.live = true;
    if (this.replyPrefix && this.socket) this.direct = true;
  }

  /** Pushed: ends it with an error the observer gets as is (e.g. a failed replay query). */
  fail(cause: unknown): void {
    if (this.ended) return;
    if (cause instanceof AppError) return this.end(cause);
    this.failure = cause;
    this.end('done');
  }

  /** Pushed: the observer unsubscribed; nothing more is said to it. */
  unsubscribe(): void {
    this.observer = null;
    this.owner.detach(this);
  }

  take(): RoomFrame | null {
    if (this.head >= this.queue.length) return null;
    const frame = this.queue[this.head]!;
    this.queue[this.head++] = undefined as never;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return frame;
  }

  /**
   * Switches to writing frames to the socket directly. Only when nothing is queued and every frame
   * given to tRPC so far has been sent (the generator calls this when resumed), so order holds.
   */
  goDirect(): boolean {
    if (this.direct || !this.replyPrefix || !this.socket || this.backlog > 0 || this.ended) return this.direct;
    this.direct = true;
    this.queue = [];
    return true;
  }

  /** Resolves when a frame arrives (queued mode) or the subscription ends. */
  waitForFrame(): Promise<void> {
    if (this.backlog > 0 || this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  end(reason: AppError | 'done'): void {
    if (this.ended) return;
    this.ended = reason;
    this.queue = [];
    this.head = 0;
    this.direct = false;
    this.notify();
    // A pushed subscriber hears of it a microtask later, as a woken generator would: a socket the
    // hub closes right after (too slow) is closing by then, and the hub's loop is not re-entered.
    if (this.observer) queueMicrotask(() => this.tellObserver());
  }

  private tellObserver(): void {
    const observer = this.observer;
    if (!observer) return;
    this.observer = null;
    this.owner.detach(this);
    const reason = this.ended;
    // Errors raised while streaming bypass the procedure middlewares: map them here.
    if (reason instanceof AppError) observer.error(toTRPCError(reason));
    else if (this.failure !== null) observer.error(this.failure);
    else observer.complete();
  }

  private notify(): void {
    const wake = this.wake;
    if (wake) {
      this.wake = null;
      wake();
    }
  }
}

/**
 * The frame travels as is; the WebSocket encoder splices its prepared JSON into the reply. Until
 * the subscription's reply prefix is known, frames are addressed so the encoder can tell it.
 */
export function envelope(subscriber: RoomSubscriber, frame: RoomFrame): TrackedEnvelope<RoomEvent> {
  const data = subscriber.replyPrefix || !subscriber.socket ? frame : new AddressedFrame(frame, (prefix) => (subscriber.replyPrefix = prefix));
  return tracked(frame.id, data as unknown as RoomEvent);
}
