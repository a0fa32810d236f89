// Open WebSocket connections by session id, so a revoked session's sockets close at once
// (code 4401) on every instance: revocations arrive on the bus.
import type { EventBus } from '../bus/bus';
import { closeCodes } from '../errors';
import { SESSION_REVOKED_CHANNEL, type SessionRevokedEvent } from '../auth/session';

export const CLOSE_SESSION_REVOKED = closeCodes.SESSION_REVOKED;
const SOCKET_CLOSED = 3; // WebSocket.CLOSED

type Closable = { close(code?: number, reason?: string): void };

export class SocketRegistry {
  private readonly bySession = new Map<string, Set<Closable>>();

  /** Tracks socket under sessionId until it closes; returns the untrack function. */
  track(sessionId: string, socket: Closable): () => void;
  track(sessionId: string, socket: Closable, untracker: false): void;
  track(sessionId: string, socket: Closable, untracker = true): (() => void) | void {
    let set = this.bySession.get(sessionId);
    if (!set) this.bySession.set(sessionId, (set = new Set()));
    set.add(socket);
    if (untracker) return () => this.untrack(sessionId, socket);
  }

  /**
   * track() until the socket closes, without a closure per socket: one shared 'close' listener
   * finds the session id in a WeakMap (a long-lived WebSocket keeps only its entry).
   */
  trackUntilClosed(sessionId: string, socket: Closable & { readonly readyState: number; on(event: 'close', listener: () => void): unknown }): void {
    // Closed while the session was being validated: its 'close' event has passed, nothing to track.
    if (socket.readyState === SOCKET_CLOSED) return;
    this.track(sessionId, socket, false);
    this.sessionOf.set(socket, sessionId);
    socket.on('close', this.untrackClosed);
  }

  private readonly sessionOf = new WeakMap<Closable, string>();
  /** Called with the closed socket as `this`. */
  private readonly untrackClosed: (this: Closable) => void;

  constructor() {
    const sessionOf = this.sessionOf;
    const untrack = (sessionId: string, socket: Closable) => this.untrack(sessionId, socket);
    this.untrackClosed = function (this: Closable) {
      const sessionId = sessionOf.get(this);
      if (sessionId !== undefined) untrack(sessionId, this);
    };
  }

  private untrack(sessionId: string, socket: Closable): void {
    const current = this.bySession.get(sessionId);
    current?.delete(socket);
    if (current?.size === 0) this.bySession.delete(sessionId);
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
