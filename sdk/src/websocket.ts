// Finds a WebSocket class: the one given, the runtime's own (browsers, Node 22+), or `ws` on
// Node 20, loaded with a dynamic import only when needed so browser bundles never pull it in.

/** The standard browser WebSocket interface; `ws` and every runtime's own implement it. */
export type WebSocketLike = WebSocket;
export type WebSocketClass = typeof WebSocket;

let loaded: Promise<WebSocketClass> | undefined;

async function importWs(): Promise<WebSocketClass> {
  // The specifier is in a variable so bundlers for the browser don't try to follow it.
  const specifier = 'ws';
  const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as { default?: unknown; WebSocket?: unknown };
  const found = (module.WebSocket ?? (module.default as { WebSocket?: unknown } | undefined)?.WebSocket ?? module.default) as WebSocketClass | undefined;
  if (!found) throw new Error('No WebSocket available: install the "ws" package or pass options.WebSocket');
  return found;
}

/** Resolves to a WebSocket class, loading `ws` the first time one is needed on a runtime without one. */
export function loadWebSocket(given?: WebSocketClass): Promise<WebSocketClass> {
  if (given) return Promise.resolve(given);
  const native = (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (native) return Promise.resolve(native);
  loaded ??= importWs();
  return loaded;
}

/**
 * A WebSocket class usable synchronously by tRPC's wsClient: it constructs the resolved class,
 * which the client's async `url` callback has loaded (via `loadWebSocket`) before any `new`.
 */
export function deferredWebSocketClass(given?: WebSocketClass): { WebSocket: WebSocketClass; ready(): Promise<unknown> } {
  let resolved: WebSocketClass | undefined = given ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (resolved) return { WebSocket: resolved, ready: () => Promise.resolve() };
  class DeferredWebSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    constructor(url: string | URL, protocols?: string | string[]) {
      if (!resolved) throw new Error('WebSocket implementation not loaded yet');
      return new resolved(url, protocols) as unknown as DeferredWebSocket;
    }
  }
  return {
    WebSocket: DeferredWebSocket as unknown as WebSocketClass,
    ready: () => loadWebSocket().then((found) => (resolved = found)),
  };
}

/** http(s)://host/base → ws(s)://host/base/<path>. */
export function toWebSocketUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/$/, '').replace(/^http/, 'ws')}${path}`;
}
