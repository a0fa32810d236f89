// The session a registration or sign-in opens, stored in ONE statement with its audit row and the
// device probe: sign-ins are the hot path of accounts, and each statement is a commit on PGlite.
// A device is user agent + IP; one the account never used earns a notice mail.
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { auditLog, sessions, signInDevices } from '../db/schema/index';
import { securityNoticeMail } from '../mail/messages';
import { logAuditEvent } from './audit';
import { newSession, type Session, sessionPolicyOf, type User } from './session';

export type ClientMeta = { ip: string | null; userAgent: string | null };
export type OpenedSession = { session: Session; token: string; knownDevice: boolean };

/**
 * Stores a new session for user, the audit row of event, and the device; tells whether the device
 * had been seen for the account before. The three writes commit together or not at all.
 */
export async function openSignInSession(deps: AppDeps, user: User, meta: ClientMeta, event: 'register' | 'login_success'): Promise<OpenedSession> {
  const { session, token } = newSession(sessionPolicyOf(deps.config), user.id, meta);
  const ip = meta.ip ?? null;
  const userAgent = meta.userAgent ?? null;
  // Timestamps as text: drizzle's postgres-js client sends parameters without its Date serializer.
  const now = session.createdAt.toISOString();
  const result = (await deps.db.execute(sql`
    with device as (
      insert into ${signInDevices} (user_id, device_key) values (${user.id}, parley_device_key(${ip}::text, ${userAgent}::text))
      on conflict do nothing
      returning 1
    ), audit as (
      insert into ${auditLog} (user_id, event, ip, user_agent) values (${user.id}, ${event}, ${ip}::text, ${userAgent}::text)
    )
    insert into ${sessions} (id, secret_hash, user_id, created_at, last_seen_at, absolute_expires_at, ip, user_agent)
    values (${session.id}, ${session.secretHash}, ${user.id}, ${now}::timestamptz, ${now}::timestamptz, ${session.absoluteExpiresAt.toISOString()}::timestamptz, ${session.ip}, ${session.userAgent})
    returning not exists (select 1 from device) as known`)) as unknown as { rows?: { known: boolean }[] } | { known: boolean }[];
  logAuditEvent(deps, { event, userId: user.id, ...meta });
  const rows = Array.isArray(result) ? result : (result.rows ?? []);
  return { session, token, knownDevice: rows[0]?.known === true };
}

/** A completed sign-in (password, or password + second factor): the session, and a notice if the device is new. */
export async function signIn(deps: AppDeps, user: User, meta: ClientMeta): Promise<{ user: User; session: Session; token: string }> {
  const { session, token, knownDevice } = await openSignInSession(deps, user, meta, 'login_success');
  if (!knownDevice && user.email) {
    deps.mailer.sendLater(securityNoticeMail(deps.config, user.email, 'new_sign_in', { at: session.createdAt, ip: meta.ip, userAgent: meta.userAgent }));
  }
  return { user, session, token };
}
