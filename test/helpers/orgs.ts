// Org membership in tests: membership is by invitation, so joining takes the admin's invitation and the invitee's yes.
import type { Client } from './server';

type Account = { client: Client; email: string };

/** The admin invites the invitee's address with role; the invitee accepts. Returns the org as the invitee sees it. */
export async function joinOrg(admin: Account, invitee: Account, orgId: string, role: 'admin' | 'member' = 'member') {
  const { invitationId } = await admin.client.orgs.addMember.mutate({ orgId, email: invitee.email, role });
  return invitee.client.orgs.acceptInvitation.mutate({ invitationId });
}
