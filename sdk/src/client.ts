// createParleyClient: the typed tRPC client (queries and mutations over batched HTTP, subscriptions
// over one WebSocket that reconnects with backoff and resumes tracked events from the last id),
// plus the session it keeps and the recording helpers.
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { createParleyLinks, type ConnectionState, type ParleyLinksOptions } from './links';
import { recordFromStream, type AudioSource, type RecordingMeta, type RecordOptions, type RecordResult } from './record-stream';
import type { AppRouter } from './router.generated';
import { uploadRecording, type UploadMeta, type UploadResult } from './upload';
import { loadWebSocket } from './websocket';

export { CLOSE_SESSION_REVOKED, type ConnectionState } from './links';

export type ParleyClientOptions = ParleyLinksOptions & {
  /** Upload helper for file paths (the Node entry supplies it). */
  readFile?: (path: string) => Promise<Blob>;
};

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
  const parley = createParleyLinks(options);
  const trpc = createTRPCClient<AppRouter>({ links: parley.links });
  const recorderConnection = { url: parley.url, getToken: parley.currentToken, loadWebSocket: () => loadWebSocket(options.WebSocket) };
  const helpers: ParleyClientHelpers = {
    get token() {
      return parley.token;
    },
    setToken: parley.setToken,
    recordFromStream: (source, meta, recordOptions) => recordFromStream(recorderConnection, source, meta, recordOptions),
    uploadFile: async (file, meta) => {
      let body: Blob | Uint8Array;
      if (typeof file === 'string') {
        if (!options.readFile) throw new Error('Uploading a path needs the Node entry: import { createParleyClient } from "@parley/sdk/node"');
        body = await options.readFile(file);
      } else body = file;
      return uploadRecording({ url: parley.url, getToken: parley.currentToken, fetch: options.fetch }, body, meta);
    },
    onConnectionChange: parley.onConnectionChange,
    close: parley.close,
  };

  return new Proxy(trpc, {
    get(target, key, receiver) {
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(helpers, key)) return Reflect.get(helpers, key);
      return Reflect.get(target, key, receiver);
    },
  }) as ParleyClient;
}
