// Changing a password (signed in) and resetting a forgotten one (with a mailed single-use link).
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { noAccountResetMail, passwordResetMail, securityNoticeMail } from '../mail/messages';
import { recordAuditEvent } from './audit';
import { createEmailToken, findEmailToken, useEmailToken } from './email-token';
import { hashPassword, verifyPasswordHash } from './password';
import { assertAcceptablePassword } from './password-rules';
import { invalidateUserSessions, type Session, type User } from './session';
import type { ClientMeta } from './sign-in-session';
import { getUserByEmail, getUserById, normalizeEmail, setPasswordHash } from './user';
import { eq } from 'drizzle-orm';
import { passkeys } from '../db/schema/index';
import { noteSecurityChange } from './security-notices';

const RESET_TOKEN_TTL_MS = 30 * 60_000;

/** Checks the current password, sets the new one and ends every other session. */
export async function changePassword(
  deps: AppDeps,
  user: User,
  session: Session,
  input: { currentPassword: string; newPassword: string },
  meta: ClientMeta,
): Promise<{ endedSessions: number }> {
  const profile = deps.config.passwordHashProfile;
  // Guessing the current password from a stolen session is throttled like a login.
  await deps.limits.consume('change_password_user', user.id);
  const check = user.passwordHash ? await verifyPasswordHash(deps.passwords, user.passwordHash, input.currentPassword, profile) : { valid: false };
  if (!check.valid) throw new AppError('WRONG_PASSWORD');
  assertAcceptablePassword(input.newPassword, user.email);
  await setPasswordHash(deps.db, user.id, await hashPassword(deps.passwords, input.newPassword, profile));
  const endedSessions = await invalidateUserSessions(deps.db, deps.bus, user.id, session.id);
  await recordAuditEvent(deps, { event: 'password_changed', userId: user.id, ...meta, detail: { endedSessions } });
  if (user.email) deps.mailer.sendLater(securityNoticeMail(deps.config, user.email, 'password_changed', { at: new Date(), ...meta }));
  return { endedSessions };
}

/**
 * Answers the same whether the account exists or not: the lookup, the token and the mail happen
 * after the answer, in the background, so neither the response nor its timing tells them apart.
 */
export async function requestPasswordReset(deps: AppDeps, email: string, meta: ClientMeta): Promise<void> {
  if (meta.ip) await deps.limits.consume('reset_ip', meta.ip);
  await deps.limits.consume('reset_email', normalizeEmail(email));
  const job = mailResetLink(deps, email, meta).catch((error) => deps.logger.error({ err: error }, 'password reset request failed'));
  deps.mailer.track(job);
}

/**
 * Mails a reset link to the account with this address, if there is one (run in the background).
 * An unknown address gets the same background work — an audit row and a mail (saying there is no
 * account) — so the server is not measurably busier after a request for a known address.
 */
export async function mailResetLink(deps: AppDeps, email: string, meta: ClientMeta): Promise<void> {
  const user = await getUserByEmail(deps.db, email);
  if (!user?.email) {
    await recordAuditEvent(deps, { event: 'password_reset_requested', userId: null, ...meta });
    deps.mailer.sendLater(noAccountResetMail(deps.config, normalizeEmail(email)));
    return;
  }
  const token = await createEmailToken(deps.db, { purpose: 'password_reset', userId: user.id, email: user.email, ttlMs: RESET_TOKEN_TTL_MS });
  await recordAuditEvent(deps, { event: 'password_reset_requested', userId: user.id, ...meta });
  deps.mailer.sendLater(passwordResetMail(deps.config, user.email, token, RESET_TOKEN_TTL_MS / 60_000));
}

/**
 * Sets the new password with a reset token (once), and ends every session of the account. Its
 * passkeys go too unless keepPasskeys: a reset is what an owner does after losing control, and a
 * passkey added by whoever had the account would otherwise keep signing in.
 */
export async function resetPassword(deps: AppDeps, input: { token: string; newPassword: string; keepPasskeys?: boolean }, meta: ClientMeta): Promise<void> {
  const row = await findEmailToken(deps.db, 'password_reset', input.token);
  const user = row ? await getUserById(deps.db, row.userId) : null;
  if (!row || !user) throw new AppError('INVALID_TOKEN');
  // Rules first: a refused password must not burn the link.
  assertAcceptablePassword(input.newPassword, user.email);
  const passwordHash = await hashPassword(deps.passwords, input.newPassword, deps.config.passwordHashProfile);
  if (!(await useEmailToken(deps.db, row))) throw new AppError('INVALID_TOKEN');
  await setPasswordHash(deps.db, user.id, passwordHash);
  const endedSessions = await invalidateUserSessions(deps.db, deps.bus, user.id);
  await recordAuditEvent(deps, { event: 'password_reset', userId: user.id, ...meta, detail: { endedSessions } });
  if (user.email) deps.mailer.sendLater(securityNoticeMail(deps.config, user.email, 'password_reset', { at: new Date(), ...meta }));
  if (!input.keepPasskeys) {
    const removed = await deps.db.delete(passkeys).where(eq(passkeys.userId, user.id)).returning({ id: passkeys.id });
    if (removed.length > 0) await noteSecurityChange(deps, user, 'passkeys_removed', meta, { removed: removed.length });
  }
}
