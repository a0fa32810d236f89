// tRPC over HTTP (/trpc/*) and over WebSocket (/trpc upgrade), each on a lean path or tRPC's stock
// adapter. Feature-blind: the router, the context factories, the encoder and the response headers
// are handed in (trpc/endpoints.ts builds them from the app's dependencies).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyTRPCRouter, TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { applyServerHeaders, type HeaderLines, type RouteHandler, type UpgradeHandler } from '../http/routes';
import { createFastTrpcHttpHandler } from './fast-http';
import { capBufferedBytes, limitMessageRate, TRPC_MESSAGE_RATE } from './connection-limits';
import { createFastTrpcWsHandler, type WsEncoder } from './fast-ws';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_WS_MESSAGE_BYTES = 256 * 1024;

type ErrorReport = { error: TRPCError; path: string | undefined };

export type TrpcHttpOptions<TContext> = {
  router: AnyTRPCRouter;
  /** 'stock' serves every call with tRPC's own adapter (PARLEY_TRPC_HTTP=stock). */
  path: 'fast' | 'stock';
  maxBodySize?: number;
  /** Calls in one batch (more: BAD_REQUEST "Batch call exceeds maximum size"). */
  maxBatchCalls: number;
  createContext(req: IncomingMessage, res: ServerResponse): TContext | Promise<TContext>;
  /** Headers of the answer (Set-Cookie, Retry-After ...) as name, value, name, value ... */
  responseHeaders(ctx: TContext | undefined, errors: TRPCError[]): HeaderLines;
  onError(report: ErrorReport): void;
};

/** /trpc/*: the lean path (fast-http.ts) in front of the stock adapter, unless path is 'stock'. */
export function createTrpcHttpRoute<TContext>(options: TrpcHttpOptions<TContext>): RouteHandler {
  const maxBodySize = options.maxBodySize ?? MAX_BODY_BYTES;
  const handler = createHTTPHandler({
    router: options.router,
    basePath: '/trpc/',
    maxBodySize,
    maxBatchSize: options.maxBatchCalls,
    allowMethodOverride: false,
    createContext: ({ req, res }) => options.createContext(req, res),
    responseMeta: ({ ctx, errors }) => ({ headers: headerRecord(options.responseHeaders(ctx as TContext | undefined, errors)) }),
    onError: options.onError,
  });
  // Mounted with { writesHead: true }: the stock adapter sets its headers one by one, so the server's go first.
  const stock: RouteHandler = (req, res) => {
    applyServerHeaders(res);
    return handler(req, res);
  };
  if (options.path === 'stock') return stock;
  return createFastTrpcHttpHandler<TContext>({
    router: options.router,
    basePath: '/trpc/',
    maxBodyBytes: maxBodySize,
    maxBatchCalls: options.maxBatchCalls,
    createContext: options.createContext,
    responseHeaders: options.responseHeaders,
    onError: options.onError,
    fallback: stock,
  });
}

/** Header lines as the stock adapter's responseMeta wants them. */
function headerRecord(lines: HeaderLines): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < lines.length; i += 2) headers[lines[i] as string] = lines[i + 1]!;
  return headers;
}

const KEEP_ALIVE = { pingMs: 30_000, pongWaitMs: 10_000 };

export type TrpcWebSocketOptions<TContext> = {
  router: AnyTRPCRouter;
  /** 'stock' serves /trpc WebSockets with tRPC's applyWSSHandler (PARLEY_TRPC_WS=stock). */
  path: 'fast' | 'stock';
  /** Encodes every outgoing message (a feature may splice pre-serialized frames in). */
  encoder: WsEncoder;
  /** Calls per message, and bytes of replies a client may leave unread (fast-ws-connection.ts). */
  limits: { maxBatchCalls: number; maxBufferedBytes: number };
  /** A connection closed for a limit (a metric). */
  onCutOff(reason: 'calls' | 'not-reading'): void;
  createContext(req: IncomingMessage, socket: WebSocket, connectionParams: Record<string, string> | null): Promise<TContext>;
  /** The lean handler only: a subscription's context given its replies' prefix (see WsEncoder.replyPrefix). */
  withReplyPrefix?(ctx: TContext, replyPrefix: string): TContext;
  onError(report: ErrorReport): void;
  /** A connection opened: returns a label (a request id) handed back to onClose. */
  onOpen(req: IncomingMessage): string;
  /** userId: the caller once the connection authenticated (read from the context or the request). */
  onClose(label: string, code: number, ctx: TContext | undefined, openedAt: number, req: IncomingMessage | null): void;
};

export type TrpcWebSocket = { upgrade: UpgradeHandler; wss: WebSocketServer; broadcastReconnect(): void };

/** /trpc upgrades: the lean handler (fast-ws.ts), or tRPC's stock adapter when path is 'stock'. */
export function createTrpcWebSocket<TContext>(options: TrpcWebSocketOptions<TContext>): TrpcWebSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  if (options.path === 'stock') return createStockTrpcWebSocket(options, wss);
  const handler = createFastTrpcWsHandler<TContext>({
    wss,
    router: options.router,
    encoder: options.encoder,
    keepAlive: KEEP_ALIVE,
    messageRate: TRPC_MESSAGE_RATE,
    limits: options.limits,
    onCutOff: options.onCutOff,
    createContext: options.createContext,
    withReplyPrefix: options.withReplyPrefix,
    onError: options.onError,
    onOpen: options.onOpen,
    onClose: (label, code, ctx, openedAt) => options.onClose(label, code, ctx, openedAt, null),
  });
  return {
    wss,
    broadcastReconnect: () => handler.broadcastReconnectNotification(),
    upgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
  };
}

function createStockTrpcWebSocket<TContext>(options: TrpcWebSocketOptions<TContext>, wss: WebSocketServer): TrpcWebSocket {
  const handler = applyWSSHandler({
    wss,
    router: options.router,
    experimental_encoder: options.encoder,
    maxBatchSize: options.limits.maxBatchCalls,
    keepAlive: { enabled: true, ...KEEP_ALIVE },
    createContext: ({ req, res, info }) => options.createContext(req, res, (info.connectionParams as Record<string, string> | null) ?? null),
    onError: options.onError,
  });
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const openedAt = Date.now();
    const label = options.onOpen(req);
    socket.once('close', (code) => options.onClose(label, code, undefined, openedAt, req));
  });
  return {
    wss,
    broadcastReconnect: () => handler.broadcastReconnectNotification(),
    upgrade: (req: IncomingMessage, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        limitMessageRate(ws, options.onCutOff); // before tRPC's own listener, so it sees the message first
        capBufferedBytes(ws, options.limits.maxBufferedBytes, () => options.onCutOff('not-reading'));
        wss.emit('connection', ws, req);
      });
    },
  };
}
