// A lean tRPC-over-WebSocket handler, wire-compatible with the stock adapter
// (@trpc/server/adapters/ws) and @trpc/client's wsLink: connectionParams handshake, single and
// batched calls, subscriptions with started/data/stopped and tracked() ids, subscription.stop,
// PING/PONG keep-alive, the reconnect notification, the same error replies and the same bytes.
// Why: the stock adapter keeps ~22 KB of heap per idle subscribed connection (~45 closures, ~19
// promises, AbortControllers, Unpromise races, the IncomingMessage), 3.5× a raw ws server's whole
// footprint. Here a connection is one object found through the socket (no per-connection closures:
// the listeners are shared and read `this`), a subscription is an AbortController in a lazily made
// Map plus one async function parked on its iterator, and one timer pings every connection.
import type { IncomingMessage } from 'node:http';
import type { AnyTRPCRouter } from '@trpc/server';
import { isObservable, observableToAsyncIterable } from '@trpc/server/observable';
import { parseTRPCMessage, type TRPCClientOutgoingMessage, type TRPCErrorShape, type TRPCResponseMessage } from '@trpc/server/rpc';
import {
  callProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  isAbortError,
  isAsyncIterable,
  isObject,
  isTrackedEnvelope,
  parseConnectionParamsFromUnknown,
  transformTRPCResponse,
  TRPCError,
} from '@trpc/server/unstable-core-do-not-import';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { callProcedureLean, type ProcedureDef } from './call-procedure';
import { CLOSE_POLICY_VIOLATION, type MessageRate } from './connection-limits';
import { isIdentityTransformer } from './fast-http';

type RequestId = number | string;
type CallType = 'query' | 'mutation' | 'subscription';
type ErrorType = CallType | 'unknown';
type Procedure = { _def: ProcedureDef };

export type WsEncoder = { encode(message: unknown): string; decode(data: string | Buffer): unknown };

export type FastWsOptions<TContext> = {
  wss: WebSocketServer;
  router: AnyTRPCRouter;
  /** Encodes every outgoing message (and decodes incoming ones), as the stock adapter's experimental_encoder. */
  encoder: WsEncoder;
  /** PING after pingMs without a message from the client; close when nothing comes within pongWaitMs. */
  keepAlive: { pingMs: number; pongWaitMs: number };
  /** Closes a client that sends faster than this with 1008. */
  messageRate: MessageRate;
  /** Called once per connection, with the connectionParams when the client sends them. */
  createContext(req: IncomingMessage, socket: WebSocket, connectionParams: Record<string, string> | null): Promise<TContext>;
  onError(opts: { error: TRPCError; path: string | undefined; type: ErrorType; input: unknown; ctx: TContext | undefined }): void;
  /** Returns a label kept with the connection (a request id) and handed to onClose. */
  onOpen(req: IncomingMessage): string;
  onClose(label: string, code: number, ctx: TContext | undefined, openedAt: number): void;
};

const OPEN = 1;

/** What a client gets when its error can't be formatted (the stock adapter's fallback). */
const fallbackErrorShape: TRPCErrorShape = {
  code: -32603,
  message: 'Internal server error',
  data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 },
};

class Connection<TContext> {
  ctx: TContext | undefined = undefined;
  /** The context's outcome (null: built); null itself until the connectionParams message arrives. */
  ready: Promise<TRPCError | null> | null = null;
  /** The first open subscription, inline (most connections have one); a Map only for the others. */
  private subscriptionId: RequestId | null = null;
  private subscription: AbortController | null = null;
  private others: Map<RequestId, AbortController> | null = null;
  lastSeen: number;
  /** When a PING went out unanswered (0: none pending). */
  pingSentAt = 0;
  tokens: number;

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

  findSubscription(id: RequestId): AbortController | undefined {
    return this.subscription && this.subscriptionId === id ? this.subscription : this.others?.get(id);
  }

  addSubscription(id: RequestId, controller: AbortController): void {
    if (!this.subscription) {
      this.subscriptionId = id;
      this.subscription = controller;
    } else (this.others ??= new Map()).set(id, controller);
  }

  /** Frees the id, unless it already went to a newer subscription. */
  removeSubscription(id: RequestId, controller: AbortController): void {
    if (this.subscription === controller) {
      this.subscription = null;
      this.subscriptionId = null;
    } else if (this.others?.get(id) === controller) this.others.delete(id);
  }

  abortSubscriptions(): void {
    if (this.subscription) abortOnce(this.subscription);
    this.subscription = null;
    this.subscriptionId = null;
    if (!this.others) return;
    for (const controller of this.others.values()) abortOnce(controller);
    this.others.clear();
  }
}

const CONNECTION = Symbol('parley.trpcConnection');
type TaggedSocket<TContext> = WebSocket & { [CONNECTION]?: Connection<TContext> };

function abortOnce(controller: AbortController): void {
  // abort() builds an AbortError with a stack even when already aborted.
  if (!controller.signal.aborted) controller.abort();
}

function wantsConnectionParams(url: string | undefined): boolean {
  const query = url?.indexOf('?') ?? -1;
  return query >= 0 && new URLSearchParams(url!.slice(query + 1)).get('connectionParams') === '1';
}

export function createFastTrpcWsHandler<TContext>(options: FastWsOptions<TContext>) {
  const { wss, router, encoder } = options;
  const config = router._def._config;
  const procedures = router._def.procedures as Record<string, Procedure | undefined>;
  const hasTransformer = !isIdentityTransformer(config.transformer);
  const { burst, perSecond } = options.messageRate;
  const { pingMs, pongWaitMs } = options.keepAlive;
  type Conn = Connection<TContext>;

  const connectionOf = (socket: WebSocket) => (socket as TaggedSocket<TContext>)[CONNECTION];

  /** Drops replies once closing starts, as the stock adapter does. */
  function respond(conn: Conn, reply: TRPCResponseMessage): void {
    if (conn.socket.readyState !== OPEN) return;
    conn.socket.send(encoder.encode(hasTransformer ? transformTRPCResponse(config, reply) : reply));
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

  async function buildContext(conn: Conn, paramsMessage: string | Buffer | undefined): Promise<TRPCError | null> {
    try {
      const params = paramsMessage === undefined ? null : readConnectionParams(paramsMessage);
      conn.ctx = await options.createContext(conn.req!, conn.socket, params);
      return null;
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      report(conn, error, 'unknown', undefined, undefined);
      respondSafely(conn, null, undefined, () => ({ id: null, error: errorShape(conn, error, 'unknown', undefined, undefined) }));
      setImmediate(() => conn.socket.close());
      return error;
    } finally {
      conn.req = null;
    }
  }

  function readConnectionParams(data: string | Buffer): Record<string, string> | null {
    let message: unknown;
    try {
      message = encoder.decode(data);
      if (!isObject(message)) throw new Error('Message was not an object');
    } catch (cause) {
      throw new TRPCError({ code: 'PARSE_ERROR', message: 'Malformed TRPCConnectionParamsMessage', cause });
    }
    return parseConnectionParamsFromUnknown(message.data) as Record<string, string> | null;
  }

  function call(conn: Conn, type: CallType, path: string, input: unknown, signal: AbortSignal | undefined, batchIndex: number) {
    const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
    const getRawInput = async () => input;
    if (procedure && procedure._def.type === type) {
      return callProcedureLean(procedure._def, { path, getRawInput, ctx: conn.ctx, type, signal, batchIndex });
    }
    // Lazy routers and the NOT_FOUND answer, exactly as tRPC gives them.
    return callProcedure({ router, path, getRawInput, ctx: conn.ctx, type, signal, batchIndex });
  }

  async function handleRequest(conn: Conn, message: TRPCClientOutgoingMessage, batchIndex: number): Promise<void> {
    const { id, jsonrpc } = message;
    if (id === null) {
      respondWithError(conn, id, jsonrpc, new TRPCError({ code: 'PARSE_ERROR', message: '`id` is required' }), 'unknown');
      return;
    }
    if (message.method === 'subscription.stop') {
      const controller = conn.findSubscription(id);
      if (controller) abortOnce(controller);
      return;
    }
    const { path, lastEventId } = message.params;
    const type = message.method;
    let input = message.params.input;
    if (lastEventId !== undefined) input = isObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });
    if (type === 'subscription') {
      if (conn.findSubscription(id)) {
        respondWithError(conn, id, jsonrpc, new TRPCError({ message: `Duplicate id ${id}`, code: 'BAD_REQUEST' }), type, path, input);
        return;
      }
      return runSubscription(conn, id, jsonrpc, path, input, batchIndex);
    }
    try {
      const failed = await conn.ready;
      if (failed) throw failed;
      const data = await call(conn, type, path, input, undefined, batchIndex);
      if (isAsyncIterable(data) || isObservable(data)) {
        throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `Cannot return an async iterable or observable from a ${type} procedure with WebSockets` });
      }
      respond(conn, { id, jsonrpc, result: { type: 'data', data } });
    } catch (cause) {
      respondWithError(conn, id, jsonrpc, cause, type, path, input);
    }
  }

  /**
   * The subscription's whole life in one async function (an idle subscription is this function
   * parked on iterator.next()); the id is freed right before the client hears `stopped`.
   */
  async function runSubscription(conn: Conn, id: RequestId, jsonrpc: '2.0' | undefined, path: string, input: unknown, batchIndex: number) {
    const controller = new AbortController();
    const signal = controller.signal;
    // Registered before any await: a stop or a disconnect during setup cancels it.
    conn.addSubscription(id, controller);
    let error: TRPCError | null = null;
    let iterator: AsyncIterator<unknown> | null = null;
    try {
      iterator = await openSubscription(conn, path, input, batchIndex, controller);
    } catch (cause) {
      error = getTRPCErrorFromUnknown(cause);
    }
    if (iterator) {
      respond(conn, { id, jsonrpc, result: { type: 'started' } });
      let completed = false;
      try {
        for (;;) {
          let next: IteratorResult<unknown>;
          try {
            next = await iterator.next();
          } catch (cause) {
            const failure = getTRPCErrorFromUnknown(cause);
            if (!signal.aborted) throw failure;
            if (!isAbortError(failure.cause)) report(conn, failure, 'subscription', path, input);
            break;
          }
          // Stopped while waiting: the value is not sent (the stock adapter races next() with the signal).
          if (signal.aborted) break;
          if (next.done) {
            completed = true;
            break;
          }
          // The next value is asked for only once this one was handed to the socket (rooms rely on it).
          respond(conn, { id, jsonrpc, result: dataResult(next.value) });
        }
      } catch (cause) {
        error = getTRPCErrorFromUnknown(cause);
      }
      // Cleanup that waits for cancellation is woken unless the iterator finished by itself.
      if (!completed) abortOnce(controller);
      try {
        await iterator.return?.();
      } catch (cause) {
        report(conn, getTRPCErrorFromUnknown(cause), 'subscription', path, input);
      }
      // An iteration error is answered, and `stopped` follows it.
      if (error) respondWithError(conn, id, jsonrpc, error, 'subscription', path, input);
      error = null;
    }
    if (conn.socket.readyState !== OPEN) abortOnce(controller);
    conn.removeSubscription(id, controller);
    // A setup error is answered instead of `stopped`, unless it only says the setup was cancelled.
    const cancelled = error && signal.aborted && error.code === 'INTERNAL_SERVER_ERROR' && isAbortError(error.cause);
    if (error && !cancelled) respondWithError(conn, id, jsonrpc, error, 'subscription', path, input);
    else respond(conn, { id, jsonrpc, result: { type: 'stopped' } });
  }

  /** Calls the procedure; the iterator to stream, or null when there is nothing to stream. Throws setup errors. */
  async function openSubscription(conn: Conn, path: string, input: unknown, batchIndex: number, controller: AbortController) {
    const { socket } = conn;
    const signal = controller.signal;
    const failed = await conn.ready;
    if (failed) throw failed;
    if (signal.aborted || socket.readyState !== OPEN) return null;
    const result = await call(conn, 'subscription', path, input, signal, batchIndex);
    const observable = isObservable(result);
    if (!observable && !isAsyncIterable(result)) {
      throw new TRPCError({ message: `Subscription ${path} did not return an observable or a AsyncGenerator`, code: 'INTERNAL_SERVER_ERROR' });
    }
    if (socket.readyState !== OPEN) {
      abortOnce(controller);
      if (observable) return null;
    }
    const iterable = (observable ? observableToAsyncIterable(result, signal) : result) as AsyncIterable<unknown>;
    const iterator = iterable[Symbol.asyncIterator]();
    if (!signal.aborted && socket.readyState === OPEN) return iterator;
    abortOnce(controller);
    await iterator.return?.().catch((cause: unknown) => report(conn, getTRPCErrorFromUnknown(cause), 'subscription', path, input));
    return null;
  }

  /** handleRequest answers its own errors; this catches only a failure to do so. */
  function reportStray(cause: unknown): void {
    try {
      options.onError({ error: getTRPCErrorFromUnknown(cause), path: undefined, type: 'unknown', input: undefined, ctx: undefined });
    } catch {
      console.error('[parley fast-ws]', cause);
    }
  }

  function onMessage(this: WebSocket, raw: RawData, isBinary: boolean): void {
    const conn = connectionOf(this);
    if (!conn) return;
    // Any message counts as a sign of life (keep-alive) and spends a token (rate limit).
    const now = Date.now();
    conn.tokens = Math.min(burst, conn.tokens + ((now - conn.lastSeen) / 1000) * perSecond);
    conn.lastSeen = now;
    conn.pingSentAt = 0;
    if (--conn.tokens < 0) {
      if (this.readyState === OPEN) this.close(CLOSE_POLICY_VIOLATION, 'Too many messages');
      return;
    }
    let text: string | undefined;
    if (!isBinary) {
      text = raw.toString();
      if (text === 'PONG') return;
      if (text === 'PING') {
        this.send('PONG');
        return;
      }
    }
    if (!Buffer.isBuffer(raw)) {
      const error = new TRPCError({ code: 'UNPROCESSABLE_CONTENT', message: 'Unexpected WebSocket message format' });
      respondSafely(conn, null, undefined, () => ({ id: null, error: errorShape(conn, error, 'unknown', undefined, undefined) }));
      return;
    }
    const data = text ?? raw;
    if (!conn.ready) {
      conn.ready = buildContext(conn, data);
      return;
    }
    let messages: TRPCClientOutgoingMessage[];
    try {
      const json = encoder.decode(data);
      const list: unknown[] = Array.isArray(json) ? json : [json];
      messages = list.map((item) => parseTRPCMessage(item, config.transformer));
    } catch (cause) {
      const error = new TRPCError({ code: 'PARSE_ERROR', cause });
      respondSafely(conn, null, undefined, () => ({ id: null, error: errorShape(conn, error, 'unknown', undefined, undefined) }));
      return;
    }
    for (let index = 0; index < messages.length; index++) {
      handleRequest(conn, messages[index]!, index).catch(reportStray);
    }
  }

  // ws sockets must have an error listener, or a bad frame (e.g. RSV bits set) crashes the process.
  function onSocketError(this: WebSocket, cause: Error): void {
    const conn = connectionOf(this);
    if (conn) report(conn, getTRPCErrorFromUnknown(cause), 'unknown', undefined, undefined);
  }

  function onClose(this: WebSocket, code: number): void {
    const conn = connectionOf(this);
    if (!conn) return;
    conn.abortSubscriptions();
    options.onClose(conn.label, code, conn.ctx, conn.openedAt);
  }

  // Keep-alive: one timer for all connections, ticking at a tenth of the shorter wait, instead of
  // two Timeouts per connection; it runs only while there are connections.
  const tickMs = Math.max(50, Math.min(pingMs, pongWaitMs) / 10);
  let keepAliveTimer: NodeJS.Timeout | null = null;
  function checkKeepAlive(): void {
    if (wss.clients.size === 0) {
      clearInterval(keepAliveTimer!);
      keepAliveTimer = null;
      return;
    }
    const now = Date.now();
    for (const socket of wss.clients) {
      const conn = connectionOf(socket);
      if (!conn || socket.readyState !== OPEN) continue;
      if (conn.pingSentAt) {
        if (now - conn.pingSentAt >= pongWaitMs) socket.terminate();
      } else if (now - conn.lastSeen >= pingMs) {
        conn.pingSentAt = now;
        socket.send('PING');
      }
    }
  }

  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const conn: Conn = new Connection(socket, req, options.onOpen(req), Date.now(), burst);
    (socket as TaggedSocket<TContext>)[CONNECTION] = conn;
    socket.on('message', onMessage);
    socket.on('error', onSocketError);
    socket.once('close', onClose);
    // Without ?connectionParams=1 the context is built at once; otherwise from the first message.
    if (!wantsConnectionParams(req.url)) conn.ready = buildContext(conn, undefined);
    keepAliveTimer ??= setInterval(checkKeepAlive, tickMs).unref();
  });

  return {
    /** Tells every client to reconnect (before a shutdown or deploy). */
    broadcastReconnectNotification(): void {
      const data = encoder.encode({ id: null, method: 'reconnect' });
      for (const client of wss.clients) if (client.readyState === OPEN) client.send(data);
    },
  };
}

/** A data result; a tracked() value carries its event id twice, in the stock adapter's key order. */
function dataResult(value: unknown) {
  if (!isTrackedEnvelope(value)) return { type: 'data' as const, data: value };
  const [eventId, data] = value;
  return { type: 'data' as const, data: { id: eventId, data }, id: eventId };
}
