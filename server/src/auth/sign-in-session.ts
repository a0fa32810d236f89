// The session a registration or sign-in opens, stored in ONE statement with its audit row and the
// device probe: sign-ins are the hot path of accounts, and each statement is a commit on PGlite.
// A device is user agent + IP; one the account never used earns a notice mail.
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { preparedPerDatabase } from '../db/prepared';
import { auditLog, sessions, signInDevices } from '../db/schema/index';
import { securityNoticeMail } from '../mail/messages';
import { logAuditEvent } from './audit';
import { newSession, type Session, SESSION_ROW_PLACEHOLDERS, sessionPolicyOf, type User } from './session';

export type ClientMeta = { ip: string | null; userAgent: string | null };
export type OpenedSession = { session: Session; token: string; knownDevice: boolean };

/**
 * Stores a new session for user, the audit row of event, and the device; tells whether the device
 * had been seen for the account before. The three writes commit together or not at all.
 */
export async function openSignInSession(deps: AppDeps, user: User, meta: ClientMeta, event: 'register' | 'login_success'): Promise<OpenedSession> {
  const { session, token } = newSession(sessionPolicyOf(deps.config), user.id, meta);
  // The session keeps a user agent cut to 512 characters; the device and the audit row get it whole.
  const [row] = await insertSignInSession(deps.db).execute({ ...session, event, clientIp: meta.ip ?? null, clientUserAgent: meta.userAgent ?? null });
  logAuditEvent(deps, { event, userId: user.id, ...meta });
  return { session, token, knownDevice: row?.known === true };
}

const insertSignInSession = preparedPerDatabase((db) => {
  const userId = sql.placeholder('userId');
  const ip = sql.placeholder('clientIp');
  const userAgent = sql.placeholder('clientUserAgent');
  const device = db.$with('device').as(
    db
      .insert(signInDevices)
      .values({ userId, deviceKey: sql`parley_device_key(${ip}::text, ${userAgent}::text)` })
      .onConflictDoNothing()
      .returning({ userId: signInDevices.userId }),
  );
  const audit = db.$with('audit').as(db.insert(auditLog).values({ userId, event: sql.placeholder('event'), ip, userAgent }).returning({ id: auditLog.id }));
  return db
    .with(device, audit)
    .insert(sessions)
    .values(SESSION_ROW_PLACEHOLDERS)
    .returning({ known: sql<boolean>`not exists (select 1 from ${device})` })
    .prepare('parley_sign_in_session');
});

/** A completed sign-in (password, two-factor or passkey): the session, and a notice if the device is new. */
export async function signIn(deps: AppDeps, user: User, meta: ClientMeta): Promise<{ user: User; session: Session; token: string }> {
  const { session, token, knownDevice } = await openSignInSession(deps, user, meta, 'login_success');
  if (!knownDevice && user.email) {
    deps.mailer.sendLater(securityNoticeMail(deps.config, user.email, 'new_sign_in', { at: session.createdAt, ip: meta.ip, userAgent: meta.userAgent }));
  }
  return { user, session, token };
}
