// createParleyClient: the typed tRPC client (queries and mutations over batched HTTP, subscriptions
// over one WebSocket that reconnects with backoff and resumes tracked events from the last id),
// plus the session it keeps and the recording helpers.
import { createTRPCClient, createWSClient, httpBatchLink, httpLink, isNonJsonSerializable, splitLink, wsLink, type TRPCClient } from '@trpc/client';
import { backoffDelay } from './backoff';
import { recordFromStream, type AudioSource, type RecordingMeta, type RecordOptions, type RecordResult } from './record-stream';
import { closeCodes } from './close-codes.generated';
import type { AppRouter } from './router.generated';
import { sessionLink, type SessionExpiredEvent } from './session-link';
import { uploadRecording, type UploadMeta, type UploadResult } from './upload';
import { deferredWebSocketClass, loadWebSocket, toWebSocketUrl, type WebSocketClass } from './websocket';

/** Close code the server uses when it ends a socket because its session was revoked. */
export const CLOSE_SESSION_REVOKED = closeCodes.SESSION_REVOKED;

export type ParleyClientOptions = {
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
  /** Upload helper for file paths (the Node entry supplies it). */
  readFile?: (path: string) => Promise<Blob>;
};

export type ConnectionState = 'idle' | 'connecting' | 'pending';

export type ParleyClientHelpers = {
  /** The token the client holds (set by auth.register / auth.login / setToken), if any. */
  readonly token: string | null;
  setToken(token: string | null): void;
  /** Streams audio over /ws/record with seq/ack, reconnecting and resuming until everything is acknowledged. */
  recordFromStream(source: AudioSource, meta: RecordingMeta, options: RecordOptions): Promise<RecordResult>;
  /** Uploads a whole file (a Blob, bytes, or in Node a path) as a recording. */
  uploadFile(file: Blob | Uint8Array | string, meta: UploadMeta): Promise<UploadResult>;
  /** Follows the WebSocket's state ('pending' = connected); returns a function that stops listening. */
  onConnectionChange(listener: (state: ConnectionState, error: Error | null) => void): () => void;
  /** Closes the WebSocket; HTTP calls keep working. */
  close(): Promise<void>;
};

/** The typed client: every procedure by the server's names, plus the helpers above. */
export type ParleyClient = TRPCClient<AppRouter> & ParleyClientHelpers;

export function createParleyClient(options: ParleyClientOptions): ParleyClient {
  const baseUrl = options.url.replace(/\/$/, '');
  let token: string | null = options.token ?? null;
  /** The token the current WebSocket connected with: a 4401 on it only matters if it is still ours. */
  let socketToken: string | null = null;

  const currentToken = async (): Promise<string | null> => token ?? (options.getToken ? ((await options.getToken()) ?? null) : null);
  const setToken = (next: string | null) => {
    if (next === token) return;
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
  const trpc = createTRPCClient<AppRouter>({
    links: [
      sessionLink({ hasToken: async () => (await currentToken()) !== null, setToken, expire }),
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
    ],
  });

  const recorderConnection = { url: baseUrl, getToken: currentToken, loadWebSocket: () => loadWebSocket(options.WebSocket) };
  const helpers: ParleyClientHelpers = {
    get token() {
      return token;
    },
    setToken,
    recordFromStream: (source, meta, recordOptions) => recordFromStream(recorderConnection, source, meta, recordOptions),
    uploadFile: async (file, meta) => {
      let body: Blob | Uint8Array;
      if (typeof file === 'string') {
        if (!options.readFile) throw new Error('Uploading a path needs the Node entry: import { createParleyClient } from "@parley/sdk/node"');
        body = await options.readFile(file);
      } else body = file;
      return uploadRecording({ url: baseUrl, getToken: currentToken, fetch: options.fetch }, body, meta);
    },
    onConnectionChange(listener) {
      const subscription = wsClient.connectionState.subscribe({
        next: (state) => listener(state.state as ConnectionState, (state.error as Error | null) ?? null),
      });
      return () => subscription.unsubscribe();
    },
    close: () => wsClient.close(),
  };

  return new Proxy(trpc, {
    get(target, key, receiver) {
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(helpers, key)) return Reflect.get(helpers, key);
      return Reflect.get(target, key, receiver);
    },
  }) as ParleyClient;
}
