// Per-request facts for the access log, kept beside the request instead of threaded through
// every layer: the HTTP server assigns the request id, the tRPC context notes who is calling.
// WeakMaps keyed by the IncomingMessage: nothing to clean up, nothing on the hot path but a lookup.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const requestIds = new WeakMap<IncomingMessage, string>();
const requestUsers = new WeakMap<IncomingMessage, string>();

/** The caller's X-Request-Id (trimmed to 64 characters) or a new UUID; stable for the request. */
export function requestIdOf(req: IncomingMessage): string {
  let id = requestIds.get(req);
  if (!id) {
    const given = req.headers['x-request-id'];
    id = (typeof given === 'string' && given.slice(0, 64)) || randomUUID();
    requestIds.set(req, id);
  }
  return id;
}

/** Called once a request (or WebSocket upgrade) is authenticated. */
export function noteRequestUser(req: IncomingMessage, userId: string): void {
  requestUsers.set(req, userId);
}

export function requestUserOf(req: IncomingMessage): string | undefined {
  return requestUsers.get(req);
}
