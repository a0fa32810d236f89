// Validated sessions kept for one second, so a burst of calls with one token costs one query
// instead of one each (the query dominated an authenticated request: bench/http.bench.ts).
// Correctness does not rest on the short lifetime:
// - a revocation (bus 'session.revoked', delivered on every instance, locally before publish
//   returns) drops the entries at once, and lookups in flight during it are not stored;
// - every mutation drops its caller's entries (all of them when it has no session), so a user's
//   own changes (verified e-mail, new name) show on their next call; lastSeenAt writes keep their
//   once-a-minute rhythm because an entry whose write is due is a miss.
import type { EventBus } from '../bus/bus';
import {
  LAST_SEEN_WRITE_INTERVAL_MS,
  SESSION_REVOKED_CHANNEL,
  type Session,
  sessionExpiresAt,
  type SessionPolicy,
  type SessionRevokedEvent,
  type SessionValidation,
  parseSessionToken,
  verifySessionSecret,
} from './session';

/** The lookup behind the cache: validateSessionToken on the server's database. */
export type SessionLookup = (token: string) => Promise<SessionValidation>;

const CACHE_TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

type Entry = { session: Session; user: SessionValidation['user'] & {}; cachedAt: number; validUntil: number };

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** Session ids of each user with entries, so forgetting a user does not scan the cache. */
  private readonly byUser = new Map<string, Set<string>>();
  /** One query for concurrent lookups of the same token. */
  private readonly inFlight = new Map<string, Promise<SessionValidation>>();
  /** Bumped by every invalidation: a lookup that started before one must not be stored. */
  private generation = 0;

  constructor(
    private readonly policy: SessionPolicy,
    private readonly lookUpToken: SessionLookup,
  ) {}

  /** A cache hit answers synchronously (no promise to settle on the hot path); a miss looks the token up. */
  validate(token: string): SessionValidation | Promise<SessionValidation> {
    const parsed = parseSessionToken(token);
    if (!parsed) return { session: null, user: null };
    const { id } = parsed;
    const now = Date.now();
    const entry = this.entries.get(id);
    if (entry && now - entry.cachedAt < CACHE_TTL_MS && now < entry.validUntil) {
      if (!verifySessionSecret(parsed.secret, entry.session.secretHash)) return { session: null, user: null };
      // Frozen (freezeValidation): shared, not copied.
      return { session: entry.session, user: entry.user };
    }
    return this.lookUp(token, id);
  }

  private async lookUp(token: string, id: string): Promise<SessionValidation> {
    const pending = this.inFlight.get(token);
    if (pending) return pending;
    const generation = this.generation;
    const lookup = this.lookUpToken(token)
      .then(freezeValidation)
      .finally(() => this.inFlight.delete(token));
    this.inFlight.set(token, lookup);
    const result = await lookup;
    if (result.session && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.clearEntries();
      const writeDue = result.session.lastSeenAt.getTime() + LAST_SEEN_WRITE_INTERVAL_MS;
      const validUntil = Math.min(writeDue, sessionExpiresAt(result.session, this.policy).getTime());
      this.entries.set(id, {
        session: result.session,
        user: result.user,
        cachedAt: Date.now(),
        validUntil,
      });
      let ids = this.byUser.get(result.user.id);
      if (!ids) this.byUser.set(result.user.id, (ids = new Set()));
      ids.add(id);
    }
    return result;
  }

  forgetSessions(sessionIds: readonly string[]): void {
    this.generation++;
    for (const id of sessionIds) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      this.entries.delete(id);
      const ids = this.byUser.get(entry.user.id);
      ids?.delete(id);
      if (ids?.size === 0) this.byUser.delete(entry.user.id);
    }
  }

  forgetUser(userId: string): void {
    this.generation++;
    const ids = this.byUser.get(userId);
    if (!ids) return;
    this.byUser.delete(userId);
    for (const id of ids) this.entries.delete(id);
  }

  clear(): void {
    this.generation++;
    this.clearEntries();
  }

  private clearEntries(): void {
    this.entries.clear();
    this.byUser.clear();
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

/**
 * Validated rows are frozen: concurrent lookups of one token, the cache and every request of the
 * session share them, and none can change them for the others.
 */
function freezeValidation(result: SessionValidation): SessionValidation {
  if (result.session) {
    Object.freeze(result.session);
    Object.freeze(result.user);
  }
  return result;
}
