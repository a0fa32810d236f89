// Server-side challenges for passkey ceremonies and pending two-factor logins: single-use
// (consuming one deletes it) and valid for five minutes.
import { and, eq, lt } from 'drizzle-orm';
import type { Database } from '../db/client';
import { authChallenges } from '../db/schema/index';

export const CHALLENGE_TTL_MS = 5 * 60_000;

export type Challenge = typeof authChallenges.$inferSelect;
export type ChallengeKind = Challenge['kind'];

export async function storeChallenge(
  db: Database,
  values: { id: string; kind: ChallengeKind; userId: string | null; value: string; data?: unknown },
): Promise<void> {
  const now = new Date();
  await db.insert(authChallenges).values({ ...values, data: values.data ?? null, expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS) });
}

/**
 * Deletes expired challenges (abandoned ceremonies would pile up otherwise): an indexed range delete
 * (auth_challenges_expires_idx) run by each instance's periodic sweep (sessions/sweep.ts), not on every insert.
 */
export async function sweepExpiredChallenges(db: Database): Promise<void> {
  await db.delete(authChallenges).where(lt(authChallenges.expiresAt, new Date()));
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
