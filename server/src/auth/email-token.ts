// Single-use tokens mailed to people (password reset, e-mail verification, account recovery). The token is
// "<id>.<secret>" (secret 160 bits); the database keeps the id and SHA-256(secret) only.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { emailTokens } from '../db/schema/index';
import { generateSessionToken, hashSessionSecret, parseSessionToken, verifySessionSecret } from './session';

export type EmailTokenPurpose = 'password_reset' | 'email_verification' | 'account_recovery';
export type EmailToken = typeof emailTokens.$inferSelect;

/** A new token's row (not yet stored) and the token itself, which only the mail carries. */
export function newEmailToken(
  values: { purpose: EmailTokenPurpose; userId: string; email: string; ttlMs: number },
  now = new Date(),
): { row: typeof emailTokens.$inferInsert; token: string } {
  // Same shape and entropy as session tokens: 120-bit id, 160-bit secret.
  const { id, secret, token } = generateSessionToken();
  const row = { id, purpose: values.purpose, userId: values.userId, email: values.email, tokenHash: hashSessionSecret(secret), expiresAt: new Date(now.getTime() + values.ttlMs) };
  return { row, token };
}

/** Whether row is the live token of this purpose that secret opens. */
export function isLiveEmailToken(row: EmailToken, purpose: EmailTokenPurpose, secret: string, now = new Date()): boolean {
  return row.purpose === purpose && row.usedAt === null && row.expiresAt > now && verifySessionSecret(secret, row.tokenHash);
}

export async function createEmailToken(
  db: Database,
  values: { purpose: EmailTokenPurpose; userId: string; email: string; ttlMs: number },
): Promise<string> {
  const { row, token } = newEmailToken(values);
  // One live token per purpose: a newer mail makes the older link useless.
  await db
    .update(emailTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(emailTokens.userId, values.userId), eq(emailTokens.purpose, values.purpose), isNull(emailTokens.usedAt)));
  await db.insert(emailTokens).values(row);
  return token;
}

/** The unused, unexpired token row matching token, or null. Does not use it up. */
export async function findEmailToken(db: Database, purpose: EmailTokenPurpose, token: string): Promise<EmailToken | null> {
  const parsed = parseSessionToken(token);
  if (!parsed) return null;
  const now = new Date();
  const [row] = await db
    .select()
    .from(emailTokens)
    .where(and(eq(emailTokens.id, parsed.id), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)));
  return row && isLiveEmailToken(row, purpose, parsed.secret, now) ? row : null;
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
