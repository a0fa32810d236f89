// Who is online in one room, across instances: each instance says which users have an open
// subscription there ('on'/'off' on change, a heartbeat with the full list now and then), and
// an instance not heard from for a while (crashed) stops counting. A user is online while any
// instance counts them.

export type PresenceChange = { userId: string; displayName: string; status: 'online' | 'offline' };

type Entry = { displayName: string; instances: Map<string, number> };

export class RoomPresence {
  private readonly users = new Map<string, Entry>();

  /** An instance now has userId subscribed. */
  mark(instanceId: string, userId: string, displayName: string, now: number): PresenceChange | null {
    let entry = this.users.get(userId);
    if (!entry) this.users.set(userId, (entry = { displayName, instances: new Map() }));
    entry.displayName = displayName;
    const wasOnline = entry.instances.size > 0;
    entry.instances.set(instanceId, now);
    return wasOnline ? null : { userId, displayName, status: 'online' };
  }

  /** An instance no longer has userId subscribed. */
  unmark(instanceId: string, userId: string): PresenceChange | null {
    const entry = this.users.get(userId);
    if (!entry || !entry.instances.delete(instanceId)) return null;
    if (entry.instances.size > 0) return null;
    this.users.delete(userId);
    return { userId, displayName: entry.displayName, status: 'offline' };
  }

  /** The full list of an instance's users: marks them, and unmarks its users missing from it. */
  heartbeat(instanceId: string, list: [userId: string, displayName: string][], now: number): PresenceChange[] {
    const changes: PresenceChange[] = [];
    const listed = new Set(list.map(([id]) => id));
    for (const [userId, entry] of [...this.users]) {
      if (entry.instances.has(instanceId) && !listed.has(userId)) {
        const change = this.unmark(instanceId, userId);
        if (change) changes.push(change);
      }
    }
    for (const [userId, displayName] of list) {
      const change = this.mark(instanceId, userId, displayName, now);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** Forgets instances not heard from since cutoff (except this one, which knows its own truth). */
  sweep(cutoff: number, selfId: string): PresenceChange[] {
    const changes: PresenceChange[] = [];
    for (const [userId, entry] of [...this.users]) {
      for (const [instanceId, heard] of [...entry.instances]) {
        if (instanceId !== selfId && heard < cutoff) {
          const change = this.unmark(instanceId, userId);
          if (change) changes.push(change);
        }
      }
    }
    return changes;
  }

  isOnline(userId: string): boolean {
    return (this.users.get(userId)?.instances.size ?? 0) > 0;
  }
}

/** Presence messages on room:<id> (short keys: every instance receives every room event). */
export type PresenceBusEvent =
  | { t: 'on'; i: string; u: string; n: string }
  | { t: 'off'; i: string; u: string }
  | { t: 'hb'; i: string; l: [string, string][] }
  | { t: 'sync'; i: string };

/**
 * The presence protocol of one room on this instance: it counts this instance's subscriptions per
 * user and says what to publish ('on' at a user's first, 'off' at their last, a heartbeat with the
 * full list now and then and in answer to a new instance's 'sync'), and turns what every instance
 * publishes into online/offline changes.
 */
export class RoomPresenceProtocol {
  /** This instance's subscriptions per user (presence is per user, not per connection). */
  private readonly local = new Map<string, { count: number; displayName: string }>();
  private readonly everyone = new RoomPresence();

  constructor(private readonly instanceId: string) {}

  /** A subscription of userId opened here: what to publish when it is their first. */
  join(userId: string, displayName: string): PresenceBusEvent | null {
    const local = this.local.get(userId);
    if (local) {
      local.count++;
      return null;
    }
    this.local.set(userId, { count: 1, displayName });
    return { t: 'on', i: this.instanceId, u: userId, n: displayName };
  }

  /** A subscription of userId closed here: what to publish when it was their last. */
  leave(userId: string): PresenceBusEvent | null {
    const local = this.local.get(userId);
    if (!local || --local.count > 0) return null;
    this.local.delete(userId);
    return { t: 'off', i: this.instanceId, u: userId };
  }

  /** This instance just started following the room: others answer with their heartbeats. */
  sync(): PresenceBusEvent {
    return { t: 'sync', i: this.instanceId };
  }

  heartbeat(): PresenceBusEvent {
    return { t: 'hb', i: this.instanceId, l: [...this.local].map(([id, user]) => [id, user.displayName]) };
  }

  /** A presence message from any instance: the changes to announce, and what to publish in reply. */
  receive(event: PresenceBusEvent, now: number): { changes: PresenceChange[]; reply: PresenceBusEvent | null } {
    switch (event.t) {
      case 'on':
        return { changes: present(this.everyone.mark(event.i, event.u, event.n, now)), reply: null };
      case 'off':
        return { changes: present(this.everyone.unmark(event.i, event.u)), reply: null };
      case 'hb':
        return { changes: this.everyone.heartbeat(event.i, event.l, now), reply: null };
      case 'sync':
        return { changes: [], reply: event.i === this.instanceId ? null : this.heartbeat() };
    }
  }

  /** Forgets instances not heard from since cutoff (this one knows its own truth). */
  sweep(cutoff: number): PresenceChange[] {
    return this.everyone.sweep(cutoff, this.instanceId);
  }
}

function present(change: PresenceChange | null): PresenceChange[] {
  return change ? [change] : [];
}
