// orgs.*: organizations for full members (guests are refused). Membership is by invitation:
// addMember invites an address, the invitee accepts or declines; a member may leave.
import { z } from 'zod';
import { memberProcedure, router } from '../trpc/init';
import { acceptInvitation, declineInvitation, inviteToOrg, leaveOrg, listInvitations } from './invitations';
import { createOrg, listOrgs, removeOrgMember } from './membership';
import {
  addMemberInput, createOrgInput, invitationIdInput, invitationOutput, okOutput, orgIdInput, orgListOutput, orgOutput, removeMemberInput,
  removeMemberOutput,
} from './schema';

export const orgsRouter = router({
  create: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs', tags: ['orgs'], summary: 'Create an organization (you become its admin)' } })
    .input(createOrgInput)
    .output(orgOutput)
    .mutation(({ ctx, input }) => createOrg(ctx.deps.db, ctx.user.id, input.name)),
  list: memberProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs', tags: ['orgs'], summary: 'Organizations you belong to' } })
    .output(orgListOutput)
    .query(({ ctx }) => listOrgs(ctx.deps.db, ctx.user.id)),
  /** Invites the address (mailed); the same answer whether or not an account has it. */
  addMember: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs/{orgId}/members', tags: ['orgs'], summary: 'Invite an e-mail address (admins only); it joins when the invitee accepts' } })
    .input(addMemberInput)
    .output(invitationOutput)
    .mutation(({ ctx, input }) => inviteToOrg(ctx.deps, ctx.user.id, input)),
  removeMember: memberProcedure
    .meta({ openapi: { method: 'DELETE', path: '/orgs/{orgId}/members/{userId}', tags: ['orgs'], summary: 'Remove a member (admins only)' } })
    .input(removeMemberInput)
    .output(removeMemberOutput)
    .mutation(({ ctx, input }) => removeOrgMember(ctx.deps.db, ctx.user.id, input)),

  invitations: memberProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs/invitations', tags: ['orgs'], summary: 'Invitations to organizations waiting for your answer' } })
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
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await declineInvitation(ctx.deps, ctx.user, input.invitationId);
      return { ok: true as const };
    }),
  leave: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs/{orgId}/leave', tags: ['orgs'], summary: 'Leave an organization (the last admin cannot)' } })
    .input(orgIdInput)
    .output(okOutput)
    .mutation(async ({ ctx, input }) => {
      await leaveOrg(ctx.deps, ctx.user, input.orgId);
      return { ok: true as const };
    }),
});
