// What rooms keep per server instance: the hub of live subscriptions (the send/typing throttles
// are named limits of the server's rate-limit runtime). Added to AppDeps here (see deps.ts).
import type { CoreDeps } from '../deps';
import { RoomHub } from './hub';

export type RoomsRuntime = { hub: RoomHub };

declare module '../deps' {
  interface AppDeps {
    /** Live room subscriptions of this instance. */
    rooms: RoomsRuntime;
  }
}

export function createRoomsRuntime(deps: Pick<CoreDeps, 'db' | 'bus' | 'logger' | 'metrics' | 'config'>): RoomsRuntime {
  return { hub: new RoomHub(deps) };
}
