// Secrets the server makes once and keeps in server_secrets, so every instance on the same database
// shares them (the HMAC key of download links, the key of SMS recovery codes). One store per server:
// each secret is read (or created) on first use and then kept in memory.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from './client';
import { serverSecrets } from './schema/index';

export type ServerSecrets = {
  /** The secret called name: given (from the environment) if set, else the stored one, made on first use. */
  get(name: string, given?: string): Promise<string>;
};

export function createServerSecrets(db: Database): ServerSecrets {
  const loaded = new Map<string, Promise<string>>();
  return {
    get(name, given) {
      if (given) return Promise.resolve(given);
      let secret = loaded.get(name);
      if (!secret) {
        secret = loadOrCreate(db, name);
        // A failed read (database down) is tried again on the next use.
        secret.catch(() => loaded.delete(name));
        loaded.set(name, secret);
      }
      return secret;
    },
  };
}

async function loadOrCreate(db: Database, name: string): Promise<string> {
  // Two instances starting together: one insert wins, both read the winner.
  await db.insert(serverSecrets).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing();
  const [row] = await db.select().from(serverSecrets).where(eq(serverSecrets.name, name));
  return row!.value;
}
