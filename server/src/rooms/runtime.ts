// What rooms keep per server instance: the hub of live subscriptions and the batching message
// writer (the send/typing throttles are named limits of the server's rate-limit runtime). Added to
// AppDeps here (see deps.ts).
import type { CoreDeps } from '../deps';
import { RoomHub } from './hub';
import { MessageWriter } from './message-writer';

export type RoomsRuntime = { hub: RoomHub; writer: MessageWriter };

declare module '../deps' {
  interface AppDeps {
    /** Live room subscriptions of this instance, and its batched message inserts. */
    rooms: RoomsRuntime;
  }
}

export function createRoomsRuntime(deps: Pick<CoreDeps, 'db' | 'database' | 'bus' | 'logger' | 'metrics' | 'config'>): RoomsRuntime {
  return { hub: new RoomHub(deps), writer: new MessageWriter(deps.db, deps.database.kind === 'postgres') };
}
