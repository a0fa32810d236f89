// Sessions also end by time. A periodic sweep on each instance deletes expired sessions (publishing
// the revocation so every instance closes their sockets) and closes local sockets whose session is
// gone, whichever instance removed it. Expired sign-in challenges go in the same sweep.
import { inArray, lt, or } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { sessions } from '../db/schema/index';
import { sweepExpiredChallenges } from '../auth/challenges';
import { SESSION_REVOKED_CHANNEL, sessionExpiresAt, sessionPolicyOf, type SessionRevokedEvent } from '../auth/session';

const MAX_SWEEP_INTERVAL_MS = 60_000;
const MIN_SWEEP_INTERVAL_MS = 500;

/** Sweeps every minute (sooner when sessions are configured to last less); returns the stop function. */
export function startSessionSweep(deps: AppDeps): () => void {
  const policy = sessionPolicyOf(deps.config);
  const intervalMs = Math.max(MIN_SWEEP_INTERVAL_MS, Math.min(MAX_SWEEP_INTERVAL_MS, Math.floor(policy.inactivityMs / 4)));
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepSessions(deps)
      .catch((error) => deps.logger.warn({ err: error }, 'session sweep failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export async function sweepSessions(deps: AppDeps): Promise<void> {
  const policy = sessionPolicyOf(deps.config);
  const now = Date.now();
  await sweepExpiredChallenges(deps.db);
  const expired = await deps.db
    .delete(sessions)
    .where(or(lt(sessions.absoluteExpiresAt, new Date(now)), lt(sessions.lastSeenAt, new Date(now - policy.inactivityMs))))
    .returning({ id: sessions.id, userId: sessions.userId });
  const byUser = new Map<string, string[]>();
  for (const row of expired) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row.id]);
  for (const [userId, sessionIds] of byUser) {
    const event: SessionRevokedEvent = { sessionIds, userId };
    await deps.bus.publish(SESSION_REVOKED_CHANNEL, event);
  }

  // Sockets whose session another path removed (or that expired between sweeps) close too.
  const tracked = deps.sockets.sessionIds();
  if (tracked.length === 0) return;
  const alive = await deps.db
    .select({ id: sessions.id, lastSeenAt: sessions.lastSeenAt, absoluteExpiresAt: sessions.absoluteExpiresAt })
    .from(sessions)
    .where(inArray(sessions.id, tracked));
  const live = new Set(alive.filter((s) => sessionExpiresAt(s, policy).getTime() > now).map((s) => s.id));
  for (const id of tracked) if (!live.has(id)) deps.sockets.closeSession(id, 'Session expired');
}
