// orgs.*: organizations for full members (guests are refused). Membership is by invitation:
// addMember invites an address, the invitee accepts or declines; a member may leave.
import { z } from 'zod';
import { memberProcedure, router } from '../trpc/init';
import { acceptInvitation, declineInvitation, inviteToOrg, leaveOrg, listInvitations } from './invitations';
import { createOrg, listOrgs, removeOrgMember } from './membership';
import { addMemberInput, createOrgInput, invitationIdInput, invitationOutput, orgIdInput, orgOutput, removeMemberInput } from './schema';

const ok = z.object({ ok: z.literal(true) });

export const orgsRouter = router({
  create: memberProcedure.input(createOrgInput).mutation(({ ctx, input }) => createOrg(ctx.deps.db, ctx.user.id, input.name)),
  list: memberProcedure.query(({ ctx }) => listOrgs(ctx.deps.db, ctx.user.id)),
  /** Invites the address (mailed); the same answer whether or not an account has it. */
  addMember: memberProcedure.input(addMemberInput).mutation(({ ctx, input }) => inviteToOrg(ctx.deps, ctx.user.id, input)),
  removeMember: memberProcedure.input(removeMemberInput).mutation(({ ctx, input }) => removeOrgMember(ctx.deps.db, ctx.user.id, input)),

  invitations: memberProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs/invitations', tags: ['orgs'], summary: 'Invitations to organizations waiting for your answer' } })
    .input(z.void())
    .output(z.array(invitationOutput))
    .query(({ ctx }) => listInvitations(ctx.deps, ctx.user)),
  acceptInvitation: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs/invitations/{invitationId}/accept', tags: ['orgs'], summary: 'Join the organization you were invited to' } })
    .input(invitationIdInput)
    .output(orgOutput)
    .mutation(({ ctx, input }) => acceptInvitation(ctx.deps, ctx.user, input.invitationId)),
  declineInvitation: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs/invitations/{invitationId}/decline', tags: ['orgs'], summary: 'Decline an invitation' } })
    .input(invitationIdInput)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await declineInvitation(ctx.deps, ctx.user, input.invitationId);
      return { ok: true as const };
    }),
  leave: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs/{orgId}/leave', tags: ['orgs'], summary: 'Leave an organization' } })
    .input(orgIdInput)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await leaveOrg(ctx.deps, ctx.user, input.orgId);
      return { ok: true as const };
    }),
});
