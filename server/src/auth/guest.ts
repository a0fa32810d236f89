// Guests: an account with an alias and no e-mail, limited to rooms (memberProcedure refuses them
// elsewhere). A guest can become a member keeping the same user id, rooms and messages. Guests
// idle for 30 days are deleted by a periodic job (their messages stay, with no sender).
import { and, eq, lt } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import type { Database } from '../db/client';
import { users } from '../db/schema/index';
import { AppError } from '../errors';
import { hashPassword } from './password';
import { createSession, invalidateUserSessions, type Session, sessionPolicyOf, type User } from './session';
import { createUser, normalizeEmail } from './user';
import { assertAcceptablePassword } from './password-rules';
import { timedHash } from './sign-in';
import { type ClientMeta, openSignInSession } from './sign-in-session';

export const GUEST_IDLE_LIMIT_MS = 30 * 86_400_000;
const CLEANUP_EVERY_MS = 60 * 60_000;
const FIRST_CLEANUP_AFTER_MS = 60_000;

type SignedIn = { user: User; session: Session; token: string };

export async function createGuest(deps: AppDeps, input: { alias: string; gender?: string }, meta: ClientMeta): Promise<SignedIn> {
  await deps.limits.consume('guest_ip', meta.ip ?? 'unknown');
  const user = await createUser(deps.db, { kind: 'guest', alias: input.alias, gender: input.gender ?? null });
  if (!user) throw new AppError('CONFLICT');
  const { session, token } = await createSession(deps.db, sessionPolicyOf(deps.config), user.id, meta);
  deps.metrics.authEvents.inc({ event: 'guest' });
  return { user, session, token };
}

function isUniqueViolation(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Turns a guest into a member: same user id (so rooms and messages stay theirs), e-mail and
 * password added. Privileges change, so every session ends and a new one is issued. Held to
 * auth.register's rules: the same throttles and password rules, and a taken address is found only
 * by the insert, after the hash, so known and unknown addresses cost the same.
 */
export async function upgradeGuest(deps: AppDeps, user: User, input: { email: string; password: string }, meta: ClientMeta): Promise<SignedIn> {
  if (user.kind !== 'guest') throw new AppError('NOT_A_GUEST');
  if (meta.ip) await deps.limits.consume('register_ip', meta.ip);
  await deps.limits.consume('register_email', normalizeEmail(input.email));
  assertAcceptablePassword(input.password, input.email);
  const passwordHash = await timedHash(deps, 'hash', () => hashPassword(deps.passwords, input.password, deps.config.passwordHashProfile));
  let upgraded: User | undefined;
  try {
    [upgraded] = await deps.db
      .update(users)
      .set({ email: normalizeEmail(input.email), passwordHash, kind: 'member', updatedAt: new Date(), lastActiveAt: new Date() })
      .where(and(eq(users.id, user.id), eq(users.kind, 'guest')))
      .returning();
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('EMAIL_TAKEN');
    throw error;
  }
  if (!upgraded) throw new AppError('NOT_A_GUEST');
  await invalidateUserSessions(deps.db, deps.bus, user.id);
  // The account now has credentials: audited as a registration, and this device is known to it.
  const { session, token } = await openSignInSession(deps, upgraded, meta, 'register');
  deps.metrics.authEvents.inc({ event: 'guest_upgraded' });
  return { user: upgraded, session, token };
}

/** Deletes guests whose last activity is before cutoff; returns how many. */
export async function deleteIdleGuests(db: Database, cutoff: Date): Promise<number> {
  const deleted = await db
    .delete(users)
    .where(and(eq(users.kind, 'guest'), lt(users.lastActiveAt, cutoff)))
    .returning({ id: users.id });
  return deleted.length;
}

/** Runs deleteIdleGuests hourly (every instance may; the delete is idempotent). Returns stop. */
export function startGuestCleanup(deps: AppDeps): () => void {
  const run = () => {
    deleteIdleGuests(deps.db, new Date(Date.now() - GUEST_IDLE_LIMIT_MS)).then(
      (count) => count > 0 && deps.logger.info({ count }, 'deleted idle guest accounts'),
      (error) => deps.logger.warn({ err: error }, 'guest cleanup failed'),
    );
  };
  const first = setTimeout(run, FIRST_CLEANUP_AFTER_MS);
  const every = setInterval(run, CLEANUP_EVERY_MS);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
