// GET /api/rooms/{roomId}/events and /api/recordings/{id}/events: the subscriptions rooms.events
// and recordings.events as server-sent events, for clients without a tRPC client (curl -N, Python,
// EventSource). The same procedures run, so replay, ordering and no-gap/no-duplicate are the
// WebSocket's: `id:` is the event id, Last-Event-ID (or ?lastEventId=) resumes after it. A revoked
// session ends the stream with `event: end` and key SESSION_REVOKED (the WebSocket's 4401).
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTrackedEnvelope } from '@trpc/server';
import { getErrorShape, getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import type { AppDeps } from '../deps';
import { AppError, closeCodes, type ErrorBody, type ErrorKey } from '../errors';
import { sendAppError } from '../http/error-response';
import type { RequestUrl } from '../http/routes';
import { createHttpContext, type Context } from '../trpc/context';
import { createCallerFactory } from '../trpc/init';
import { appRouter } from '../trpc/router';

/** Idle streams get a comment this often, so proxies and clients don't time them out. */
export const KEEP_ALIVE_MS = 15_000;
/** What EventSource waits before reconnecting by itself. */
const RETRY_MS = 2_000;

type StreamRoute = {
  pattern: RegExp;
  procedure: 'rooms.events' | 'recordings.events';
  input(match: RegExpExecArray, url: RequestUrl, req: IncomingMessage): Record<string, unknown>;
  /** The first event is the current state and comes at once: wait for it so errors answer as JSON. */
  awaitFirst: boolean;
};

const STREAM_ROUTES: StreamRoute[] = [
  {
    pattern: /^\/rooms\/([^/]+)\/events\/?$/,
    procedure: 'rooms.events',
    input: (match, url, req) => {
      const header = req.headers['last-event-id'];
      const lastEventId = (typeof header === 'string' && header) || url.searchParams.get('lastEventId') || undefined;
      return { roomId: decodeURIComponent(match[1]!), lastEventId };
    },
    awaitFirst: false,
  },
  {
    pattern: /^\/recordings\/([^/]+)\/events\/?$/,
    procedure: 'recordings.events',
    input: (match) => ({ id: decodeURIComponent(match[1]!) }),
    awaitFirst: true,
  },
];

const createCaller = createCallerFactory(appRouter);

export function findStreamRoute(path: string): { route: StreamRoute; match: RegExpExecArray } | null {
  for (const route of STREAM_ROUTES) {
    const match = route.pattern.exec(path);
    if (match) return { route, match };
  }
  return null;
}

function errorBodyOfUnknown(cause: unknown, ctx: Context | undefined, path: string): { status: number; body: ErrorBody; retryAfter?: number } {
  const error = getTRPCErrorFromUnknown(cause instanceof URIError ? new AppError('INVALID_INPUT', { message: 'Bad path encoding' }) : cause);
  const shape = getErrorShape({ config: appRouter._def._config, error, type: 'subscription', path, input: undefined, ctx });
  const data = shape.data as unknown as { code: ErrorBody['code']; httpStatus: number; key?: ErrorKey; issues?: ErrorBody['issues']; retryAfter?: number };
  return {
    status: data.httpStatus,
    body: { message: shape.message, code: data.code, ...(data.key ? { key: data.key } : {}), ...(data.issues ? { issues: data.issues } : {}) },
    retryAfter: data.retryAfter,
  };
}

/** Room frames carry prepared JSON behind toJSON(): read the event as the client will see it. */
function plainEvent(data: unknown): { type?: string } {
  const withJson = data as { toJSON?: () => unknown } | null;
  return (typeof withJson?.toJSON === 'function' ? withJson.toJSON() : data) as { type?: string };
}

function eventText(value: unknown): string {
  const [id, data] = isTrackedEnvelope(value) ? [value[0], value[1]] : [null, value];
  const event = plainEvent(data);
  return `${id === null ? '' : `id: ${id}\n`}event: ${event?.type ?? 'message'}\ndata: ${JSON.stringify(event)}\n\n`;
}

export async function serveEventStream(deps: AppDeps, req: IncomingMessage, res: ServerResponse, url: RequestUrl, found: { route: StreamRoute; match: RegExpExecArray }): Promise<void> {
  if (req.method !== 'GET') return sendAppError(res, new AppError('METHOD_NOT_ALLOWED', { message: 'Use GET' }), { allow: 'GET' });
  const { route, match } = found;
  const abort = new AbortController();
  res.on('close', () => abort.abort());

  let ctx: Context | undefined;
  let iterator: AsyncIterator<unknown>;
  let first: IteratorResult<unknown> | undefined;
  try {
    const input = route.input(match, url, req);
    ctx = await createHttpContext(deps, req, res);
    const caller = createCaller(ctx, { signal: abort.signal }) as unknown as Record<string, Record<string, (input: unknown) => Promise<AsyncIterable<unknown>>>>;
    const [feature, name] = route.procedure.split('.') as [string, string];
    const iterable = await caller[feature]![name]!(input);
    iterator = iterable[Symbol.asyncIterator]();
    if (route.awaitFirst) first = await iterator.next();
  } catch (cause) {
    const { status, body, retryAfter } = errorBodyOfUnknown(cause, ctx, route.procedure);
    if (status >= 500 && body.code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: cause, path: route.procedure }, 'event stream failed to open');
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...(retryAfter !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(retryAfter))) } : {}) });
    return void res.end(json);
  }

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(`retry: ${RETRY_MS}\n: connected\n\n`);
  let ended = false;
  const end = (reason: { reason: string; code?: number; key?: ErrorKey; message?: string }) => {
    if (ended) return;
    ended = true;
    if (!res.writableEnded && !res.destroyed) res.end(`event: end\ndata: ${JSON.stringify(reason)}\n\n`);
    abort.abort();
  };
  // Revocation on any instance reaches this registry: end the stream as a WebSocket gets 4401.
  const session = ctx.session;
  const closable = { close: (_code?: number, message?: string) => end({ reason: 'session-ended', code: closeCodes.SESSION_REVOKED, key: 'SESSION_REVOKED', message: message || 'Your session has ended; sign in again' }) };
  const untrack = session ? deps.sockets.track(session.id, closable) : () => {};
  // A server going down says so, as its WebSockets get 1012: the client reconnects (to another instance) and resumes.
  const restart = () => end({ reason: 'restarting', code: closeCodes.SERVICE_RESTART, message: 'Server restarting; reconnect and resume' });
  deps.shutdownSignal.addEventListener('abort', restart, { once: true });
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  try {
    let next = first ?? (await iterator.next());
    while (!next.done && !ended) {
      if (!res.write(eventText(next.value))) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      if (ended || res.destroyed) break;
      next = await iterator.next();
    }
    end({ reason: 'finished' });
  } catch (cause) {
    if (!ended) {
      const { body } = errorBodyOfUnknown(cause, ctx, route.procedure);
      end({ reason: 'error', ...(body.key ? { key: body.key } : {}), message: body.message });
    }
  } finally {
    clearInterval(keepAlive);
    deps.shutdownSignal.removeEventListener('abort', restart);
    untrack();
    await iterator.return?.(undefined).catch(() => {});
  }
}
