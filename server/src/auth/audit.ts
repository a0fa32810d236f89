// The audit trail of account security: a row in audit_log, a structured log line and a metric for
// each event. Never the password or a token: only who, from where, when, and what happened.
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
  | 'email_verified'
  | 'reauthenticated'
  | 'passkey_added'
  | 'passkeys_removed'
  | 'totp_enabled'
  | 'totp_disabled'
  | 'recovery_code_sent'
  | 'recovery_code_locked'
  | 'recovery_link_sent'
  | 'recovery_granted'
  | 'account_recovered';

const COUNTED = new Set<AuditEvent>(['register', 'login_success', 'login_failure', 'lockout', 'logout']);

export type AuditEntry = {
  event: AuditEvent;
  userId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, string | number | boolean | null>;
};

/** The metric and the structured log line of an event (the row is written by the caller). */
export function logAuditEvent(deps: AppDeps, entry: AuditEntry): void {
  if (COUNTED.has(entry.event)) deps.metrics.authEvents.inc({ event: entry.event });
  const fields = { event: `auth.${entry.event}`, userId: entry.userId ?? null, ip: entry.ip ?? null, userAgent: entry.userAgent ?? null, ...entry.detail };
  if (entry.event === 'login_failure' || entry.event === 'lockout') deps.logger.warn(fields, `auth ${entry.event}`);
  else deps.logger.info(fields, `auth ${entry.event}`);
}

/** Records an event; a failure to write the audit row is logged, never thrown at the user. */
export async function recordAuditEvent(deps: AppDeps, entry: AuditEntry): Promise<void> {
  logAuditEvent(deps, entry);
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
