// tRPC over HTTP (/trpc/*) and over WebSocket (/trpc upgrade), each on a lean path or tRPC's stock adapter.
import type { IncomingMessage } from 'node:http';
import type { AnyTRPCRouter, TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { noteWebSocketClosed, noteWebSocketOpen, trackWebSocket } from '../observability/request-log';
import type { AppDeps } from '../deps';
import { findAppError } from '../errors';
import { applyServerHeaders, type HeaderLines, type RouteHandler, type UpgradeHandler } from '../http/routes';
import { type Context, createHttpContext, createWsContext } from '../trpc/context';
import { createFastTrpcHttpHandler } from './fast-http';
import { appRouter } from '../trpc/router';
import { roomFrameEncoder } from '../rooms/frames';
import { capBufferedBytes, limitMessageRate, TRPC_MESSAGE_RATE } from './connection-limits';
import { createFastTrpcWsHandler } from './fast-ws';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_WS_MESSAGE_BYTES = 256 * 1024;

function logUnexpected(deps: AppDeps, error: { code: string; cause?: unknown; message: string }, path: string | undefined) {
  if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: error.cause ?? error, path }, 'procedure failed');
}

const NO_HEADERS: HeaderLines = [];

/** Set-Cookie, headers a procedure asked for, and Retry-After for throttled calls; name, value, ... */
function responseHeaderLines(ctx: Context | undefined, errors: TRPCError[]): HeaderLines {
  let lines = NO_HEADERS;
  const add = (name: string, value: string | string[]) => (lines === NO_HEADERS ? (lines = [name, value]) : lines.push(name, value));
  if (ctx) for (const name in ctx.responseHeaders) add(name, ctx.responseHeaders[name]!);
  if (ctx?.responseCookies.length) add('set-cookie', ctx.responseCookies);
  for (const error of errors) {
    const retryAfter = findAppError(error)?.retryAfterSeconds;
    if (retryAfter === undefined) continue;
    add('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
    break;
  }
  return lines;
}

/** The same, as the stock adapter's responseMeta wants them. */
function responseHeadersOf(ctx: Context | undefined, errors: TRPCError[]): Record<string, string | string[]> {
  const lines = responseHeaderLines(ctx, errors);
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < lines.length; i += 2) headers[lines[i] as string] = lines[i + 1]!;
  return headers;
}

/**
 * /trpc/*: the lean path (fast-http.ts) in front of the stock adapter, unless PARLEY_TRPC_HTTP=stock.
 * maxBodySize: larger for the binary upload procedures, which get a route of their own.
 */
export function createTrpcHttpRoute(
  deps: AppDeps,
  options: { router?: AnyTRPCRouter; maxBodySize?: number } = {},
): RouteHandler {
  const router = options.router ?? appRouter;
  const handler = createHTTPHandler({
    router,
    basePath: '/trpc/',
    maxBodySize: options.maxBodySize ?? MAX_BODY_BYTES,
    maxBatchSize: deps.config.transportLimits.maxBatchCalls,
    allowMethodOverride: false,
    createContext: ({ req, res }) => createHttpContext(deps, req, res),
    responseMeta: ({ ctx, errors }) => ({ headers: responseHeadersOf(ctx as Context | undefined, errors) }),
    onError: ({ error, path }) => logUnexpected(deps, error, path),
  });
  // Mounted with { writesHead: true } (app.ts): the stock adapter sets its headers one by one, so the server's go first.
  const stock: RouteHandler = (req, res) => {
    applyServerHeaders(res);
    return handler(req, res);
  };
  if (deps.config.trpcHttp === 'stock') return stock;
  return createFastTrpcHttpHandler<Context>({
    router,
    basePath: '/trpc/',
    maxBodyBytes: options.maxBodySize ?? MAX_BODY_BYTES,
    maxBatchCalls: deps.config.transportLimits.maxBatchCalls,
    createContext: (req, res) => createHttpContext(deps, req, res),
    responseHeaders: responseHeaderLines,
    onError: ({ error, path }) => logUnexpected(deps, error, path),
    fallback: stock,
  });
}

const KEEP_ALIVE = { pingMs: 30_000, pongWaitMs: 10_000 };

type TrpcWebSocket = { upgrade: UpgradeHandler; wss: WebSocketServer; broadcastReconnect(): void };

/** /trpc upgrades: the lean handler (fast-ws.ts), or tRPC's stock adapter when PARLEY_TRPC_WS=stock. */
export function createTrpcWebSocket(deps: AppDeps, options: { router?: AnyTRPCRouter } = {}): TrpcWebSocket {
  const router = options.router ?? appRouter;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  if (deps.config.trpcWs === 'stock') return createStockTrpcWebSocket(deps, wss, router);
  const handler = createFastTrpcWsHandler<Context>({
    wss,
    router,
    // Room events are spliced in pre-serialized (one JSON.stringify per room event); the rest is JSON.
    encoder: roomFrameEncoder,
    keepAlive: KEEP_ALIVE,
    messageRate: TRPC_MESSAGE_RATE,
    limits: { maxBatchCalls: deps.config.transportLimits.maxBatchCalls, maxBufferedBytes: deps.config.transportLimits.wsMaxBufferedBytes },
    onCutOff: (reason) => deps.metrics.wsCutOff.inc({ reason }),
    createContext: (req, socket, connectionParams) => createWsContext(deps, req, socket, connectionParams),
    onError: ({ error, path }) => logUnexpected(deps, error, path),
    onOpen: (req) => noteWebSocketOpen(deps, req, '/trpc'),
    onClose: (requestId, code, ctx, opened) => noteWebSocketClosed(deps, '/trpc', requestId, code, ctx?.user?.id, opened),
  });
  return {
    wss,
    broadcastReconnect: () => handler.broadcastReconnectNotification(),
    upgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
  };
}

function createStockTrpcWebSocket(deps: AppDeps, wss: WebSocketServer, router: AnyTRPCRouter): TrpcWebSocket {
  const handler = applyWSSHandler({
    wss,
    router,
    // JSON like tRPC's default; room events are spliced in pre-serialized (one JSON.stringify per room event).
    experimental_encoder: roomFrameEncoder,
    maxBatchSize: deps.config.transportLimits.maxBatchCalls,
    keepAlive: { enabled: true, ...KEEP_ALIVE },
    createContext: ({ req, res, info }) => createWsContext(deps, req, res, (info.connectionParams as Record<string, string> | null) ?? null),
    onError: ({ error, path }) => logUnexpected(deps, error, path),
  });
  wss.on('connection', (socket, req: IncomingMessage) => trackWebSocket(deps, socket, req, '/trpc'));
  return {
    wss,
    broadcastReconnect: () => handler.broadcastReconnectNotification(),
    upgrade: (req: IncomingMessage, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        limitMessageRate(ws); // before tRPC's own listener, so it sees the message first
        capBufferedBytes(ws, deps.config.transportLimits.wsMaxBufferedBytes, () => deps.metrics.wsCutOff.inc({ reason: 'not-reading' }));
        wss.emit('connection', ws, req);
      });
    },
  };
}
