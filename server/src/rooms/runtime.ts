// What rooms keep per server instance: the hub of live subscriptions and the send/typing throttles.
import type { AppDeps } from '../deps';
import { RoomHub } from './hub';
import { createRoomLimiters, type RoomLimiters } from './rate-limit';

export type RoomsRuntime = { hub: RoomHub; limiters: RoomLimiters };

export function createRoomsRuntime(deps: Pick<AppDeps, 'db' | 'bus' | 'logger' | 'metrics' | 'config'>): RoomsRuntime {
  return { hub: new RoomHub(deps), limiters: createRoomLimiters(deps.config.roomSendLimit) };
}
