// Open WebSocket connections by session id, so a revoked session's sockets close at once
// (code 4401) on every instance: revocations arrive on the bus.
import type { EventBus } from '../bus/bus';
import { SESSION_REVOKED_CHANNEL, type SessionRevokedEvent } from '../auth/session';

export const CLOSE_SESSION_REVOKED = 4401;

type Closable = { close(code?: number, reason?: string): void };

export class SocketRegistry {
  private readonly bySession = new Map<string, Set<Closable>>();

  /** Tracks socket under sessionId until it closes; returns the untrack function. */
  track(sessionId: string, socket: Closable): () => void {
    let set = this.bySession.get(sessionId);
    if (!set) this.bySession.set(sessionId, (set = new Set()));
    set.add(socket);
    return () => {
      const current = this.bySession.get(sessionId);
      current?.delete(socket);
      if (current?.size === 0) this.bySession.delete(sessionId);
    };
  }

  closeSession(sessionId: string, reason = 'Session ended'): number {
    const set = this.bySession.get(sessionId);
    if (!set) return 0;
    this.bySession.delete(sessionId);
    for (const socket of set) socket.close(CLOSE_SESSION_REVOKED, reason);
    return set.size;
  }

  sessionIds(): string[] {
    return [...this.bySession.keys()];
  }

  /** Follows revocations published by any instance. */
  listen(bus: EventBus): () => void {
    return bus.subscribe(SESSION_REVOKED_CHANNEL, (payload) => {
      const event = payload as SessionRevokedEvent;
      for (const id of event.sessionIds ?? []) this.closeSession(id, 'Session revoked');
    });
  }
}
