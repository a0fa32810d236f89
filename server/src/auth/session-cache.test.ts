import { describe, expect, it } from 'vitest';
import { newSession, type Session, type SessionValidation, type User, verifySessionSecret } from './session';
import { SessionCache } from './session-cache';

const policy = { inactivityMs: 30 * 86_400_000, maxAgeMs: 90 * 86_400_000 };

/** A store of sessions the cache looks tokens up in, counting lookups (what the cache saves). */
function sessionStore() {
  const rows = new Map<string, { session: Session; user: User }>();
  let lookups = 0;
  const store = {
    get lookups() {
      return lookups;
    },
    add(userId = 'user-1'): { token: string; session: Session } {
      const { session, token } = newSession(policy, userId, {});
      rows.set(session.id, { session, user: { id: userId, kind: 'member' } as User });
      return { token, session };
    },
    remove(sessionId: string) {
      rows.delete(sessionId);
    },
    lookUp: async (token: string): Promise<SessionValidation> => {
      lookups++;
      const row = rows.get(token.split('.')[0]!);
      if (!row || !verifySessionSecret(token.split('.')[1]!, row.session.secretHash)) return { session: null, user: null };
      return { session: { ...row.session }, user: { ...row.user } };
    },
  };
  return store;
}

describe('the session cache', () => {
  it('answers a repeated token without another lookup, and concurrent misses share one', async () => {
    const store = sessionStore();
    const cache = new SessionCache(policy, store.lookUp);
    const { token, session } = store.add();
    const [a, b] = await Promise.all([cache.validate(token), cache.validate(token)]);
    expect(a.session?.id).toBe(session.id);
    expect(b.session?.id).toBe(session.id);
    expect(store.lookups).toBe(1);
    const hit = cache.validate(token);
    expect(hit).not.toBeInstanceOf(Promise);
    expect((hit as SessionValidation).session?.id).toBe(session.id);
    expect(store.lookups).toBe(1);
  });

  it('refuses a cached id with a wrong secret', async () => {
    const store = sessionStore();
    const cache = new SessionCache(policy, store.lookUp);
    const { token } = store.add();
    await cache.validate(token);
    const forged = `${token.split('.')[0]}.${'a'.repeat(32)}`;
    expect(cache.validate(forged)).toEqual({ session: null, user: null });
  });

  it('refuses malformed tokens without a lookup', () => {
    const store = sessionStore();
    const cache = new SessionCache(policy, store.lookUp);
    expect(cache.validate('no-dot')).toEqual({ session: null, user: null });
    expect(cache.validate(`a.${'b'.repeat(300)}`)).toEqual({ session: null, user: null });
    expect(store.lookups).toBe(0);
  });

  it('forgets revoked sessions and a user’s sessions at once', async () => {
    const store = sessionStore();
    const cache = new SessionCache(policy, store.lookUp);
    const first = store.add();
    const second = store.add();
    await cache.validate(first.token);
    await cache.validate(second.token);
    store.remove(first.session.id);
    cache.forgetSessions([first.session.id]);
    expect((await cache.validate(first.token)).session).toBeNull();
    expect(store.lookups).toBe(3);
    cache.forgetUser('user-1');
    await cache.validate(second.token);
    expect(store.lookups).toBe(4);
  });

  it('does not keep a lookup that a revocation overtook', async () => {
    const store = sessionStore();
    const cache = new SessionCache(policy, store.lookUp);
    const { token, session } = store.add();
    const pending = cache.validate(token);
    cache.forgetSessions([session.id]);
    await pending;
    await cache.validate(token);
    expect(store.lookups).toBe(2);
  });

  it('shares frozen rows, so no request can change them for another', async () => {
    const store = sessionStore();
    const cache = new SessionCache(policy, store.lookUp);
    const { token } = store.add();
    const { session, user } = await cache.validate(token);
    expect(Object.isFrozen(session)).toBe(true);
    expect(Object.isFrozen(user)).toBe(true);
  });
});
