// Recovery codes: ten single-use codes shown once, stored as SHA-256 (each has 80 random bits,
// so a fast hash is enough: there is nothing to brute-force).
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { recoveryCodes } from '../../db/schema/index';

const RECOVERY_CODE_COUNT = 10;

/** "abcd-efgh-ijkl-mnop": 16 base32 characters in groups of four, easy to copy by hand. */
function generateRecoveryCode(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(10)).match(/.{4}/g)!.join('-');
}

function hashRecoveryCode(code: string): Uint8Array {
  return sha256(new TextEncoder().encode(code.toLowerCase().replace(/[\s-]/g, '')));
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z2-7]{16}$/.test(code.toLowerCase().replace(/[\s-]/g, ''));
}

/** Replaces any earlier set; returns the codes in plain text, the only time they exist so. */
export async function replaceRecoveryCodes(db: Database, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  await db.transaction(async (tx) => {
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codes.map((code) => ({ userId, codeHash: hashRecoveryCode(code) })));
  });
  return codes;
}

/** Marks the code used; true only for the one call that did (a code works once). */
export async function useRecoveryCode(db: Database, userId: string, code: string): Promise<boolean> {
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: new Date() })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashRecoveryCode(code)), isNull(recoveryCodes.usedAt)))
    .returning({ userId: recoveryCodes.userId });
  return used.length > 0;
}

export async function deleteRecoveryCodes(db: Database, userId: string): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}
