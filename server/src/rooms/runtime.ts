// What rooms keep per server instance: the hub of live subscriptions, the batching message writer
// and the batched membership checks of new subscriptions (the send/typing throttles are named
// limits of the server's rate-limit runtime). Added to AppDeps here (see deps.ts).
import type { CoreDeps } from '../deps';
import { RoomHub } from './hub';
import { MembershipChecks } from './membership-checks';
import { MessageWriter } from './message-writer';

export type RoomsRuntime = { hub: RoomHub; writer: MessageWriter; membershipChecks: MembershipChecks };

declare module '../deps' {
  interface AppDeps {
    /** Live room subscriptions of this instance, its batched message inserts and subscription checks. */
    rooms: RoomsRuntime;
  }
}

export function createRoomsRuntime(deps: Pick<CoreDeps, 'db' | 'database' | 'bus' | 'logger' | 'metrics' | 'config'>): RoomsRuntime {
  return {
    hub: new RoomHub(deps),
    writer: new MessageWriter(deps.db, deps.database.kind === 'postgres'),
    membershipChecks: new MembershipChecks(deps.db),
  };
}
