// In-process bus for a single instance (the embedded PGlite case and tests).
import type { Logger } from 'pino';
import { type BusHandler, type EventBus, LocalChannels } from './bus';

export function createMemoryBus(logger?: Logger): EventBus {
  const channels = new LocalChannels((error, channel) => logger?.error({ err: error, channel }, 'bus handler failed'));
  return {
    async publish(channel, payload) {
      // Round-trip through JSON so subscribers see exactly what the Postgres bus would give them.
      const copy = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
      queueMicrotask(() => channels.deliver(channel, copy));
    },
    subscribe: (channel: string, handler: BusHandler) => channels.subscribe(channel, handler),
    async close() {
      channels.clear();
    },
  };
}
