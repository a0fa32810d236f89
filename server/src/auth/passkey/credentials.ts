// A user's passkeys: listing, removing, and the public shape (never the public key).
import { and, asc, count, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { passkeys } from '../../db/schema/index';
import { AppError } from '../../errors';
import type { User } from '../session';

export type Passkey = typeof passkeys.$inferSelect;

export type PublicPasskey = {
  id: string;
  nickname: string | null;
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
};

export function toPublicPasskey(passkey: Passkey): PublicPasskey {
  return {
    id: passkey.id,
    nickname: passkey.nickname,
    transports: passkey.transports ?? [],
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
  };
}

export async function listPasskeys(db: Database, userId: string): Promise<Passkey[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt));
}

export async function getPasskeyById(db: Database, id: string): Promise<Passkey | null> {
  const [passkey] = await db.select().from(passkeys).where(eq(passkeys.id, id));
  return passkey ?? null;
}

/** Someone else's passkey is NOT_FOUND; the last way into a password-less account stays. */
export async function removePasskey(db: Database, user: User, id: string): Promise<void> {
  const [owned] = await db.select({ id: passkeys.id }).from(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, user.id)));
  if (!owned) throw new AppError('PASSKEY_NOT_FOUND');
  if (!user.passwordHash) {
    const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(passkeys).where(eq(passkeys.userId, user.id));
    if (total <= 1) throw new AppError('LAST_SIGN_IN_METHOD');
  }
  await db.delete(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, user.id)));
}
