// Column builders the tables share: the bytea type drizzle lacks, and the timestamps of rows that are
// created, expire, and are used once. Each call makes a fresh builder (drizzle binds it to one table).
import { customType, timestamp } from 'drizzle-orm/pg-core';

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => new Uint8Array(value),
  toDriver: (value) => (typeof Buffer !== 'undefined' ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value),
});

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const expiresAt = () => timestamp('expires_at', { withTimezone: true }).notNull();
export const usedAt = () => timestamp('used_at', { withTimezone: true });

/** A single-use secret's lifetime (tokens, codes, grants): when it dies, when it was spent, when it was made. */
export const singleUse = () => ({ expiresAt: expiresAt(), usedAt: usedAt(), createdAt: createdAt() });
