// Where a user is signed in: listing and ending their own sessions.
import { and, desc, eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { sessions } from '../db/schema/index';
import { AppError } from '../errors';
import { recordAuditEvent } from '../auth/audit';
import { invalidateSession, invalidateUserSessions, type Session, sessionExpiresAt, sessionPolicyOf } from '../auth/session';
import type { ClientMeta } from '../auth/sign-in-session';

/** The user's live sessions, most recently used first. */
export async function listUserSessions(deps: AppDeps, userId: string): Promise<Session[]> {
  const policy = sessionPolicyOf(deps.config);
  const rows = await deps.db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.lastSeenAt));
  const now = Date.now();
  return rows.filter((s) => sessionExpiresAt(s, policy).getTime() > now);
}

/** Ends one of the user's own sessions; someone else's id is NOT_FOUND, as if it did not exist. */
export async function revokeUserSession(deps: AppDeps, userId: string, sessionId: string, meta: ClientMeta): Promise<void> {
  const [own] = await deps.db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)));
  if (!own || !(await invalidateSession(deps.db, deps.bus, own.id))) throw new AppError('SESSION_NOT_FOUND');
  await recordAuditEvent(deps, { event: 'session_revoked', userId, ...meta, detail: { sessionId } });
}

export async function revokeOtherSessions(deps: AppDeps, userId: string, currentSessionId: string, meta: ClientMeta): Promise<number> {
  const revoked = await invalidateUserSessions(deps.db, deps.bus, userId, currentSessionId);
  if (revoked > 0) await recordAuditEvent(deps, { event: 'session_revoked', userId, ...meta, detail: { count: revoked } });
  return revoked;
}
