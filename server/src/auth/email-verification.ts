// E-mail verification: a mailed single-use link proves the account owns its address.
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { users } from '../db/schema/index';
import { AppError } from '../errors';
import { emailVerificationMail } from '../mail/messages';
import { recordAuditEvent } from './audit';
import { createEmailToken, findEmailToken, useEmailToken } from './email-token';
import type { User } from './session';
import type { ClientMeta } from './sign-in-session';
import { getUserById } from './user';

const VERIFICATION_TOKEN_TTL_MS = 24 * 3_600_000;

export async function requestEmailVerification(deps: AppDeps, user: User): Promise<{ alreadyVerified: boolean }> {
  if (!user.email) throw new AppError('GUEST_NOT_ALLOWED');
  if (user.emailVerifiedAt) return { alreadyVerified: true };
  await deps.limits.consume('verify_email_user', user.id);
  const token = await createEmailToken(deps.db, { purpose: 'email_verification', userId: user.id, email: user.email, ttlMs: VERIFICATION_TOKEN_TTL_MS });
  deps.mailer.sendLater(emailVerificationMail(deps.config, user.email, token));
  return { alreadyVerified: false };
}

/** Marks the address verified, if it is still the account's address (a changed e-mail needs a new link). */
export async function verifyEmail(deps: AppDeps, token: string, meta: ClientMeta): Promise<void> {
  const row = await findEmailToken(deps.db, 'email_verification', token);
  const user = row ? await getUserById(deps.db, row.userId) : null;
  if (!row || !user || user.email !== row.email) throw new AppError('INVALID_TOKEN');
  if (!(await useEmailToken(deps.db, row))) throw new AppError('INVALID_TOKEN');
  await deps.db.update(users).set({ emailVerifiedAt: new Date(), updatedAt: new Date() }).where(eq(users.id, user.id));
  await recordAuditEvent(deps, { event: 'email_verified', userId: user.id, ...meta });
}
