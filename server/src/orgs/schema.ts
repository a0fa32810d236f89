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
export const invitationIdInput = z.object({ invitationId: id });
export const orgIdInput = z.object({ orgId: id });

export const invitationOutput = z.object({
  invitationId: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'member']),
  expiresAt: z.string(),
});
export const orgOutput = z.object({ id: z.string(), name: z.string(), role: z.enum(['admin', 'member']), createdAt: z.string() });
