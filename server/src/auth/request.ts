// Where a session token travels: the cookie, Authorization: Bearer, and on WebSockets the
// connectionParams token or Sec-WebSocket-Protocol "bearer, <token>". Never a URL.
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';
import { readSessionCookie } from './cookies';

export type TokenSource = 'bearer' | 'cookie' | 'connection-params' | 'protocol';
export type FoundToken = { token: string; source: TokenSource } | null;

export function readBearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Bearer wins over the cookie: a CLI that happens to hold a cookie jar still says who it is. */
export function findRequestToken(req: IncomingMessage): FoundToken {
  const bearer = readBearer(req.headers.authorization);
  if (bearer) return { token: bearer, source: 'bearer' };
  const cookie = readSessionCookie(req.headers.cookie);
  return cookie ? { token: cookie, source: 'cookie' } : null;
}

/** Sec-WebSocket-Protocol: "bearer, <token>" (browsers can't set headers on WebSockets). */
export function readProtocolToken(req: IncomingMessage): string | null {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return null;
  const parts = header.split(',').map((p) => p.trim());
  const index = parts.findIndex((p) => p.toLowerCase() === 'bearer');
  return index >= 0 && parts[index + 1] ? parts[index + 1]! : null;
}

export type RequestInfo = {
  ip: string | null;
  userAgent: string | null;
  origin: string | null;
  secFetchSite: string | null;
};

export function readRequestInfo(req: IncomingMessage, config: Config): RequestInfo {
  let ip = req.socket.remoteAddress ?? null;
  if (config.trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) ip = first;
  }
  if (ip?.startsWith('::ffff:')) ip = ip.slice(7);
  const ua = req.headers['user-agent'];
  return {
    ip,
    userAgent: ua ? ua.slice(0, 512) : null,
    origin: typeof req.headers.origin === 'string' ? req.headers.origin : null,
    secFetchSite: typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : null,
  };
}
