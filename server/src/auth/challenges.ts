// Server-side challenges for passkey ceremonies and pending two-factor logins: single-use
// (consuming one deletes it) and valid for five minutes.
import { and, eq, lt } from 'drizzle-orm';
import type { Database } from '../db/client';
import { authChallenges } from '../db/schema/index';

export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Expired challenges are swept at most this often per database (an indexed range delete), not on every insert. */
const SWEEP_EVERY_MS = 60_000;
const lastSweep = new WeakMap<Database, number>();

export type Challenge = typeof authChallenges.$inferSelect;
export type ChallengeKind = Challenge['kind'];

export async function storeChallenge(
  db: Database,
  values: { id: string; kind: ChallengeKind; userId: string | null; value: string; data?: unknown },
): Promise<void> {
  const now = new Date();
  // Abandoned ceremonies would pile up otherwise: swept by auth_challenges_expires_idx, once a minute.
  if (now.getTime() - (lastSweep.get(db) ?? 0) >= SWEEP_EVERY_MS) {
    lastSweep.set(db, now.getTime());
    await db.delete(authChallenges).where(lt(authChallenges.expiresAt, now));
  }
  await db.insert(authChallenges).values({ ...values, data: values.data ?? null, expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS) });
}

/** A live challenge, left in place (a pending 2FA login survives a mistyped code). */
export async function findChallenge(db: Database, kind: ChallengeKind, id: string): Promise<Challenge | null> {
  const [row] = await db.select().from(authChallenges).where(and(eq(authChallenges.id, id), eq(authChallenges.kind, kind)));
  return row && row.expiresAt.getTime() > Date.now() ? row : null;
}

/** Deletes the challenge and returns it if it was still live: of two concurrent uses only one wins. */
export async function consumeChallenge(db: Database, kind: ChallengeKind, id: string): Promise<Challenge | null> {
  const [row] = await db
    .delete(authChallenges)
    .where(and(eq(authChallenges.id, id), eq(authChallenges.kind, kind)))
    .returning();
  return row && row.expiresAt.getTime() > Date.now() ? row : null;
}
