// Recovery by the phone number an account gave: a 6-digit code by SMS, kept as an HMAC with a
// server secret (a leaked table can't be brute-forced offline), valid 10 minutes, one use, and dead
// after 5 tries. Requests answer the same, in the same time, for known and unknown numbers.
import { createHmac, randomInt } from 'node:crypto';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { generateId } from '../../db/ids';
import { phoneRecoveryCodes, users } from '../../db/schema/index';
import { AppError } from '../../errors';
import { recordAuditEvent } from '../audit';
import type { User } from '../session';
import type { ClientMeta } from '../sign-in-session';
import { createRecoveryGrant } from './grant';

export const CODE_TTL_MS = 10 * 60_000;
export const MAX_CODE_ATTEMPTS = 5;
const SECRET_NAME = 'recovery.phone_codes';

/** The account a number recovers: a member without a password; the newest if several gave it. */
async function findAccountByPhone(deps: AppDeps, phone: string): Promise<User | null> {
  const [user] = await deps.db
    .select()
    .from(users)
    .where(and(eq(users.phone, phone), eq(users.kind, 'member'), isNull(users.passwordHash)))
    .orderBy(desc(users.createdAt))
    .limit(1);
  return user ?? null;
}

/** A secret generated once and kept in server_secrets, shared by every instance. */
function codeSecret(deps: Pick<AppDeps, 'secrets'>): Promise<string> {
  return deps.secrets.get(SECRET_NAME);
}

async function hashCode(deps: AppDeps, codeId: string, code: string): Promise<Uint8Array> {
  return createHmac('sha256', await codeSecret(deps)).update(`${codeId}:${code}`).digest();
}

/** Always the same answer; the lookup and the SMS happen after it, in the background. */
export async function requestPhoneCode(deps: AppDeps, phone: string, meta: ClientMeta): Promise<void> {
  if (meta.ip) await deps.limits.consume('recovery_ip', meta.ip);
  await deps.limits.consume('recovery_phone', phone);
  deps.sms.track(sendPhoneCode(deps, phone, meta).catch((error) => deps.logger.error({ err: error }, 'sending a recovery code failed')));
}

async function sendPhoneCode(deps: AppDeps, phone: string, meta: ClientMeta): Promise<void> {
  const user = await findAccountByPhone(deps, phone);
  if (!user) return;
  const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
  const id = generateId();
  const now = new Date();
  // One live code per number: a newer SMS makes the older code useless; expired rows are swept.
  await deps.db.update(phoneRecoveryCodes).set({ usedAt: now }).where(and(eq(phoneRecoveryCodes.phone, phone), isNull(phoneRecoveryCodes.usedAt)));
  await deps.db.delete(phoneRecoveryCodes).where(lt(phoneRecoveryCodes.expiresAt, new Date(now.getTime() - 24 * 3_600_000)));
  await deps.db.insert(phoneRecoveryCodes).values({ id, userId: user.id, phone, codeHash: await hashCode(deps, id, code), expiresAt: new Date(now.getTime() + CODE_TTL_MS) });
  await recordAuditEvent(deps, { event: 'recovery_code_sent', userId: user.id, ...meta });
  await deps.sms.send({
    to: phone,
    text: `Your Parley recovery code is ${code}. It works once, for ${CODE_TTL_MS / 60_000} minutes. Parley never asks for it: don't share it.`,
  });
}

/**
 * A right code gives a recovery grant. Each check first takes one of the code's 5 tries (in the
 * database, so parallel guesses can't exceed it); wrong, expired, used, locked and unknown all give
 * the same RECOVERY_CODE_INVALID, so the answer never tells whether a number has an account.
 */
export async function verifyPhoneCode(deps: AppDeps, input: { phone: string; code: string }, meta: ClientMeta): Promise<{ grant: string; expiresAt: Date }> {
  if (meta.ip) await deps.limits.consume('recovery_verify_ip', meta.ip);
  const [latest] = await deps.db
    .select({ id: phoneRecoveryCodes.id })
    .from(phoneRecoveryCodes)
    .where(and(eq(phoneRecoveryCodes.phone, input.phone), isNull(phoneRecoveryCodes.usedAt)))
    .orderBy(desc(phoneRecoveryCodes.createdAt))
    .limit(1);
  if (!latest) throw new AppError('RECOVERY_CODE_INVALID');
  const [row] = await deps.db
    .update(phoneRecoveryCodes)
    .set({ attempts: sql`${phoneRecoveryCodes.attempts} + 1` })
    .where(
      and(
        eq(phoneRecoveryCodes.id, latest.id),
        isNull(phoneRecoveryCodes.usedAt),
        gt(phoneRecoveryCodes.expiresAt, new Date()),
        lt(phoneRecoveryCodes.attempts, MAX_CODE_ATTEMPTS),
      ),
    )
    .returning();
  if (!row || !constantTimeEqual(await hashCode(deps, row.id, input.code), row.codeHash)) {
    if (row && row.attempts >= MAX_CODE_ATTEMPTS) await recordAuditEvent(deps, { event: 'recovery_code_locked', userId: row.userId, ...meta });
    throw new AppError('RECOVERY_CODE_INVALID');
  }
  const used = await deps.db
    .update(phoneRecoveryCodes)
    .set({ usedAt: new Date() })
    .where(and(eq(phoneRecoveryCodes.id, row.id), isNull(phoneRecoveryCodes.usedAt)))
    .returning({ id: phoneRecoveryCodes.id });
  if (used.length !== 1) throw new AppError('RECOVERY_CODE_INVALID');
  await recordAuditEvent(deps, { event: 'recovery_granted', userId: row.userId, ...meta, detail: { method: 'phone' } });
  return createRecoveryGrant(deps.db, row.userId, 'phone');
}
