// Validated sessions kept for one second, so a burst of calls with one token costs one query
// instead of one each (the query dominated an authenticated request: bench/http.bench.ts).
// Correctness does not rest on the short lifetime:
// - a revocation (bus 'session.revoked', delivered on every instance, locally before publish
//   returns) drops the entries at once, and lookups in flight during it are not stored;
// - every mutation drops its caller's entries (all of them when it has no session), so a user's
//   own changes (verified e-mail, new name) show on their next call; lastSeenAt writes keep their
//   once-a-minute rhythm because an entry whose write is due is a miss.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EventBus } from '../bus/bus';
import type { Database } from '../db/client';
import {
  LAST_SEEN_WRITE_INTERVAL_MS,
  SESSION_REVOKED_CHANNEL,
  type Session,
  sessionExpiresAt,
  type SessionPolicy,
  type SessionRevokedEvent,
  type SessionValidation,
  validateSessionToken,
} from './session';

const CACHE_TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

type Entry = { session: Session; user: SessionValidation['user'] & {}; cachedAt: number; validUntil: number };

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** One query for concurrent lookups of the same token. */
  private readonly inFlight = new Map<string, Promise<SessionValidation>>();
  /** Bumped by every invalidation: a lookup that started before one must not be stored. */
  private generation = 0;

  async validate(db: Database, policy: SessionPolicy, token: string): Promise<SessionValidation> {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 200) return { session: null, user: null };
    const id = token.slice(0, dot);
    const now = Date.now();
    const entry = this.entries.get(id);
    if (entry && now - entry.cachedAt < CACHE_TTL_MS && now < entry.validUntil) {
      const hash = createHash('sha256').update(token.slice(dot + 1)).digest();
      if (hash.length !== entry.session.secretHash.length || !timingSafeEqual(hash, entry.session.secretHash)) return { session: null, user: null };
      // Copies: a procedure may change its ctx objects without touching the next request's.
      return { session: { ...entry.session }, user: { ...entry.user } };
    }
    const pending = this.inFlight.get(token);
    if (pending) return pending.then(copyValidation);
    const generation = this.generation;
    const lookup = validateSessionToken(db, policy, token).finally(() => this.inFlight.delete(token));
    this.inFlight.set(token, lookup);
    const result = await lookup;
    if (result.session && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      const writeDue = result.session.lastSeenAt.getTime() + LAST_SEEN_WRITE_INTERVAL_MS;
      const validUntil = Math.min(writeDue, sessionExpiresAt(result.session, policy).getTime());
      this.entries.set(id, { session: result.session, user: result.user, cachedAt: Date.now(), validUntil });
    }
    return copyValidation(result);
  }

  forgetSessions(sessionIds: readonly string[]): void {
    this.generation++;
    for (const id of sessionIds) this.entries.delete(id);
  }

  forgetUser(userId: string): void {
    this.generation++;
    for (const [id, entry] of this.entries) if (entry.user.id === userId) this.entries.delete(id);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** Follows revocations published by any instance; returns the unsubscribe function. */
  listen(bus: EventBus): () => void {
    return bus.subscribe(SESSION_REVOKED_CHANNEL, (payload) => {
      const event = payload as SessionRevokedEvent;
      this.forgetSessions(event.sessionIds ?? []);
      if (event.userId) this.forgetUser(event.userId);
    });
  }
}

function copyValidation(result: SessionValidation): SessionValidation {
  return result.session ? { session: { ...result.session }, user: { ...result.user } } : result;
}
