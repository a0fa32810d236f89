// What rooms keep per server instance: the hub of live subscriptions (the send/typing throttles
// are named limits of the server's rate-limit runtime).
import type { AppDeps } from '../deps';
import { RoomHub } from './hub';

export type RoomsRuntime = { hub: RoomHub };

export function createRoomsRuntime(deps: Pick<AppDeps, 'db' | 'bus' | 'logger' | 'metrics' | 'config'>): RoomsRuntime {
  return { hub: new RoomHub(deps) };
}
