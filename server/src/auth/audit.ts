// The audit trail of account security: a row in audit_log, a structured log line and a metric for
// each event. Never the password or a token: only who, from where, when, and what happened.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { auditLog } from '../db/schema/index';

export type AuditEvent =
  | 'register'
  | 'login_success'
  | 'login_failure'
  | 'lockout'
  | 'logout'
  | 'session_revoked'
  | 'password_changed'
  | 'password_reset_requested'
  | 'password_reset'
  | 'email_verified';

const COUNTED = new Set<AuditEvent>(['register', 'login_success', 'login_failure', 'lockout', 'logout']);

export type AuditEntry = {
  event: AuditEvent;
  userId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, string | number | boolean | null>;
};

/** Records an event; a failure to write the audit row is logged, never thrown at the user. */
export async function recordAuditEvent(deps: AppDeps, entry: AuditEntry): Promise<void> {
  if (COUNTED.has(entry.event)) deps.metrics.authEvents.inc({ event: entry.event });
  const fields = { event: `auth.${entry.event}`, userId: entry.userId ?? null, ip: entry.ip ?? null, userAgent: entry.userAgent ?? null, ...entry.detail };
  if (entry.event === 'login_failure' || entry.event === 'lockout') deps.logger.warn(fields, `auth ${entry.event}`);
  else deps.logger.info(fields, `auth ${entry.event}`);
  try {
    await deps.db.insert(auditLog).values({
      userId: entry.userId ?? null,
      event: entry.event,
      ip: entry.ip ?? null,
      userAgent: entry.userAgent ?? null,
      detail: entry.detail ?? null,
    });
  } catch (error) {
    deps.logger.error({ err: error, event: entry.event }, 'writing the audit log failed');
  }
}

/** True when this user already signed in (or registered) from this user agent and IP. */
export async function hasSignedInFrom(deps: AppDeps, userId: string, ip: string | null, userAgent: string | null): Promise<boolean> {
  const rows = await deps.db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.userId, userId),
        inArray(auditLog.event, ['register', 'login_success']),
        sql`${auditLog.ip} is not distinct from ${ip}`,
        sql`${auditLog.userAgent} is not distinct from ${userAgent}`,
      ),
    )
    .limit(1);
  return rows.length > 0;
}
