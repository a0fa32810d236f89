// Recovery by e-mail for accounts without a password: a mailed single-use link (same rules as the
// password reset: 30 minutes, stored hashed, one live link) that gives a recovery grant. An account
// with a password gets the ordinary reset link instead; either way the answer is the same.
import type { AppDeps } from '../../deps';
import { users } from '../../db/schema/index';
import { AppError } from '../../errors';
import { accountRecoveryMail } from '../../mail/messages';
import { recordAuditEvent } from '../audit';
import { createEmailToken, findEmailToken, useEmailToken } from '../email-token';
import { mailResetLink } from '../password-reset';
import type { ClientMeta } from '../sign-in-session';
import { getUserByEmail, getUserById, normalizeEmail } from '../user';
import { and, eq, isNull } from 'drizzle-orm';
import { createRecoveryGrant } from './grant';

export const RECOVERY_LINK_TTL_MS = 30 * 60_000;

export async function requestEmailLink(deps: AppDeps, email: string, meta: ClientMeta): Promise<void> {
  if (meta.ip) await deps.limits.consume('recovery_ip', meta.ip);
  await deps.limits.consume('recovery_email', normalizeEmail(email));
  deps.mailer.track(mailRecoveryLink(deps, email, meta).catch((error) => deps.logger.error({ err: error }, 'account recovery request failed')));
}

async function mailRecoveryLink(deps: AppDeps, email: string, meta: ClientMeta): Promise<void> {
  const user = await getUserByEmail(deps.db, email);
  if (!user?.email || user.kind !== 'member') return;
  if (user.passwordHash) return mailResetLink(deps, email, meta);
  const token = await createEmailToken(deps.db, { purpose: 'account_recovery', userId: user.id, email: user.email, ttlMs: RECOVERY_LINK_TTL_MS });
  await recordAuditEvent(deps, { event: 'recovery_link_sent', userId: user.id, ...meta });
  deps.mailer.sendLater(accountRecoveryMail(deps.config, user.email, token, RECOVERY_LINK_TTL_MS / 60_000));
}

/** The link's token (once) → a recovery grant. Following the link also proves the address. */
export async function redeemEmailLink(deps: AppDeps, token: string, meta: ClientMeta): Promise<{ grant: string; expiresAt: Date }> {
  const row = await findEmailToken(deps.db, 'account_recovery', token);
  const user = row ? await getUserById(deps.db, row.userId) : null;
  if (!row || !user || user.passwordHash || !(await useEmailToken(deps.db, row))) throw new AppError('INVALID_TOKEN');
  if (user.email === row.email && !user.emailVerifiedAt) {
    await deps.db.update(users).set({ emailVerifiedAt: new Date() }).where(and(eq(users.id, user.id), isNull(users.emailVerifiedAt)));
  }
  await recordAuditEvent(deps, { event: 'recovery_granted', userId: user.id, ...meta, detail: { method: 'email' } });
  return createRecoveryGrant(deps.db, user.id, 'email');
}
