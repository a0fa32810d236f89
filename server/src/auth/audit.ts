// The audit trail of account security: a row in audit_log, a structured log line and a metric for
// each event. Never the password or a token: only who, from where, when, and what happened.
import { sql } from 'drizzle-orm';
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

function countAndLog(deps: AppDeps, entry: AuditEntry): void {
  if (COUNTED.has(entry.event)) deps.metrics.authEvents.inc({ event: entry.event });
  const fields = { event: `auth.${entry.event}`, userId: entry.userId ?? null, ip: entry.ip ?? null, userAgent: entry.userAgent ?? null, ...entry.detail };
  if (entry.event === 'login_failure' || entry.event === 'lockout') deps.logger.warn(fields, `auth ${entry.event}`);
  else deps.logger.info(fields, `auth ${entry.event}`);
}

/** Records an event; a failure to write the audit row is logged, never thrown at the user. */
export async function recordAuditEvent(deps: AppDeps, entry: AuditEntry): Promise<void> {
  countAndLog(deps, entry);
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

/**
 * Records a successful login and tells whether this user agent + IP had been seen for the account
 * before (registration or an earlier login), in one round trip: logins are the hot path.
 */
export async function recordLogin(deps: AppDeps, userId: string, meta: { ip: string | null; userAgent: string | null }): Promise<{ knownDevice: boolean }> {
  countAndLog(deps, { event: 'login_success', userId, ...meta });
  const ip = meta.ip ?? null;
  const userAgent = meta.userAgent ?? null;
  const result = (await deps.db.execute(sql`
    with seen as (
      select exists (
        select 1 from ${auditLog}
        where ${auditLog.userId} = ${userId} and ${auditLog.event} in ('register', 'login_success')
          and ${auditLog.ip} is not distinct from ${ip}::text and ${auditLog.userAgent} is not distinct from ${userAgent}::text
      ) as known
    )
    insert into ${auditLog} (user_id, event, ip, user_agent) values (${userId}, 'login_success', ${ip}::text, ${userAgent}::text)
    returning (select known from seen) as known`)) as unknown as { rows?: { known: boolean }[] } | { known: boolean }[];
  const rows = Array.isArray(result) ? result : (result.rows ?? []);
  return { knownDevice: rows[0]?.known === true };
}
