// A lean tRPC-over-WebSocket handler, wire-compatible with the stock adapter
// (@trpc/server/adapters/ws) and @trpc/client's wsLink: connectionParams handshake, single and
// batched calls, subscriptions with started/data/stopped and tracked() ids, subscription.stop,
// PING/PONG keep-alive, the reconnect notification, the same error replies and the same bytes.
// Why: the stock adapter keeps ~22 KB of heap per idle subscribed connection (~45 closures, ~19
// promises, AbortControllers, Unpromise races, the IncomingMessage), 3.5× a raw ws server's whole
// footprint. Here a connection is one object found through the socket (no per-connection closures:
// the listeners are shared and read `this`), a subscription is an AbortController (the first one held
// inline) plus one async function parked on its iterator, and one timer pings every connection.
// Parts: fast-ws-connection.ts (options, connection object, replies), fast-ws-calls.ts (calls).
import type { IncomingMessage } from 'node:http';
import { parseTRPCMessage, type TRPCClientOutgoingMessage } from '@trpc/server/rpc';
import { getTRPCErrorFromUnknown, isObject, parseConnectionParamsFromUnknown, TRPCError } from '@trpc/server/unstable-core-do-not-import';
import type { RawData, WebSocket } from 'ws';
import { CLOSE_POLICY_VIOLATION } from './connection-limits';
import { createCallRunner } from './fast-ws-calls';
import { attachConnection, Connection, connectionOf, createReplies, type FastWsOptions, OPEN, wantsConnectionParams } from './fast-ws-connection';

export type { FastWsOptions, WsEncoder } from './fast-ws-connection';

export function createFastTrpcWsHandler<TContext>(options: FastWsOptions<TContext>) {
  const { wss, router, encoder } = options;
  const config = router._def._config;
  const { burst, perSecond } = options.messageRate;
  const { pingMs, pongWaitMs } = options.keepAlive;
  const replies = createReplies(options);
  const { respondSafely, report, errorShape } = replies;
  const { dispatch, checkStalled } = createCallRunner(options, replies);
  const { maxBatchCalls } = options.limits;
  type Conn = Connection<TContext>;

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

  function onMessage(this: WebSocket, raw: RawData, isBinary: boolean): void {
    const conn = connectionOf<TContext>(this);
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
      // Each call beyond the first spends a token too: the limit counts calls, not messages.
      conn.tokens -= list.length - 1;
      if (conn.tokens < 0) {
        if (this.readyState === OPEN) this.close(CLOSE_POLICY_VIOLATION, 'Too many calls');
        options.onCutOff('calls');
        return;
      }
      if (list.length > maxBatchCalls) {
        refuseBatch(conn, list);
        return;
      }
      messages = list.map((item) => parseTRPCMessage(item, config.transformer));
    } catch (cause) {
      const error = new TRPCError({ code: 'PARSE_ERROR', cause });
      respondSafely(conn, null, undefined, () => ({ id: null, error: errorShape(conn, error, 'unknown', undefined, undefined) }));
      return;
    }
    for (let index = 0; index < messages.length; index++) dispatch(conn, messages[index]!, index);
  }

  /** A message with more calls than maxBatchCalls: each call with an id gets the error, as from the stock adapter. */
  function refuseBatch(conn: Conn, list: unknown[]): void {
    const error = new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' });
    report(conn, error, 'unknown', undefined, undefined);
    const shape = errorShape(conn, error, 'unknown', undefined, undefined);
    let responded = false;
    for (const raw of list) {
      if (!isObject(raw) || raw.method === 'subscription.stop' || (typeof raw.id !== 'number' && typeof raw.id !== 'string')) continue;
      const id = raw.id;
      respondSafely(conn, id, raw.jsonrpc === '2.0' ? '2.0' : undefined, () => ({ id, jsonrpc: raw.jsonrpc === '2.0' ? '2.0' : undefined, error: shape }));
      responded = true;
    }
    if (!responded) respondSafely(conn, null, undefined, () => ({ id: null, error: shape }));
  }

  // ws sockets must have an error listener, or a bad frame (e.g. RSV bits set) crashes the process.
  function onSocketError(this: WebSocket, cause: Error): void {
    const conn = connectionOf<TContext>(this);
    if (conn) report(conn, getTRPCErrorFromUnknown(cause), 'unknown', undefined, undefined);
  }

  function onClose(this: WebSocket, code: number): void {
    const conn = connectionOf<TContext>(this);
    if (!conn) return;
    conn.abortSubscriptions();
    conn.waiting = null;
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
      const conn = connectionOf<TContext>(socket);
      if (!conn || socket.readyState !== OPEN) continue;
      // A client that has not drained its replies for as long as a ping may go unanswered is gone.
      checkStalled(conn, now, pongWaitMs);
      if (conn.stalledSince) continue; // its PONG cannot be read while paused
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
    attachConnection(socket, conn);
    socket.on('message', onMessage);
    socket.on('error', onSocketError);
    socket.on('close', onClose); // 'close' comes once; once() would wrap the listener per socket
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
