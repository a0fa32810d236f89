// Single-use tokens mailed to people (password reset, e-mail verification, account recovery). The token is
// "<id>.<secret>" (secret 160 bits); the database keeps the id and SHA-256(secret) only.
import { and, eq, gt, isNull } from 'drizzle-orm';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import type { Database } from '../db/client';
import { emailTokens } from '../db/schema/index';
import { generateSessionToken, hashSessionSecret } from './session';

export type EmailTokenPurpose = 'password_reset' | 'email_verification' | 'account_recovery';
export type EmailToken = typeof emailTokens.$inferSelect;

export async function createEmailToken(
  db: Database,
  values: { purpose: EmailTokenPurpose; userId: string; email: string; ttlMs: number },
): Promise<string> {
  // Same shape and entropy as session tokens: 120-bit id, 160-bit secret.
  const { id, secret, token } = generateSessionToken();
  // One live token per purpose: a newer mail makes the older link useless.
  await db
    .update(emailTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(emailTokens.userId, values.userId), eq(emailTokens.purpose, values.purpose), isNull(emailTokens.usedAt)));
  await db.insert(emailTokens).values({
    id,
    purpose: values.purpose,
    userId: values.userId,
    email: values.email,
    tokenHash: hashSessionSecret(secret),
    expiresAt: new Date(Date.now() + values.ttlMs),
  });
  return token;
}

/** The unused, unexpired token row matching token, or null. Does not use it up. */
export async function findEmailToken(db: Database, purpose: EmailTokenPurpose, token: string): Promise<EmailToken | null> {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 200) return null;
  const [row] = await db
    .select()
    .from(emailTokens)
    .where(and(eq(emailTokens.id, token.slice(0, dot)), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, new Date())));
  if (!row || !constantTimeEqual(hashSessionSecret(token.slice(dot + 1)), row.tokenHash)) return null;
  return row;
}

/** Marks the token used; false when another request used it first (so it works exactly once). */
export async function useEmailToken(db: Database, row: EmailToken): Promise<boolean> {
  const used = await db
    .update(emailTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(emailTokens.id, row.id), isNull(emailTokens.usedAt)))
    .returning({ id: emailTokens.id });
  return used.length === 1;
}
