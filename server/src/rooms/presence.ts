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
