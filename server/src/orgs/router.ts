// orgs.*: organizations for full members (guests are refused). Membership is by invitation:
// addMember invites an address, the invitee accepts or declines; a member may leave.
import { z } from 'zod';
import { memberProcedure, router } from '../trpc/init';
import { ok, okOutput, restRoutes } from '../trpc/rest-meta';
import { acceptInvitation, declineInvitation, inviteToOrg, leaveOrg, listInvitations } from './invitations';
import { createOrg, listOrgs, removeOrgMember } from './membership';
import {
  addMemberInput, createOrgInput, invitationIdInput, invitationOutput, orgIdInput, orgListOutput, orgOutput, removeMemberInput, removeMemberOutput,
} from './schema';

const route = restRoutes('orgs');

export const orgsRouter = router({
  create: memberProcedure.meta(route('POST', '/orgs', 'Create an organization (you become its admin)')).input(createOrgInput).output(orgOutput)
    .mutation(({ ctx, input }) => createOrg(ctx.deps.db, ctx.user.id, input.name)),

  list: memberProcedure.meta(route('GET', '/orgs', 'Organizations you belong to')).output(orgListOutput).query(({ ctx }) => listOrgs(ctx.deps.db, ctx.user.id)),

  /** Invites the address (mailed); the same answer whether or not an account has it. */
  addMember: memberProcedure.meta(route('POST', '/orgs/{orgId}/members', 'Invite an e-mail address (admins only); it joins when the invitee accepts'))
    .input(addMemberInput).output(invitationOutput).mutation(({ ctx, input }) => inviteToOrg(ctx.deps, ctx.user.id, input)),

  removeMember: memberProcedure.meta(route('DELETE', '/orgs/{orgId}/members/{userId}', 'Remove a member (admins only)')).input(removeMemberInput).output(removeMemberOutput)
    .mutation(({ ctx, input }) => removeOrgMember(ctx.deps.db, ctx.user.id, input)),

  invitations: memberProcedure.meta(route('GET', '/orgs/invitations', 'Invitations to organizations waiting for your answer')).output(z.array(invitationOutput))
    .query(({ ctx }) => listInvitations(ctx.deps, ctx.user)),

  acceptInvitation: memberProcedure.meta(route('POST', '/orgs/invitations/{invitationId}/accept', 'Join the organization you were invited to'))
    .input(invitationIdInput).output(orgOutput).mutation(({ ctx, input }) => acceptInvitation(ctx.deps, ctx.user, input.invitationId)),

  declineInvitation: memberProcedure.meta(route('POST', '/orgs/invitations/{invitationId}/decline', 'Decline an invitation')).input(invitationIdInput).output(okOutput)
    .mutation(({ ctx, input }) => declineInvitation(ctx.deps, ctx.user, input.invitationId).then(ok)),

  leave: memberProcedure.meta(route('POST', '/orgs/{orgId}/leave', 'Leave an organization (the last admin cannot)')).input(orgIdInput).output(okOutput)
    .mutation(({ ctx, input }) => leaveOrg(ctx.deps, ctx.user, input.orgId).then(ok)),
});
