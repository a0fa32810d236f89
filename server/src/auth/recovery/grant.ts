// Recovery grants: what a proven SMS code or mailed link gives. A grant lives minutes, works once,
// and can only add a new passkey (or set a password), which then signs the person in.
// The token is "<id>.<secret>" like a session's; the database keeps SHA-256(secret) only.
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { recoveryGrants } from '../../db/schema/index';
import { AppError } from '../../errors';
import { generateSessionToken, hashSessionSecret, type User } from '../session';
import { getUserById } from '../user';

export const GRANT_TTL_MS = 10 * 60_000;

export type RecoveryGrant = typeof recoveryGrants.$inferSelect;

export async function createRecoveryGrant(db: Database, userId: string, method: RecoveryGrant['method']): Promise<{ grant: string; expiresAt: Date }> {
  const { id, secret, token } = generateSessionToken();
  const expiresAt = new Date(Date.now() + GRANT_TTL_MS);
  // One live grant per account: a newer proof makes an older grant useless.
  await db.update(recoveryGrants).set({ usedAt: new Date() }).where(and(eq(recoveryGrants.userId, userId), isNull(recoveryGrants.usedAt)));
  await db.insert(recoveryGrants).values({ id, userId, method, secretHash: hashSessionSecret(secret), expiresAt });
  return { grant: token, expiresAt };
}

/** The live grant and its account; RECOVERY_GRANT_INVALID otherwise. Does not use it up. */
export async function findRecoveryGrant(db: Database, token: string): Promise<{ grant: RecoveryGrant; user: User }> {
  const dot = token.indexOf('.');
  if (dot > 0 && token.length <= 200) {
    const [row] = await db
      .select()
      .from(recoveryGrants)
      .where(and(eq(recoveryGrants.id, token.slice(0, dot)), isNull(recoveryGrants.usedAt), gt(recoveryGrants.expiresAt, new Date())));
    if (row && constantTimeEqual(hashSessionSecret(token.slice(dot + 1)), row.secretHash)) {
      const user = await getUserById(db, row.userId);
      if (user) return { grant: row, user };
    }
  }
  throw new AppError('RECOVERY_GRANT_INVALID');
}

/** Marks the grant used; false when another request used it first (so it works exactly once). */
export async function useRecoveryGrant(db: Database, grant: RecoveryGrant): Promise<boolean> {
  const used = await db
    .update(recoveryGrants)
    .set({ usedAt: new Date() })
    .where(and(eq(recoveryGrants.id, grant.id), isNull(recoveryGrants.usedAt), gt(recoveryGrants.expiresAt, new Date())))
    .returning({ id: recoveryGrants.id });
  return used.length === 1;
}
