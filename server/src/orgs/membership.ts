// Organizations and their members. A member reads the org's recordings; an admin also manages
// members (by invitation, invitations.ts) and deletes recordings. To anyone outside an org, it does not exist (ORG_NOT_FOUND).
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { generateId } from '../db/ids';
import { orgMembers, orgs } from '../db/schema/index';
import { AppError } from '../errors';

export type OrgRole = 'admin' | 'member';
export type OrgView = { id: string; name: string; role: OrgRole; createdAt: string };
export type OrgMemberView = { orgId: string; userId: string; role: OrgRole };

export async function findOrgRole(db: Database, orgId: string, userId: string): Promise<OrgRole | null> {
  const [row] = await db
    .select({ role: orgMembers.role })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)));
  return row?.role ?? null;
}

/** The ids of every org the user belongs to (recordings of these orgs are readable). */
export async function listOrgIdsOf(db: Database, userId: string): Promise<string[]> {
  const rows = await db.select({ orgId: orgMembers.orgId }).from(orgMembers).where(eq(orgMembers.userId, userId));
  return rows.map((r) => r.orgId);
}

export async function createOrg(db: Database, userId: string, name: string): Promise<OrgView> {
  const id = generateId();
  return db.transaction(async (tx) => {
    const [org] = await tx.insert(orgs).values({ id, name, createdBy: userId }).returning();
    await tx.insert(orgMembers).values({ orgId: id, userId, role: 'admin' });
    return { id, name: org!.name, role: 'admin' as const, createdAt: org!.createdAt.toISOString() };
  });
}

export async function listOrgs(db: Database, userId: string): Promise<OrgView[]> {
  const rows = await db
    .select({ id: orgs.id, name: orgs.name, role: orgMembers.role, createdAt: orgs.createdAt })
    .from(orgMembers)
    .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
    .where(eq(orgMembers.userId, userId))
    .orderBy(asc(orgs.createdAt), asc(orgs.id));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

/** Non-members learn nothing (ORG_NOT_FOUND); members who are not admins get NOT_ADMIN. */
export async function requireAdmin(db: Database, orgId: string, userId: string): Promise<void> {
  const role = await findOrgRole(db, orgId, userId);
  if (!role) throw new AppError('ORG_NOT_FOUND');
  if (role !== 'admin') throw new AppError('NOT_ADMIN');
}

export async function removeOrgMember(db: Database, actorId: string, input: { orgId: string; userId: string }): Promise<{ removed: boolean }> {
  await requireAdmin(db, input.orgId, actorId);
  const role = await findOrgRole(db, input.orgId, input.userId);
  if (!role) throw new AppError('USER_NOT_FOUND', { message: 'This account is not a member of the organization' });
  if (role === 'admin') await requireAnotherAdmin(db, input.orgId, input.userId);
  await db.delete(orgMembers).where(and(eq(orgMembers.orgId, input.orgId), eq(orgMembers.userId, input.userId)));
  return { removed: true };
}

/** An org never loses its last admin: nobody could manage it afterwards. */
export async function requireAnotherAdmin(db: Database, orgId: string, leavingAdminId: string): Promise<void> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, 'admin'), sql`${orgMembers.userId} <> ${leavingAdminId}`));
  if (!row || Number(row.n) === 0) throw new AppError('LAST_ADMIN');
}
