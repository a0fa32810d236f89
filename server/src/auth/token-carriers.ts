// Where a session token travels, and the one place that finds it: Authorization: Bearer, the
// parley_session cookie, tRPC's connectionParams { token }, Sec-WebSocket-Protocol "bearer, <token>"
// and the first message of /ws/record {"token": ...}. Never a URL. Each entry point names the
// carriers it accepts, in the order they win.
import type { IncomingHttpHeaders } from 'node:http';
import { readSessionCookie } from './cookies';

export type TokenSource = 'bearer' | 'cookie' | 'connection-params' | 'protocol' | 'first-message';
export type FoundToken = { token: string; source: TokenSource } | null;

/** What a token may be carried in: the request's headers, and on WebSockets what the client sent first. */
export type TokenCarriers = {
  headers: IncomingHttpHeaders;
  connectionParams?: Record<string, unknown> | null;
  firstMessage?: Record<string, unknown> | null;
};

/** HTTP: bearer wins over the cookie, so a CLI that happens to hold a cookie jar still says who it is. */
export const HTTP_CARRIERS = ['bearer', 'cookie'] as const satisfies readonly TokenSource[];
/** /trpc WebSockets: what the client chose to send wins over the cookie the browser adds. */
export const TRPC_WS_CARRIERS = ['connection-params', 'protocol', 'cookie'] as const satisfies readonly TokenSource[];
/** /ws/record: the subprotocol at the upgrade, else {"token"} as the first message. */
export const RECORD_UPGRADE_CARRIERS = ['protocol'] as const satisfies readonly TokenSource[];
export const RECORD_MESSAGE_CARRIERS = ['first-message'] as const satisfies readonly TokenSource[];

export function readBearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Sec-WebSocket-Protocol: "bearer, <token>" (browsers can't set headers on WebSockets). */
export function readProtocolToken(header: string | undefined): string | null {
  if (!header) return null;
  const parts = header.split(',').map((p) => p.trim());
  const index = parts.findIndex((p) => p.toLowerCase() === 'bearer');
  return index >= 0 && parts[index + 1] ? parts[index + 1]! : null;
}

function stringToken(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

const READERS: Readonly<Record<TokenSource, (carriers: TokenCarriers) => string | null>> = {
  bearer: ({ headers }) => readBearer(headers.authorization),
  cookie: ({ headers }) => readSessionCookie(headers.cookie),
  'connection-params': ({ connectionParams }) => stringToken(connectionParams?.token),
  protocol: ({ headers }) => readProtocolToken(headers['sec-websocket-protocol']),
  'first-message': ({ firstMessage }) => stringToken(firstMessage?.token),
};

/** The token of the first carrier in order that holds one, and which carrier it was. */
export function findSessionToken(carriers: TokenCarriers, order: readonly TokenSource[]): FoundToken {
  for (const source of order) {
    const token = READERS[source](carriers);
    if (token) return { token, source };
  }
  return null;
}
