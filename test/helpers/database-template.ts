// The migrated template database of the 'postgres' project (made once per run by test/setup/postgres.ts):
// test databases are created from it, which copies the files instead of replaying every migration.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase } from '../../server/src/db/client';

export async function createPostgresTemplate(adminUrl: string): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `parley_template_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, fetch_types: false, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  // The server's own migration code; closed afterwards, since CREATE DATABASE … TEMPLATE needs the
  // template without connections.
  const handle = await openDatabase({ databaseUrl: url.toString() });
  await handle.close();
  return {
    name,
    async drop() {
      const client = postgres(adminUrl, { max: 1, fetch_types: false, onnotice: () => {} });
      await client.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await client.end();
    },
  };
}
