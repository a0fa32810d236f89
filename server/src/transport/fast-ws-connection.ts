// The lean tRPC WebSocket handler's parts (see fast-ws.ts): its options, the one object kept per
// connection, and the replies (every outgoing message goes through the encoder, as in the stock adapter).
import type { IncomingMessage } from 'node:http';
import type { AnyTRPCRouter } from '@trpc/server';
import type { TRPCErrorShape, TRPCResponseMessage } from '@trpc/server/rpc';
import { getErrorShape, getTRPCErrorFromUnknown, transformTRPCResponse, type TRPCError } from '@trpc/server/unstable-core-do-not-import';
import type { WebSocket, WebSocketServer } from 'ws';
import type { TRPCClientOutgoingMessage } from '@trpc/server/rpc';
import { CLOSE_NOT_READING, type MessageRate } from './connection-limits';
import { isIdentityTransformer } from './fast-http';
import { sendText } from './one-write-frame';

export type RequestId = number | string;
export type CallType = 'query' | 'mutation' | 'subscription';
export type ErrorType = CallType | 'unknown';

export type WsEncoder = {
  encode(message: unknown): string;
  decode(data: string | Buffer): unknown;
  /**
   * The text every encoded reply to call `id` starts with, up to its result (optional): a
   * subscription told it (withReplyPrefix) can write finished replies without the encoder.
   */
  replyPrefix?(id: RequestId, jsonrpc: '2.0' | undefined): string;
};

export type FastWsOptions<TContext> = {
  wss: WebSocketServer;
  router: AnyTRPCRouter;
  /** Encodes every outgoing message (and decodes incoming ones), as the stock adapter's experimental_encoder. */
  encoder: WsEncoder;
  /** PING after pingMs without a message from the client; close when nothing comes within pongWaitMs. */
  keepAlive: { pingMs: number; pongWaitMs: number };
  /** Closes a client that sends faster than this (in calls) with 1008. */
  messageRate: MessageRate;
  /**
   * maxBatchCalls: calls one message may carry (more: BAD_REQUEST for each, as the stock adapter's
   * maxBatchSize). maxBufferedBytes: replies waiting for a client that does not read; past a quarter
   * of it no new call starts and the socket is no longer read, past it (or stalled for
   * keepAlive.pongWaitMs) the connection is closed with 1013.
   */
  limits: { maxBatchCalls: number; maxBufferedBytes: number };
  /** A connection closed for a limit: 'calls' (rate) or 'not-reading' (buffer). */
  onCutOff(reason: 'calls' | 'not-reading'): void;
  /** Called once per connection, with the connectionParams when the client sends them. */
  createContext(req: IncomingMessage, socket: WebSocket, connectionParams: Record<string, string> | null): Promise<TContext>;
  /** The context of one subscription, given its replies' prefix (encoder.replyPrefix); none: the connection's. */
  withReplyPrefix?(ctx: TContext, replyPrefix: string): TContext;
  onError(opts: { error: TRPCError; path: string | undefined; type: ErrorType; input: unknown; ctx: TContext | undefined }): void;
  /** Returns a label kept with the connection (a request id) and handed to onClose. */
  onOpen(req: IncomingMessage): string;
  onClose(label: string, code: number, ctx: TContext | undefined, openedAt: number): void;
};

export const OPEN = 1;

/** What a client gets when its error can't be formatted (the stock adapter's fallback). */
const fallbackErrorShape: TRPCErrorShape = {
  code: -32603,
  message: 'Internal server error',
  data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 },
};

export class Connection<TContext> {
  ctx: TContext | undefined = undefined;
  /** The context's outcome (null: built); null itself until the connectionParams message arrives. */
  ready: Promise<TRPCError | null> | null = null;
  /** The first open subscription, inline (most connections have one); a Map only for the others. */
  private subscriptionId: RequestId | null = null;
  private subscription: SubscriptionHandle | null = null;
  private others: Map<RequestId, SubscriptionHandle> | null = null;
  lastSeen: number;
  /** When a PING went out unanswered (0: none pending). */
  pingSentAt = 0;
  tokens: number;
  /** Queries and mutations waiting for a free slot (at most CALLS_IN_FLIGHT_PER_CONNECTION run at once). */
  waiting: { message: TRPCClientOutgoingMessage; index: number }[] | null = null;
  running = 0;
  /** Since when replies have been piling up unread (0: not stalled); reading is paused meanwhile. */
  stalledSince = 0;

  constructor(
    readonly socket: WebSocket,
    /** Only until the context is built. */
    public req: IncomingMessage | null,
    readonly label: string,
    readonly openedAt: number,
    burst: number,
  ) {
    this.lastSeen = openedAt;
    this.tokens = burst;
    // A request id from randomUUID() is a rope of 13 pieces (~400 bytes): flatten it once.
    Number(label);
  }

  findSubscription(id: RequestId): SubscriptionHandle | undefined {
    return this.subscription && this.subscriptionId === id ? this.subscription : this.others?.get(id);
  }

  addSubscription(id: RequestId, handle: SubscriptionHandle): void {
    if (!this.subscription) {
      this.subscriptionId = id;
      this.subscription = handle;
    } else (this.others ??= new Map()).set(id, handle);
  }

  /** Hands the id from one handle to the next (a pushed subscription's observer takes over from its setup's controller). */
  replaceSubscription(id: RequestId, from: SubscriptionHandle, to: SubscriptionHandle): boolean {
    if (this.subscription === from) this.subscription = to;
    else if (this.others?.get(id) === from) this.others.set(id, to);
    else return false;
    return true;
  }

  /** Frees the id, unless it already went to a newer subscription. */
  removeSubscription(id: RequestId, handle: SubscriptionHandle): void {
    if (this.subscription === handle) {
      this.subscription = null;
      this.subscriptionId = null;
    } else if (this.others?.get(id) === handle) this.others.delete(id);
  }

  abortSubscriptions(): void {
    const first = this.subscription;
    this.subscription = null;
    this.subscriptionId = null;
    if (first) stopSubscription(first);
    if (!this.others) return;
    const others = [...this.others.values()];
    this.others.clear();
    for (const handle of others) stopSubscription(handle);
  }
}

/**
 * What stops a subscription: the AbortController its setup and iteration watch, or, once a pushed
 * subscription runs, its observer (which stops the source itself).
 */
export type SubscriptionHandle = AbortController | { stop(): void };

export function stopSubscription(handle: SubscriptionHandle): void {
  if (handle instanceof AbortController) abortOnce(handle);
  else handle.stop();
}

const CONNECTION = Symbol('parley.trpcConnection');
type TaggedSocket<TContext> = WebSocket & { [CONNECTION]?: Connection<TContext> };

/** The connection object is found through the socket, so listeners can be shared and read `this`. */
export function connectionOf<TContext>(socket: WebSocket): Connection<TContext> | undefined {
  return (socket as TaggedSocket<TContext>)[CONNECTION];
}

export function attachConnection<TContext>(socket: WebSocket, conn: Connection<TContext>): void {
  (socket as TaggedSocket<TContext>)[CONNECTION] = conn;
}

export function abortOnce(controller: AbortController): void {
  // abort() builds an AbortError with a stack even when already aborted.
  if (!controller.signal.aborted) controller.abort();
}

export function wantsConnectionParams(url: string | undefined): boolean {
  const query = url?.indexOf('?') ?? -1;
  return query >= 0 && new URLSearchParams(url!.slice(query + 1)).get('connectionParams') === '1';
}

export type Replies<TContext> = ReturnType<typeof createReplies<TContext>>;

export function createReplies<TContext>(options: FastWsOptions<TContext>) {
  const { encoder } = options;
  const config = options.router._def._config;
  const hasTransformer = !isIdentityTransformer(config.transformer);
  const { replyPrefix } = encoder;
  const { withReplyPrefix } = options;
  /** A subscription's context: told its replies' prefix when the encoder knows it (no transformer rewrites them). */
  const subscriptionContext =
    replyPrefix && withReplyPrefix && !hasTransformer
      ? (ctx: TContext, id: RequestId, jsonrpc: '2.0' | undefined) => withReplyPrefix(ctx, replyPrefix.call(encoder, id, jsonrpc))
      : (ctx: TContext) => ctx;
  type Conn = Connection<TContext>;

  const { maxBufferedBytes } = options.limits;

  /** Drops replies once closing starts, as the stock adapter does; closes a client that lets too much pile up. */
  function respond(conn: Conn, reply: TRPCResponseMessage): void {
    const socket = conn.socket;
    if (socket.readyState !== OPEN) return;
    sendText(socket, encoder.encode(hasTransformer ? transformTRPCResponse(config, reply) : reply));
    if (socket.bufferedAmount > maxBufferedBytes) closeNotReading(conn);
  }

  function closeNotReading(conn: Conn): void {
    if (conn.socket.readyState !== OPEN) return;
    conn.waiting = null;
    // Read again, or the client's answer to the close frame goes unseen until ws's 30 s close timeout.
    conn.socket.resume();
    conn.socket.close(CLOSE_NOT_READING, 'Not reading; too much waiting to be sent');
    options.onCutOff('not-reading');
  }

  /** onError must not throw out of a listener or an unawaited promise. */
  function report(conn: Conn, error: TRPCError, type: ErrorType, path: string | undefined, input: unknown): void {
    try {
      options.onError({ error, path, type, input, ctx: conn.ctx });
    } catch (cause) {
      console.error('[parley fast-ws] onError failed', cause);
    }
  }

  function errorShape(conn: Conn, error: TRPCError, type: ErrorType, path: string | undefined, input: unknown): TRPCErrorShape {
    try {
      return getErrorShape({ config, error, type, path, input, ctx: conn.ctx });
    } catch (cause) {
      report(conn, getTRPCErrorFromUnknown(cause), type, path, input);
      return fallbackErrorShape;
    }
  }

  /** A reply the client must get even when its encoding fails (then as the fallback error). */
  function respondSafely(conn: Conn, id: RequestId | null, jsonrpc: '2.0' | undefined, build: () => TRPCResponseMessage): void {
    try {
      respond(conn, build());
    } catch (cause) {
      report(conn, getTRPCErrorFromUnknown(cause), 'unknown', undefined, undefined);
      try {
        respond(conn, { id, jsonrpc, error: fallbackErrorShape });
      } catch {
        // the same failure, reported above
      }
    }
  }

  function respondWithError(conn: Conn, id: RequestId | null, jsonrpc: '2.0' | undefined, cause: unknown, type: ErrorType, path?: string, input?: unknown) {
    const error = getTRPCErrorFromUnknown(cause);
    report(conn, error, type, path, input);
    respondSafely(conn, id, jsonrpc, () => ({ id, jsonrpc, error: errorShape(conn, error, type, path, input) }));
  }

  return { respond, report, errorShape, respondSafely, respondWithError, closeNotReading, subscriptionContext };
}
