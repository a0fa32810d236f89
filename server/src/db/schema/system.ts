// Tables the server itself uses: shared secrets, the outbox of dev mail, oversized bus payloads.
import { bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';

/** Secrets generated once and shared by every instance on the same database. */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

/** Mail that was not sent over SMTP (no SMTP_URL): a developer reads it here and in the log. */
export const outbox = pgTable('outbox', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  to: text('to').notNull(),
  subject: text('subject').notNull(),
  text: text('text').notNull(),
  html: text('html'),
  createdAt: createdAt(),
});

/** Bus events larger than a NOTIFY payload (8000 bytes) travel by reference through this table. */
export const busPayloads = pgTable(
  'bus_payloads',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('bus_payloads_created_idx').on(t.createdAt)],
);
