// Per-request facts for the access log, kept beside the request instead of threaded through
// every layer: the HTTP server assigns the request id, the tRPC context notes who is calling.
// Symbol-keyed fields on the IncomingMessage: nothing to clean up, and (unlike a WeakMap, whose
// entries the garbage collector must trace as ephemerons) nothing for the collector to do either.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { AppDeps } from '../deps';

const REQUEST_ID = Symbol('parley.requestId');
const REQUEST_USER = Symbol('parley.requestUser');
type Noted = IncomingMessage & { [REQUEST_ID]?: string; [REQUEST_USER]?: string };

/**
 * New ids: a random prefix per process and a counter, e.g. "k3v9x2qa-1f" (unique across
 * instances and restarts without a random draw per request).
 */
const ID_PREFIX = `${randomBytes(5).toString('hex')}-`;
let idCounter = 0;

/** The caller's X-Request-Id (trimmed to 64 characters) or a new one; stable for the request. */
export function requestIdOf(req: IncomingMessage): string {
  let id = (req as Noted)[REQUEST_ID];
  if (!id) {
    const given = req.headers['x-request-id'];
    id = (typeof given === 'string' && given.slice(0, 64)) || ID_PREFIX + (++idCounter).toString(36);
    (req as Noted)[REQUEST_ID] = id;
  }
  return id;
}

/** Called once a request (or WebSocket upgrade) is authenticated. */
export function noteRequestUser(req: IncomingMessage, userId: string): void {
  (req as Noted)[REQUEST_USER] = userId;
}

export function requestUserOf(req: IncomingMessage): string | undefined {
  return (req as Noted)[REQUEST_USER];
}

/** Counts an open WebSocket in parley_ws_connections and logs its open and close (with user and duration). */
export function trackWebSocket(
  deps: Pick<AppDeps, 'metrics' | 'logger'>,
  socket: WebSocket,
  req: IncomingMessage,
  route: string,
): void {
  const opened = Date.now();
  const requestId = noteWebSocketOpen(deps, req, route);
  socket.once('close', (code) => {
    // The user is known only once the connection authenticated.
    noteWebSocketClosed(deps, route, requestId, code, requestUserOf(req), opened);
  });
}

/** The open half of trackWebSocket, for handlers that keep the request id themselves (and not the request). */
export function noteWebSocketOpen(deps: Pick<AppDeps, 'metrics' | 'logger'>, req: IncomingMessage, route: string): string {
  const requestId = requestIdOf(req);
  deps.metrics.wsConnections.inc({ path: route });
  deps.logger.info({ requestId, route, ws: 'open' }, 'websocket open');
  return requestId;
}

export function noteWebSocketClosed(
  deps: Pick<AppDeps, 'metrics' | 'logger'>,
  route: string,
  requestId: string,
  code: number,
  userId: string | undefined,
  opened: number,
): void {
  deps.metrics.wsConnections.dec({ path: route });
  deps.logger.info({ requestId, route, ws: 'close', code, userId, ms: Date.now() - opened }, 'websocket closed');
}
