// Users: creation, lookup by normalized e-mail, and the public shape the API returns.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { preparedPerDatabase } from '../db/prepared';
import { generateId } from '../db/ids';
import { totpCredentials, users } from '../db/schema/index';
import type { User } from './session';

export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

export async function getUserByEmail(db: Database, email: string): Promise<User | null> {
  const [user] = await selectUserByEmail(db).execute({ email: normalizeEmail(email) });
  return user ?? null;
}

/** The account for a password sign-in, and whether it has two-factor on. */
export async function getUserForSignIn(db: Database, email: string): Promise<{ user: User; totpEnabled: boolean } | null> {
  const [row] = await selectUserForSignIn(db).execute({ email: normalizeEmail(email) });
  return row ? { user: row.user, totpEnabled: row.totpEnabled === true } : null;
}

const selectUserForSignIn = preparedPerDatabase((db) =>
  db
    .select({
      user: users,
      totpEnabled: sql<boolean>`exists (select 1 from ${totpCredentials} where ${totpCredentials.userId} = ${users.id} and ${totpCredentials.enabledAt} is not null)`,
    })
    .from(users)
    .where(eq(users.email, sql.placeholder('email')))
    .prepare('parley_user_for_sign_in'),
);

const selectUserByEmail = preparedPerDatabase((db) => db.select().from(users).where(eq(users.email, sql.placeholder('email'))).prepare('parley_user_by_email'));

export async function getUserById(db: Database, id: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  return user ?? null;
}

/** Returns null when the e-mail is taken. */
export async function createUser(
  db: Database,
  values: { email?: string | null; name?: string | null; passwordHash?: string | null; kind?: 'member' | 'guest'; alias?: string | null; gender?: string | null },
): Promise<User | null> {
  const [user] = await db
    .insert(users)
    .values({
      id: generateId(),
      email: values.email ? normalizeEmail(values.email) : null,
      name: values.name ?? null,
      passwordHash: values.passwordHash ?? null,
      kind: values.kind ?? 'member',
      alias: values.alias ?? null,
      gender: values.gender ?? null,
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  return user ?? null;
}

export async function setPasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
}

export type PublicUser = {
  id: string;
  email: string | null;
  name: string | null;
  emailVerified: boolean;
  kind: 'member' | 'guest';
  alias: string | null;
  gender: string | null;
  /** What other people see: the name, the guest alias, or the e-mail's local part. */
  displayName: string;
  createdAt: string;
};

/**
 * Rows from the session cache are frozen and shared by every request of their session for a
 * second (session-cache.ts): their projection is made once, not per request (auth.me).
 */
const publicUsers = new WeakMap<User, PublicUser>();

export function toPublicUser(user: User): PublicUser {
  if (!Object.isFrozen(user)) return projectUser(user);
  let projected = publicUsers.get(user);
  if (!projected) publicUsers.set(user, (projected = Object.freeze(projectUser(user))));
  return projected;
}

function projectUser(user: User): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    kind: user.kind,
    alias: user.alias,
    gender: user.gender,
    displayName: displayName(user),
    createdAt: user.createdAt.toISOString(),
  };
}

export function displayName(user: Pick<User, 'name' | 'alias' | 'email'>): string {
  return user.name ?? user.alias ?? user.email?.split('@')[0] ?? 'someone';
}
