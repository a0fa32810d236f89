// orgs.*: organizations for full members (guests are refused).
import { memberProcedure, router } from '../trpc/init';
import { addOrgMember, createOrg, listOrgs, removeOrgMember } from './membership';
import { addMemberInput, createOrgInput, orgListOutput, orgMemberOutput, orgOutput, removeMemberInput, removeMemberOutput } from './schema';

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
  addMember: memberProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs/{orgId}/members', tags: ['orgs'], errorResponses: [409], summary: 'Add an account by e-mail (admins only)' } })
    .input(addMemberInput)
    .output(orgMemberOutput)
    .mutation(({ ctx, input }) => addOrgMember(ctx.deps.db, ctx.user.id, input)),
  removeMember: memberProcedure
    .meta({ openapi: { method: 'DELETE', path: '/orgs/{orgId}/members/{userId}', tags: ['orgs'], summary: 'Remove a member (admins only; anyone may remove themselves)' } })
    .input(removeMemberInput)
    .output(removeMemberOutput)
    .mutation(({ ctx, input }) => removeOrgMember(ctx.deps.db, ctx.user.id, input)),
});
