// Inputs of orgs.*: every string bounded.
import { z } from 'zod';

const id = z.string().min(1).max(64);

export const createOrgInput = z.object({ name: z.string().trim().min(1).max(120) });
export const addMemberInput = z.object({
  orgId: id,
  email: z.string().trim().email().max(254),
  role: z.enum(['admin', 'member']).default('member'),
});
export const removeMemberInput = z.object({ orgId: id, userId: id });

const role = z.enum(['admin', 'member']);
export const orgOutput = z.object({ id: z.string(), name: z.string(), role, createdAt: z.string() });
export const orgListOutput = z.array(orgOutput);
export const orgMemberOutput = z.object({ orgId: z.string(), userId: z.string(), role });
export const removeMemberOutput = z.object({ removed: z.boolean() });

export const invitationIdInput = z.object({ invitationId: id });
export const orgIdInput = z.object({ orgId: id });
/** orgs.addMember answers an invitation: the same shape whether or not an account has the address. */
export const invitationOutput = z.object({
  invitationId: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  email: z.string(),
  role,
  expiresAt: z.string(),
});
