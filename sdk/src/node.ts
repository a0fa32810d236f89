// @parley/sdk/node: the same client for Node, with `ws` as its WebSocket and file paths accepted
// by uploadFile. Kept apart so the main entry never imports node: modules.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocket as NodeWebSocket } from 'ws';
import { createParleyClient as createClient, type ParleyClient, type ParleyClientOptions } from './client';

export * from './index';

export function createParleyClient(options: ParleyClientOptions): ParleyClient {
  return createClient({
    WebSocket: (globalThis as { WebSocket?: typeof WebSocket }).WebSocket ?? (NodeWebSocket as unknown as typeof WebSocket),
    readFile: async (file) => new Blob([await readFile(path.resolve(file))]),
    ...options,
  });
}
