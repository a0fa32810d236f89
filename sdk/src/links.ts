// createParleyLinks: the tRPC links every Parley client needs — the session link (keeps the token
// of sign-ins, forgets it on sign-out, reports an ended session), batched HTTP, and one lazy
// WebSocket for subscriptions that reconnects with backoff and resumes tracked events from the last
// id. createParleyClient uses them; so can any tRPC integration (e.g. @trpc/tanstack-react-query).
import { createWSClient, httpBatchLink, httpLink, isNonJsonSerializable, splitLink, wsLink, type TRPCLink } from '@trpc/client';
import { backoffDelay } from './backoff';
import { closeCodes } from './close-codes.generated';
import type { AppRouter } from './router.generated';
import { sessionLink, type SessionExpiredEvent } from './session-link';
import { deferredWebSocketClass, toWebSocketUrl, type WebSocketClass } from './websocket';

/** Close code the server uses when it ends a socket because its session was revoked. */
export const CLOSE_SESSION_REVOKED = closeCodes.SESSION_REVOKED;

export type ParleyLinksOptions = {
  /** The server's base URL, e.g. http://localhost:3000. */
  url: string;
  /** A session token to start with (from a previous sign-in, or PARLEY_TOKEN). */
  token?: string | null;
  /** Asked for the token before each request when the client holds none itself (e.g. read from storage). */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Called whenever sign-in, sign-out or setToken changes the token: persist it here. */
  onTokenChange?: (token: string | null) => void;
  /** The session ended: UNAUTHORIZED on a call that carried a token, or its sockets closed with 4401. */
  onSessionExpired?: (event: SessionExpiredEvent) => void;
  /** WebSocket class for runtimes without one (Node 20 uses `ws` on its own when installed). */
  WebSocket?: WebSocketClass;
  fetch?: typeof fetch;
  /** Extra headers on every HTTP request. */
  headers?: Record<string, string>;
  /** Delay before the WebSocket reconnect attempt n (default: exponential backoff with jitter). */
  retryDelayMs?: (attempt: number) => number;
};

export type ConnectionState = 'idle' | 'connecting' | 'pending';

export type ParleyLinks = {
  /** Pass to createTRPCClient<AppRouter>({ links }) (or your framework's tRPC client). */
  links: TRPCLink<AppRouter>[];
  /** The server's base URL, without a trailing slash. */
  url: string;
  /** The token the links hold (set by sign-in procedures and setToken), if any. */
  readonly token: string | null;
  setToken(token: string | null): void;
  /** The token calls carry now: the one held, else what getToken gives. */
  currentToken(): Promise<string | null>;
  /** Follows the WebSocket's state ('pending' = connected); returns a function that stops listening. */
  onConnectionChange(listener: (state: ConnectionState, error: Error | null) => void): () => void;
  /** Closes the WebSocket; HTTP calls keep working. */
  close(): Promise<void>;
};

export function createParleyLinks(options: ParleyLinksOptions): ParleyLinks {
  const baseUrl = options.url.replace(/\/$/, '');
  let token: string | null = options.token ?? null;
  /** The token the current WebSocket connected with: a 4401 on it only matters if it is still ours. */
  let socketToken: string | null = null;

  const currentToken = async (): Promise<string | null> => token ?? (options.getToken ? ((await options.getToken()) ?? null) : null);
  const setToken = (next: string | null) => {
    // Signing out of a session read through getToken still tells the app, so it clears its storage.
    if (next === token && !(next === null && options.getToken)) return;
    token = next;
    options.onTokenChange?.(next);
    reconnectWithNewIdentity();
  };
  const expire = (event: SessionExpiredEvent) => {
    if (options.getToken === undefined || token !== null) token = null;
    options.onSessionExpired?.(event);
  };

  const deferred = deferredWebSocketClass(options.WebSocket);
  const wsClient = createWSClient({
    url: async () => {
      await deferred.ready();
      return toWebSocketUrl(baseUrl, '/trpc');
    },
    WebSocket: deferred.WebSocket,
    lazy: { enabled: true, closeMs: 5_000 },
    keepAlive: { enabled: true, intervalMs: 20_000, pongTimeoutMs: 5_000 },
    retryDelayMs: options.retryDelayMs ?? backoffDelay,
    connectionParams: async () => {
      socketToken = await currentToken();
      return socketToken ? { token: socketToken } : {};
    },
    onClose: (cause) => {
      if (cause?.code === CLOSE_SESSION_REVOKED && socketToken !== null && socketToken === token) expire({ reason: 'revoked' });
    },
  });

  /** A socket opened under another identity must reconnect (tracked subscriptions resume from their last id). */
  function reconnectWithNewIdentity() {
    const client = wsClient as unknown as { reconnect?: (error: null) => void; connection?: { state?: string } | null };
    if (client.connection?.state === 'open' && typeof client.reconnect === 'function') client.reconnect(null);
  }

  const headers = async () => {
    const current = await currentToken();
    return { ...options.headers, ...(current ? { authorization: `Bearer ${current}` } : {}) };
  };
  const links: TRPCLink<AppRouter>[] = [
    sessionLink({ currentToken, setToken, expire }),
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: wsLink({ client: wsClient }),
      false: splitLink({
        // Binary inputs (uploads) can't be batched as JSON.
        condition: (op) => isNonJsonSerializable(op.input),
        true: httpLink({ url: `${baseUrl}/trpc`, headers, fetch: options.fetch }),
        // The server refuses batches of more than 50 calls (TRPC_MAX_BATCH_CALLS' default): split before that.
        false: httpBatchLink({ url: `${baseUrl}/trpc`, headers, fetch: options.fetch, maxItems: 50 }),
      }),
    }),
  ];

  return {
    links,
    url: baseUrl,
    get token() {
      return token;
    },
    setToken,
    currentToken,
    onConnectionChange(listener) {
      const subscription = wsClient.connectionState.subscribe({
        next: (state) => listener(state.state as ConnectionState, (state.error as Error | null) ?? null),
      });
      return () => subscription.unsubscribe();
    },
    close: () => wsClient.close(),
  };
}
