// Sessions as the Lucia guide teaches: the token "<id>.<secret>" is given to the client once;
// the database keeps the id and SHA-256(secret), compared in constant time. The whole lifecycle
// is here: make a token, parse and check one, create, validate (sliding and absolute expiry),
// invalidate. Where a token is found: token-carriers.ts; the one-second cache: session-cache.ts.
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { hash, randomBytes } from 'node:crypto';
import { and, eq, ne, sql } from 'drizzle-orm';
import type { EventBus } from '../bus/bus';
import type { Database } from '../db/client';
import { preparedPerDatabase } from '../db/prepared';
import { sessions, users } from '../db/schema/index';
import type { Config } from '../config';

/** lastSeenAt is written at most this often, not on every request. */
export const LAST_SEEN_WRITE_INTERVAL_MS = 60_000;
export const SESSION_REVOKED_CHANNEL = 'session.revoked';

export type SessionPolicy = { inactivityMs: number; maxAgeMs: number };

export function sessionPolicyOf(config: Config): SessionPolicy {
  return { inactivityMs: config.sessionInactivityMs, maxAgeMs: config.sessionMaxAgeMs };
}
export type Session = typeof sessions.$inferSelect;
export type User = typeof users.$inferSelect;
export type SessionValidation = { session: Session; user: User } | { session: null; user: null };
export type SessionRevokedEvent = { sessionIds: string[]; userId: string };

export function generateSessionToken(): { id: string; secret: string; token: string } {
  const id = encodeBase32LowerCaseNoPadding(randomBytes(15)); // 120 bits
  const secret = encodeBase32LowerCaseNoPadding(randomBytes(20)); // 160 bits
  return { id, secret, token: `${id}.${secret}` };
}

/** Longest token looked up; longer ones are refused before any query. */
const MAX_TOKEN_LENGTH = 200;

/** Splits "<id>.<secret>"; null for anything that can't be a token. */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > MAX_TOKEN_LENGTH) return null;
  return { id: token.slice(0, dot), secret: token.slice(dot + 1) };
}

/** SHA-256 of the secret (node's one-shot hash: several times faster than a JS digest on the hot path). */
export function hashSessionSecret(secret: string): Uint8Array {
  return hash('sha256', secret, 'buffer');
}

/** Whether secret hashes to storedHash, in time independent of where they differ: the one compare of tokens. */
export function verifySessionSecret(secret: string, storedHash: Uint8Array): boolean {
  return constantTimeEqual(hashSessionSecret(secret), storedHash);
}

/** A new session for userId, not yet stored, and the token that is given to the client once. */
export function newSession(policy: SessionPolicy, userId: string, meta: { ip?: string | null; userAgent?: string | null }): { session: Session; token: string } {
  const { id, secret, token } = generateSessionToken();
  const now = new Date();
  const session: Session = {
    id,
    secretHash: hashSessionSecret(secret),
    userId,
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt: new Date(now.getTime() + policy.maxAgeMs),
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
    reauthenticatedAt: null,
  };
  return { session, token };
}

export async function createSession(
  db: Database,
  policy: SessionPolicy,
  userId: string,
  meta: { ip?: string | null; userAgent?: string | null },
): Promise<{ session: Session; token: string }> {
  const created = newSession(policy, userId, meta);
  await insertSession(db).execute(created.session);
  return created;
}

/** A session row's values for an insert, bound by name from a Session (newSession's). */
export const SESSION_ROW_PLACEHOLDERS = {
  id: sql.placeholder('id'),
  secretHash: sql.placeholder('secretHash'),
  userId: sql.placeholder('userId'),
  createdAt: sql.placeholder('createdAt'),
  lastSeenAt: sql.placeholder('lastSeenAt'),
  absoluteExpiresAt: sql.placeholder('absoluteExpiresAt'),
  ip: sql.placeholder('ip'),
  userAgent: sql.placeholder('userAgent'),
};

const insertSession = preparedPerDatabase((db) => db.insert(sessions).values(SESSION_ROW_PLACEHOLDERS).prepare('parley_insert_session'));

const selectSessionWithUser = preparedPerDatabase((db) =>
  db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(sessions.userId, users.id))
    .where(eq(sessions.id, sql.placeholder('id')))
    .prepare('parley_select_session'),
);

/** When the session ends if it is not used again. */
export function sessionExpiresAt(session: Pick<Session, 'lastSeenAt' | 'absoluteExpiresAt'>, policy: SessionPolicy): Date {
  return new Date(Math.min(session.lastSeenAt.getTime() + policy.inactivityMs, session.absoluteExpiresAt.getTime()));
}

/** One indexed lookup; refreshes lastSeenAt at most once a minute; deletes an expired session. */
export async function validateSessionToken(db: Database, policy: SessionPolicy, token: string): Promise<SessionValidation> {
  const none = { session: null, user: null } as const;
  const parsed = parseSessionToken(token);
  if (!parsed) return none;
  const { id, secret } = parsed;
  const [row] = await selectSessionWithUser(db).execute({ id });
  if (!row) return none;
  if (!verifySessionSecret(secret, row.session.secretHash)) return none;
  const now = Date.now();
  if (now >= sessionExpiresAt(row.session, policy).getTime()) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return none;
  }
  if (now - row.session.lastSeenAt.getTime() >= LAST_SEEN_WRITE_INTERVAL_MS) {
    const lastSeenAt = new Date(now);
    await db.update(sessions).set({ lastSeenAt }).where(eq(sessions.id, id));
    await db.update(users).set({ lastActiveAt: lastSeenAt }).where(eq(users.id, row.user.id));
    row.session.lastSeenAt = lastSeenAt;
  }
  return row;
}

export async function invalidateSession(db: Database, bus: EventBus, sessionId: string): Promise<boolean> {
  const deleted = await db.delete(sessions).where(eq(sessions.id, sessionId)).returning({ id: sessions.id, userId: sessions.userId });
  if (deleted.length > 0) await publishRevocation(bus, deleted);
  return deleted.length > 0;
}

/** Ends every session of a user, or every one but exceptSessionId. */
export async function invalidateUserSessions(db: Database, bus: EventBus, userId: string, exceptSessionId?: string): Promise<number> {
  const where = exceptSessionId ? and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId)) : eq(sessions.userId, userId);
  const deleted = await db.delete(sessions).where(where).returning({ id: sessions.id, userId: sessions.userId });
  if (deleted.length > 0) await publishRevocation(bus, deleted);
  return deleted.length;
}

async function publishRevocation(bus: EventBus, deleted: { id: string; userId: string }[]) {
  const event: SessionRevokedEvent = { sessionIds: deleted.map((d) => d.id), userId: deleted[0]!.userId };
  await bus.publish(SESSION_REVOKED_CHANNEL, event);
}
