// The tRPC context: the server's dependencies, who is calling and how, and what to add to the response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { noteRequestUser } from '../observability/request-log';
import type { AppDeps } from '../deps';
import { isDatabaseUnavailable } from '../db/client';
import { AppError, toTRPCError } from '../errors';
import { findRequestToken, readProtocolToken, readRequestInfo, type RequestInfo, type TokenSource } from '../auth/request';
import { readSessionCookie } from '../auth/cookies';
import { type Session, sessionPolicyOf, type User } from '../auth/session';

export type Context = {
  deps: AppDeps;
  request: RequestInfo;
  transport: 'http' | 'ws';
  session: Session | null;
  user: User | null;
  tokenSource: TokenSource | null;
  /** HTTP only: Set-Cookie values and headers for the response. */
  responseCookies: string[];
  responseHeaders: Record<string, string>;
  /** HTTP only: the request's headers (binary uploads carry their metadata in them). */
  requestHeaders?: IncomingMessage['headers'];
  /** WebSocket only: the connection the call arrived on. */
  socket?: WebSocket;
};

async function authenticate(deps: AppDeps, found: { token: string; source: TokenSource } | null) {
  if (!found) return { session: null, user: null, tokenSource: null };
  let result;
  try {
    result = await deps.sessionCache.validate(deps.db, sessionPolicyOf(deps.config), found.token);
  } catch (error) {
    // Context errors bypass the procedure middlewares: name a database outage here.
    if (isDatabaseUnavailable(error)) throw toTRPCError(new AppError('DATABASE_UNAVAILABLE', { cause: error }));
    throw error;
  }
  return { ...result, tokenSource: result.session ? found.source : null };
}

export async function createHttpContext(deps: AppDeps, req: IncomingMessage, _res?: ServerResponse): Promise<Context> {
  const auth = await authenticate(deps, findRequestToken(req));
  if (auth.user) noteRequestUser(req, auth.user.id);
  return {
    deps,
    request: readRequestInfo(req, deps.config),
    transport: 'http',
    ...auth,
    responseCookies: [],
    responseHeaders: {},
    requestHeaders: req.headers,
  };
}

export async function createWsContext(
  deps: AppDeps,
  req: IncomingMessage,
  socket: WebSocket,
  connectionParams: Record<string, string> | null,
): Promise<Context> {
  const paramToken = typeof connectionParams?.token === 'string' && connectionParams.token ? connectionParams.token : null;
  const protocolToken = readProtocolToken(req);
  const cookieToken = readSessionCookie(req.headers.cookie);
  const found = paramToken
    ? { token: paramToken, source: 'connection-params' as const }
    : protocolToken
      ? { token: protocolToken, source: 'protocol' as const }
      : cookieToken
        ? { token: cookieToken, source: 'cookie' as const }
        : null;
  const auth = await authenticate(deps, found);
  if (auth.user) noteRequestUser(req, auth.user.id);
  if (auth.session) deps.sockets.trackUntilClosed(auth.session.id, socket);
  return { deps, request: readRequestInfo(req, deps.config), transport: 'ws', ...auth, responseCookies: [], responseHeaders: {}, socket };
}
