// Parley's tRPC endpoints: the feature-blind transport (transport/trpc-endpoints.ts) given the app
// router, the context factories, the room frame encoder and the headers a call asks for.
import type { AnyTRPCRouter, TRPCError } from '@trpc/server';
import type { AppDeps } from '../deps';
import { findAppError } from '../errors';
import type { HeaderLines, RouteHandler } from '../http/routes';
import { noteWebSocketClosed, noteWebSocketOpen, requestUserOf } from '../observability/request-log';
import { roomFrameEncoder } from '../rooms/frames';
import { createTrpcHttpRoute as createHttpRoute, createTrpcWebSocket as createWebSocket, type TrpcWebSocket } from '../transport/trpc-endpoints';
import { type Context, createHttpContext, createWsContext } from './context';
import { appRouter } from './router';

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

/** /trpc/*; maxBodySize: larger for the binary upload procedures, which get a route of their own. */
export function createTrpcHttpRoute(deps: AppDeps, options: { router?: AnyTRPCRouter; maxBodySize?: number } = {}): RouteHandler {
  return createHttpRoute<Context>({
    router: options.router ?? appRouter,
    path: deps.config.trpcHttp,
    maxBodySize: options.maxBodySize,
    maxBatchCalls: deps.config.transportLimits.maxBatchCalls,
    createContext: (req, res) => createHttpContext(deps, req, res),
    responseHeaders: responseHeaderLines,
    onError: ({ error, path }) => logUnexpected(deps, error, path),
  });
}

/** /trpc upgrades. */
export function createTrpcWebSocket(deps: AppDeps, options: { router?: AnyTRPCRouter } = {}): TrpcWebSocket {
  return createWebSocket<Context>({
    router: options.router ?? appRouter,
    path: deps.config.trpcWs,
    // Room events are spliced in pre-serialized (one JSON.stringify per room event); the rest is JSON.
    encoder: roomFrameEncoder,
    limits: { maxBatchCalls: deps.config.transportLimits.maxBatchCalls, maxBufferedBytes: deps.config.transportLimits.wsMaxBufferedBytes },
    onCutOff: (reason) => deps.metrics.wsCutOff.inc({ reason }),
    createContext: (req, socket, connectionParams) => createWsContext(deps, req, socket, connectionParams),
    // A subscription that knows its replies' prefix from the start writes even its first event itself.
    withReplyPrefix: (ctx, subscriptionReplyPrefix) => ({ ...ctx, subscriptionReplyPrefix }),
    onError: ({ error, path }) => logUnexpected(deps, error, path),
    onOpen: (req) => noteWebSocketOpen(deps, req, '/trpc'),
    onClose: (requestId, code, ctx, opened, req) =>
      noteWebSocketClosed(deps, '/trpc', requestId, code, ctx?.user?.id ?? (req ? requestUserOf(req) : undefined), opened),
  });
}
