// One factory for the database: PGlite files under DATA_DIR when no DATABASE_URL is set,
// PostgreSQL through postgres.js otherwise. Both speak the same drizzle schema and migrations.
import fs from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PGlite } from '@electric-sql/pglite';
import type postgres from 'postgres';
import * as schema from './schema/index';
import { migrateDatabase } from './migrate';
import { installSingleTripQuery } from './pglite-query';
import { bundledTemplateDir, seedFromTemplate } from './pglite-template';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseHandle = {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** postgres.js client (kind 'postgres'): the bus uses it for LISTEN/NOTIFY. */
  sql?: postgres.Sql;
  pglite?: PGlite;
  /** Resolves when the database answers within timeoutMs, rejects with the reason otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  databaseUrl?: string;
  /** PGlite data folder; 'memory://' keeps it in memory (tests). */
  pgliteDir?: string;
  /** Apply drizzle migrations before returning (default true). */
  migrate?: boolean;
  /**
   * A migrated PGlite data folder to copy when pgliteDir is new (see pglite-template.ts); default the one
   * the build ships beside main.mjs, null for none (a fresh initdb).
   */
  template?: string | null;
};

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const handle = options.databaseUrl
    ? await openPostgres(options.databaseUrl)
    : await openPGlite(options.pgliteDir ?? 'memory://', options.template === undefined ? bundledTemplateDir : (options.template ?? undefined));
  if (options.migrate !== false) {
    try {
      await migrateDatabase(handle, options.databaseUrl);
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }
  return handle;
}

/**
 * PGlite's postgres keeps its shared buffers inside the WASM memory and touches all of them at
 * start: the default (~160 MB) was most of an idle server's RSS. 8 MB holds a small deployment's
 * working set (the embedded default's scale): CPU per insert and per 50-row select was the same with
 * 8, 16 and 160 MB on a 50,000-row table; pages beyond it come from the OS cache through a read.
 */
export const PGLITE_SETTINGS = ['-c', 'shared_buffers=8MB'];

/**
 * V8 compiles PGlite's 9 MB of WebAssembly with its baseline compiler (Liftoff) and by default
 * recompiles the hot functions with its optimizing one (TurboFan) on background threads. Those
 * compilations' memory stays in the threads' malloc arenas: 50–100 MB of an idle server's RSS, more
 * after heavier traffic, and it varied by ±30 MB from start to start with the timing of the tier-up.
 * CPU per request through the server (auth.me, a 50-message history page) measured the same without
 * it, and PGlite starts faster. Process-wide and for WebAssembly only; set before PGlite compiles.
 */
export function useBaselineWasmCompiler(): void {
  v8.setFlagsFromString('--liftoff-only');
}

async function openPGlite(dir: string, template: string | undefined): Promise<DatabaseHandle> {
  useBaselineWasmCompiler();
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  if (!dir.startsWith('memory://')) {
    await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
    await seedFromTemplate(template, dir);
  }
  const pglite = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] });
  installSingleTripQuery(pglite);
  const db = drizzle(pglite, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    pglite,
    ping: async () => {
      await pglite.query('select 1');
    },
    close: async () => {
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const { default: postgresClient } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const client = postgresClient(url, {
    max: 10,
    // Fail fast when the database is down instead of queueing requests for minutes.
    connect_timeout: 3,
    idle_timeout: 60,
    onnotice: () => {},
    // postgres.js otherwise runs an array-type lookup on every new connection from an event handler
    // nobody awaits: when the connection drops during it (restart, outage, shutdown), the rejection is
    // unhandled. The schema has no array columns and no query binds an array, so it is not needed.
    fetch_types: false,
    connection: { application_name: 'parley' },
  });
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    sql: client,
    ping: (timeoutMs = 2000) => withTimeout(db.execute(sql`select 1`).then(() => {}), timeoutMs, 'database did not answer'),
    close: () => client.end({ timeout: 5 }),
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const DB_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P03']);

/** True when error (or one of its causes) says the database can't be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return hasErrorCode(error, DB_DOWN_CODES);
}

// 22021 character_not_in_repertoire (a NUL in text), 22P05 untranslatable_character.
const INVALID_TEXT_CODES = new Set(['22021', '22P05']);

/** True when the database refused a text value it cannot store (a NUL character, say): the caller's fault. */
export function isInvalidTextError(error: unknown): boolean {
  return hasErrorCode(error, INVALID_TEXT_CODES);
}

function hasErrorCode(error: unknown, codes: ReadonlySet<string>): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
