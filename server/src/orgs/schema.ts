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
