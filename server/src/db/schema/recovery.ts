// Tables of account recovery without a password: codes sent by SMS, the grants a proven code or
// mailed link gives, and the SMS outbox (no SMS transport configured).
import { bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { bytea, users } from './auth';

/** A 6-digit code sent by SMS: stored as an HMAC (never the code), 10 minutes, one use, 5 tries. */
export const phoneRecoveryCodes = pgTable(
  'phone_recovery_codes',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** E.164, the number the code was sent to (the lookup key of verifyPhoneCode). */
    phone: text('phone').notNull(),
    codeHash: bytea('code_hash').notNull(),
    /** Wrong codes tried against this one; at the limit the code is dead. */
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('phone_recovery_codes_phone_idx').on(t.phone, t.createdAt)],
);

/**
 * What a proven code or link gives: minutes to register a new passkey (or set a password), once.
 * The token is "<id>.<secret>"; only SHA-256(secret) is kept.
 */
export const recoveryGrants = pgTable(
  'recovery_grants',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    secretHash: bytea('secret_hash').notNull(),
    /** How the person proved it: 'phone' or 'email'. */
    method: text('method', { enum: ['phone', 'email'] }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('recovery_grants_user_idx').on(t.userId)],
);

/** SMS that no transport sent (neither SMS_WEBHOOK_URL nor SMS_URL): a developer reads it here. */
export const smsOutbox = pgTable('sms_outbox', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  to: text('to').notNull(),
  text: text('text').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
