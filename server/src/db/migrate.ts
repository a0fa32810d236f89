// Applies the committed drizzle migrations (drizzle/ at the repository root) to either driver.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseHandle } from './client';
import { bundled } from '../bundled';

/** drizzle/ at the repository root (three levels up from server/src/db); the build carries a copy beside main.mjs. */
export const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), bundled ? './drizzle' : '../../../drizzle');

/** Any number of instances may start at once: an advisory lock lets one migrate at a time. */
const MIGRATION_LOCK_KEY = 720_417_311;

/** options.migrationsFolder: another folder of drizzle migrations (tests of an older template). */
export async function migrateDatabase(handle: DatabaseHandle, databaseUrl?: string, options: { migrationsFolder?: string } = {}): Promise<void> {
  const folder = options.migrationsFolder ?? migrationsFolder;
  if (handle.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(handle.db as never, { migrationsFolder: folder });
    return;
  }
  const { default: postgresClient } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgresClient(databaseUrl!, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migrate(drizzle(client), { migrationsFolder: folder });
    await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
