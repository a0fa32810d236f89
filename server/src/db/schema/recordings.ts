// Tables of audio recordings.
import { bigint, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';
import { users } from './auth';
import { orgs } from './orgs';

export const recordings = pgTable(
  'recordings',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    orgId: text('org_id').references(() => orgs.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    meetingLink: text('meeting_link'),
    /** The input format the client declared (pcm_s16le_16000_mono, wav, webm, ogg, ...). */
    format: text('format').notNull(),
    status: text('status', { enum: ['live', 'finished', 'failed'] }).notNull().default('live'),
    /** File name inside the recordings storage. */
    filename: text('filename').notNull(),
    durationMs: integer('duration_ms').notNull().default(0),
    bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
    /** Live: the next frame seq the server expects (everything before it is durably written). */
    nextSeq: bigint('next_seq', { mode: 'number' }).notNull().default(0),
    /** Live: muxer state needed to resume after a crash (granule position, page sequence, ...). */
    resumeState: text('resume_state'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('recordings_owner_idx').on(t.ownerId, t.createdAt),
    index('recordings_org_idx').on(t.orgId, t.createdAt),
    index('recordings_status_idx').on(t.status, t.updatedAt),
  ],
);
