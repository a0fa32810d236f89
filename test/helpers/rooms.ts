// Following rooms.events in tests: collect what arrives, wait for conditions.
import type { Client } from './server';
import type { RoomEvent } from '../../server/src/rooms/frames';

type Received = { id: string; data: RoomEvent };

/** Subscribes to rooms.events and collects what arrives; resolves once the server has started it. */
export async function follow(client: Client, input: { roomId: string; lastEventId?: string }) {
  const events: Received[] = [];
  let error: unknown = null;
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const subscription = client.rooms.events.subscribe(input, {
    onStarted: () => started(),
    onData: (event) => events.push(event as Received),
    onError: (e) => {
      error = e;
      started();
    },
  });
  await ready;
  return {
    events,
    messages: () => events.filter((e) => e.data.type === 'message'),
    error: () => error,
    unsubscribe: () => subscription.unsubscribe(),
  };
}

/** Waits (up to 15 s) until check() holds; the failure names what was awaited. */
export async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
