// The tRPC context: the server's dependencies, who is calling and how, and what to add to the response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { noteRequestUser } from '../observability/request-log';
import type { AppDeps } from '../deps';
import { isDatabaseUnavailable } from '../db/client';
import { AppError, toTRPCError } from '../errors';
import { readRequestInfo, type RequestInfo } from '../auth/request';
import { type FoundToken, findSessionToken, HTTP_CARRIERS, type TokenSource, TRPC_WS_CARRIERS } from '../auth/token-carriers';
import type { Session, SessionValidation, User } from '../auth/session';

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
  /** WebSocket subscriptions only: the text each of its replies starts with (the encoder's replyPrefix). */
  subscriptionReplyPrefix?: string;
};

const ANONYMOUS: SessionValidation = { session: null, user: null };

/** The session of a token: at once from the session cache, else after a lookup. */
function validate(deps: AppDeps, found: { token: string } | null): SessionValidation | Promise<SessionValidation> {
  if (!found) return ANONYMOUS;
  const validation = deps.sessionCache.validate(found.token);
  return validation instanceof Promise ? validation.catch(nameOutage) : validation;
}

/** Context errors bypass the procedure middlewares: name a database outage here. */
function nameOutage(error: unknown): never {
  if (isDatabaseUnavailable(error)) throw toTRPCError(new AppError('DATABASE_UNAVAILABLE', { cause: error }));
  throw error;
}

/** The context of an HTTP call: at once when the session cache knows the token (or there is none). */
export function createHttpContext(deps: AppDeps, req: IncomingMessage, _res?: ServerResponse): Context | Promise<Context> {
  const found = findSessionToken(req, HTTP_CARRIERS);
  const validation = validate(deps, found);
  return validation instanceof Promise ? validation.then((v) => httpContext(deps, req, found, v)) : httpContext(deps, req, found, validation);
}

function httpContext(deps: AppDeps, req: IncomingMessage, found: FoundToken, { session, user }: SessionValidation): Context {
  if (user) noteRequestUser(req, user.id);
  return {
    deps,
    request: readRequestInfo(req, deps.config),
    transport: 'http',
    session,
    user,
    tokenSource: session ? found!.source : null,
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
  const found = findSessionToken({ headers: req.headers, connectionParams }, TRPC_WS_CARRIERS);
  const { session, user } = await validate(deps, found);
  if (user) noteRequestUser(req, user.id);
  if (session) deps.sockets.trackUntilClosed(session.id, socket);
  const tokenSource = session ? found!.source : null;
  return { deps, request: readRequestInfo(req, deps.config), transport: 'ws', session, user, tokenSource, responseCookies: [], responseHeaders: {}, socket };
}
