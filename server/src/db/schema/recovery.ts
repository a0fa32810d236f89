// Tables of account recovery without a password: codes sent by SMS, the grants a proven code or
// mailed link gives, and the SMS outbox (no SMS transport configured).
import { bigserial, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { bytea, createdAt, singleUse } from './columns';
import { accountRow } from './auth';

/** A 6-digit code sent by SMS: stored as an HMAC (never the code), 10 minutes, one use, 5 tries. */
export const phoneRecoveryCodes = pgTable(
  'phone_recovery_codes',
  {
    ...accountRow(),
    /** E.164, the number the code was sent to (the lookup key of verifyPhoneCode). */
    phone: text('phone').notNull(),
    codeHash: bytea('code_hash').notNull(),
    /** Wrong codes tried against this one; at the limit the code is dead. */
    attempts: integer('attempts').notNull().default(0),
    ...singleUse(),
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
    ...accountRow(),
    secretHash: bytea('secret_hash').notNull(),
    /** How the person proved it: 'phone' or 'email'. */
    method: text('method', { enum: ['phone', 'email'] }).notNull(),
    ...singleUse(),
  },
  (t) => [index('recovery_grants_user_idx').on(t.userId)],
);

/** SMS that no transport sent (neither SMS_WEBHOOK_URL nor SMS_URL): a developer reads it here. */
export const smsOutbox = pgTable('sms_outbox', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  to: text('to').notNull(),
  text: text('text').notNull(),
  createdAt: createdAt(),
});
