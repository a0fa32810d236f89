// Membership by invitation: an admin invites an e-mail address (the answer and its cost are the same
// whether an account has that address), the invitee sees the invitation once signed in and accepts or
// declines it; a member may leave. Nobody is put in an org without saying yes.
import { and, eq, gt } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { generateId } from '../db/ids';
import { orgInvitations, orgMembers, orgs } from '../db/schema/index';
import { AppError } from '../errors';
import { orgInvitationMail } from '../mail/messages';
import { normalizeEmail } from '../auth/user';
import type { User } from '../auth/session';
import { findOrgRole, requireAdmin, requireAnotherAdmin, type OrgRole, type OrgView } from './membership';

const INVITATION_TTL_MS = 14 * 86_400_000;

export type InvitationView = { invitationId: string; orgId: string; orgName: string; email: string; role: OrgRole; expiresAt: string };

/**
 * orgs.addMember: invites the address (again: a new id and expiry replace an older invitation).
 * The mail goes out in the background, to every address alike.
 */
export async function inviteToOrg(deps: AppDeps, actorId: string, input: { orgId: string; email: string; role: OrgRole }): Promise<InvitationView> {
  await requireAdmin(deps.db, input.orgId, actorId);
  // Each invitation mails a stranger: bounded per admin, so an org cannot be a spam relay.
  await deps.limits.consume('org_invite_user', actorId);
  const email = normalizeEmail(input.email);
  const id = generateId();
  const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
  const [row] = await deps.db
    .insert(orgInvitations)
    .values({ id, orgId: input.orgId, email, role: input.role, invitedBy: actorId, expiresAt })
    .onConflictDoUpdate({ target: [orgInvitations.orgId, orgInvitations.email], set: { id, role: input.role, invitedBy: actorId, expiresAt, createdAt: new Date() } })
    .returning();
  const [org] = await deps.db.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, input.orgId));
  deps.mailer.sendLater(orgInvitationMail(deps.config, email, org!.name, input.role));
  return { invitationId: row!.id, orgId: input.orgId, orgName: org!.name, email, role: input.role, expiresAt: expiresAt.toISOString() };
}

/**
 * The live invitations for the caller's address. An address counts as the caller's when it is
 * verified, or when the account had it before the invitation was made (so registering an unverified
 * address after an invitation went to it does not claim the invitation).
 */
export async function listInvitations(deps: AppDeps, user: User): Promise<InvitationView[]> {
  if (!user.email) return [];
  const rows = await deps.db
    .select({ invitation: orgInvitations, orgName: orgs.name })
    .from(orgInvitations)
    .innerJoin(orgs, eq(orgs.id, orgInvitations.orgId))
    .where(and(eq(orgInvitations.email, normalizeEmail(user.email)), gt(orgInvitations.expiresAt, new Date())));
  return rows
    .filter(({ invitation }) => user.emailVerifiedAt !== null || user.createdAt.getTime() <= invitation.createdAt.getTime())
    .map(({ invitation, orgName }) => toView(invitation, orgName));
}

function toView(invitation: typeof orgInvitations.$inferSelect, orgName: string): InvitationView {
  return { invitationId: invitation.id, orgId: invitation.orgId, orgName, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt.toISOString() };
}

async function findOwnInvitation(deps: AppDeps, user: User, invitationId: string) {
  const found = (await listInvitations(deps, user)).find((i) => i.invitationId === invitationId);
  if (!found) throw new AppError('INVITATION_NOT_FOUND');
  return found;
}

/** Joins the org with the invited role (an existing member's role becomes the invited one). */
export async function acceptInvitation(deps: AppDeps, user: User, invitationId: string): Promise<OrgView> {
  const invitation = await findOwnInvitation(deps, user, invitationId);
  const current = await findOrgRole(deps.db, invitation.orgId, user.id);
  if (current === 'admin' && invitation.role !== 'admin') await requireAnotherAdmin(deps.db, invitation.orgId, user.id);
  return deps.db.transaction(async (tx) => {
    const used = await tx.delete(orgInvitations).where(eq(orgInvitations.id, invitationId)).returning({ id: orgInvitations.id });
    if (used.length === 0) throw new AppError('INVITATION_NOT_FOUND');
    await tx
      .insert(orgMembers)
      .values({ orgId: invitation.orgId, userId: user.id, role: invitation.role })
      .onConflictDoUpdate({ target: [orgMembers.orgId, orgMembers.userId], set: { role: invitation.role } });
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, invitation.orgId));
    return { id: org!.id, name: org!.name, role: invitation.role, createdAt: org!.createdAt.toISOString() };
  });
}

export async function declineInvitation(deps: AppDeps, user: User, invitationId: string): Promise<void> {
  await findOwnInvitation(deps, user, invitationId);
  await deps.db.delete(orgInvitations).where(eq(orgInvitations.id, invitationId));
}

/** A member leaves; the last admin cannot (the org would have nobody to manage it). */
export async function leaveOrg(deps: AppDeps, user: User, orgId: string): Promise<void> {
  const role = await findOrgRole(deps.db, orgId, user.id);
  if (!role) throw new AppError('ORG_NOT_FOUND');
  if (role === 'admin') await requireAnotherAdmin(deps.db, orgId, user.id);
  await deps.db.delete(orgMembers).where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, user.id)));
}
