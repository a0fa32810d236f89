// Invitations to organizations: an admin invites an e-mail address; the person with that address
// accepts (or declines) once signed in. Nobody becomes a member without saying yes.
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, expiresAt } from './columns';
import { users } from './auth';
import { orgs } from './orgs';

export const orgInvitations = pgTable(
  'org_invitations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
    /** Normalized like users.email; whether an account has it is never told to the inviter. */
    email: text('email').notNull(),
    role: text('role', { enum: ['admin', 'member'] }).notNull(),
    invitedBy: text('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: expiresAt(),
  },
  (t) => [uniqueIndex('org_invitations_org_email_key').on(t.orgId, t.email), index('org_invitations_email_idx').on(t.email)],
);
