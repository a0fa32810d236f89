// orgs.*: organizations for full members (guests are refused).
import { memberProcedure, router } from '../trpc/init';
import { addOrgMember, createOrg, listOrgs, removeOrgMember } from './membership';
import { addMemberInput, createOrgInput, removeMemberInput } from './schema';

export const orgsRouter = router({
  create: memberProcedure.input(createOrgInput).mutation(({ ctx, input }) => createOrg(ctx.deps.db, ctx.user.id, input.name)),
  list: memberProcedure.query(({ ctx }) => listOrgs(ctx.deps.db, ctx.user.id)),
  addMember: memberProcedure.input(addMemberInput).mutation(({ ctx, input }) => addOrgMember(ctx.deps.db, ctx.user.id, input)),
  removeMember: memberProcedure.input(removeMemberInput).mutation(({ ctx, input }) => removeOrgMember(ctx.deps.db, ctx.user.id, input)),
});
