// One subscription to a room's events: a small queue of shared frames and a resolver to wake the
// generator that drains it. Deliberately no EventEmitter, no per-subscriber promise chain: an idle
// subscriber is this object, its generator and one pending promise.
import type { Socket } from 'node:net';
import { AppError, closeCodes } from '../errors';
import type { RoomFrame } from './frames';

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

  constructor(
    readonly roomId: string,
    readonly userId: string,
    readonly displayName: string,
    readonly socket: SubscriberSocket | null,
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
    this.queue.push(frame);
    this.notify();
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
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    if (wake) {
      this.wake = null;
      wake();
    }
  }
}
