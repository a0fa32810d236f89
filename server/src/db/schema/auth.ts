// Tables of accounts and sign-in: users, sessions, one-time tokens, passkeys, TOTP, audit.

import {
  bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex,
} from 'drizzle-orm/pg-core';
import { bytea, createdAt, expiresAt, singleUse, usedAt } from './columns';

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Normalized (trimmed, lower-cased); null for guests and passkey-only accounts. */
    email: text('email'),
    name: text('name'),
    /** PHC string ($argon2id$...) or a legacy sha256$salt$hex; null without a password. */
    passwordHash: text('password_hash'),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    kind: text('kind', { enum: ['member', 'guest'] }).notNull().default('member'),
    /** Guests show an alias instead of a name. */
    alias: text('alias'),
    gender: text('gender'),
    /** E.164, used only for account recovery, never shown to others. */
    phone: text('phone'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastActiveAt: timestamp('last_active_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    index('users_kind_last_active_idx').on(t.kind, t.lastActiveAt),
    // Account recovery by phone looks accounts up by their number.
    index('users_phone_idx').on(t.phone),
  ],
);

/** The owning account's id; its rows go with the account. */
export const userIdColumn = () => text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' });

/** The first columns of a row that belongs to one account: its own id, then the account's. */
export const accountRow = () => ({ id: text('id').primaryKey(), userId: userIdColumn() });

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    /** SHA-256 of the token's secret part; the secret itself is never stored. */
    secretHash: bytea('secret_hash').notNull(),
    userId: userIdColumn(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** Absolute end of the session, however active it is. */
    absoluteExpiresAt: timestamp('absolute_expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /**
     * When this session's holder last proved a credential again (auth.reauthenticate): adding a
     * passkey or turning on TOTP needs it to be recent, so a stolen token alone cannot do either.
     */
    reauthenticatedAt: timestamp('reauthenticated_at', { withTimezone: true }),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: text('user_id'),
    event: text('event').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    detail: jsonb('detail'),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_user_id_idx').on(t.userId, t.createdAt)],
);

/**
 * The devices (user agent + IP) an account has signed in from, keyed by parley_device_key(ip, user_agent)
 * (SHA-256, a SQL function from migration 0002): a sign-in from any other earns a notice mail. One
 * indexed probe per sign-in, however long the account's history.
 */
export const signInDevices = pgTable(
  'sign_in_devices',
  {
    userId: userIdColumn(),
    deviceKey: bytea('device_key').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.deviceKey] })],
);

/** Single-use tokens mailed to people (password reset, e-mail verification, account recovery), stored hashed. */
export const emailTokens = pgTable(
  'email_tokens',
  {
    id: text('id').primaryKey(),
    purpose: text('purpose', { enum: ['password_reset', 'email_verification', 'account_recovery'] }).notNull(),
    userId: userIdColumn(),
    /** The address the token was sent to (verification is for that address only). */
    email: text('email').notNull(),
    tokenHash: bytea('token_hash').notNull(),
    ...singleUse(),
  },
  (t) => [index('email_tokens_user_idx').on(t.userId, t.purpose)],
);

export const passkeys = pgTable(
  'passkeys',
  {
    /** The credential id, base64url. */
    id: text('id').primaryKey(),
    userId: userIdColumn(),
    publicKey: bytea('public_key').notNull(),
    /** The authenticator's signature counter: an unsigned 32-bit number, too big for integer. */
    counter: bigint('counter', { mode: 'number' }).notNull().default(0),
    transports: jsonb('transports').$type<string[]>(),
    nickname: text('nickname'),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('passkeys_user_id_idx').on(t.userId)],
);

/** Server-side WebAuthn challenges and pending 2FA logins: single-use, short-lived. */
export const authChallenges = pgTable(
  'auth_challenges',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['passkey_registration', 'passkey_authentication', 'two_factor_login'] }).notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The WebAuthn challenge, or the SHA-256 of a 2FA challenge token. */
    value: text('value').notNull(),
    data: jsonb('data'),
    expiresAt: expiresAt(),
    createdAt: createdAt(),
  },
  // Expired challenges are swept by expiry: an index, not a scan of the table.
  (t) => [index('auth_challenges_expires_idx').on(t.expiresAt)],
);

export const totpCredentials = pgTable('totp_credentials', {
  userId: text('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  /** AES-256-GCM sealed (totp/secret-box.ts); a 20-byte plain secret from before is sealed on next use. */
  secret: bytea('secret').notNull(),
  enabledAt: timestamp('enabled_at', { withTimezone: true }),
  /** The last accepted time step, so a code can't be replayed in its window. */
  lastUsedStep: integer('last_used_step'),
  createdAt: createdAt(),
});

export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    userId: userIdColumn(),
    codeHash: bytea('code_hash').notNull(),
    usedAt: usedAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamp('expire', { withTimezone: true }),
});

