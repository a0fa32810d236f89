// Starts real Parley servers for integration tests: in-process on a free port, on a fresh
// database of the project's kind (PGlite in a temp folder, or a new database on the test cluster),
// each a copy of the run's migrated template (test/setup/*.ts) unless a test asks for an empty one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import postgres from 'postgres';
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, TRPCClientError, wsLink, type TRPCClient } from '@trpc/client';
// The server's copy of @trpc/server (the test folder has none).
import type { AnyTRPCRouter } from '../../server/node_modules/@trpc/server/dist/index.mjs';
import { WebSocket } from 'ws';
import { startParley, type ParleyServer, type StartOptions } from '../../server/src/app';
import { loadConfig } from '../../server/src/config';
import { seedFromTemplate } from '../../server/src/db/pglite-template';
import type { AppRouter } from '../../server/src/trpc/router';

export const dbKind: 'pglite' | 'postgres' = process.env.PARLEY_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
export const postgresUrl: string | null = dbKind === 'postgres' ? inject('postgresUrl') : null;
export const onPostgres = dbKind === 'postgres' && postgresUrl !== null;
const pgliteTemplate: string | null = dbKind === 'pglite' ? (inject('pgliteTemplate') ?? null) : null;
const postgresTemplate: string | null = onPostgres ? (inject('postgresTemplate') ?? null) : null;

/** The integration suite: runs on PGlite, and again on Postgres (skipped there when none is available). */
export const describeDb = describe.skipIf(dbKind === 'postgres' && !postgresUrl);
/** Tests that don't depend on the database kind (audio, browser): run once, in the pglite project. */
export const describeOnce = describe.skipIf(dbKind !== 'pglite');
/** Tests that need a real Postgres (several instances, LISTEN/NOTIFY, outages). */
export const describePostgres = describe.skipIf(!onPostgres);

export type TestDatabase = { databaseUrl: string | undefined; dataDir: string; drop(): Promise<void> };

export function tempDir(prefix = 'parley-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A fresh database for one test file (or several instances sharing it): a copy of the run's migrated
 * template, or with { empty: true } a database the server must create and migrate itself (tests of that path).
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = tempDir();
  if (!onPostgres) {
    // The server opens DATA_DIR/db as it finds it: an existing (copied) data folder, or a new one.
    if (!options.empty && pgliteTemplate) await seedFromTemplate(pgliteTemplate, path.join(dataDir, 'db'));
    return { databaseUrl: undefined, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(postgresUrl!, { max: 1, fetch_types: false, onnotice: () => {} });
  await admin.unsafe(options.empty || !postgresTemplate ? `create database ${name}` : `create database ${name} template ${postgresTemplate}`);
  await admin.end();
  const url = new URL(postgresUrl!);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    drop: async () => {
      const client = postgres(postgresUrl!, { max: 1, fetch_types: false, onnotice: () => {} });
      await client.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await client.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestServer = ParleyServer & { database: TestDatabase; stop(): Promise<void> };

export type TestServerOptions = {
  env?: Record<string, string>;
  /** Share a database with another instance (scale-out tests) or a restart. */
  database?: TestDatabase;
  /** A logger of the test's own (e.g. writing to a stream the test reads). */
  logger?: StartOptions['logger'];
};

export function testEnv(database: TestDatabase, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: database.dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PASSWORD_HASH_PROFILE: 'dev',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    // PARLEY_TRPC_WS=stock npx vitest run …: the same suites over tRPC's stock WebSocket adapter.
    ...(process.env.PARLEY_TRPC_WS ? { PARLEY_TRPC_WS: process.env.PARLEY_TRPC_WS } : {}),
    ...env,
  };
}

/** Starts a server; stop() closes it and drops its database unless the database was passed in. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const owned = !options.database;
  const database = options.database ?? (await createTestDatabase());
  const server = await startParley(loadConfig(testEnv(database, options.env)), { logger: options.logger });
  return {
    ...server,
    database,
    async stop() {
      await server.close();
      if (owned) await database.drop();
    },
  };
}

export type Client = TRPCClient<AppRouter>;
const openWsClients = new Set<{ close(): void }>();

/** Closes the WebSockets of every client created so far (lazy clients also close on their own when idle). */
export function closeClients(): void {
  for (const ws of openWsClients) ws.close();
  openWsClients.clear();
}

/** A typed tRPC client: HTTP (batched) for queries and mutations, WebSocket for subscriptions. */
export function createClient(url: string, options: { token?: string; headers?: Record<string, string> } = {}): Client {
  const headers = () => ({ ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers });
  const wsClient = createWSClient({
    url: `${url.replace(/^http/, 'ws')}/trpc`,
    WebSocket: WebSocket as never,
    lazy: { enabled: true, closeMs: 0 },
    connectionParams: () => (options.token ? { token: options.token } : {}),
  });
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        false: httpBatchLink({ url: `${url}/trpc`, headers, maxItems: 50 }),
      }),
    ],
  });
  openWsClients.add(wsClient);
  return client;
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
}

/** Registers a fresh user and returns a client authenticated as them. */
export async function registerUser(url: string, overrides: { email?: string; password?: string; name?: string } = {}) {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'a long enough passphrase 42';
  const anonymous = createClient(url);
  const result = await anonymous.auth.register.mutate({ email, password, name: overrides.name });
  const client = createClient(url, { token: result.token });
  return { email, password, token: result.token, user: result.user, client };
}

/** Narrows auth.login's answer to a signed-in session (fails the test on a two-factor challenge). */
export function signedIn<T extends object>(result: T): Extract<T, { token: string }> {
  if (!('token' in result)) throw new Error('expected a session, got a two-factor challenge');
  return result as Extract<T, { token: string }>;
}

export type Instances = { servers: TestServer[]; stop(): Promise<void> };

/** Several instances on one fresh database, as behind a load balancer (scale-out tests). */
export async function startInstances(count = 2): Promise<Instances> {
  const database = await createTestDatabase();
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) servers.push(await startTestServer({ database }));
  return {
    servers,
    async stop() {
      closeClients();
      for (const server of servers) await server.close();
      await database.drop();
    },
  };
}

/**
 * Two instances on one fresh database for the enclosing describe block: started before its tests
 * (handed to use, e.g. `([a, b] = servers)`), stopped with the database after them.
 */
export function withTwoInstances(use: (servers: [TestServer, TestServer]) => void): void {
  let instances: Instances | undefined;
  beforeAll(async () => {
    instances = await startInstances(2);
    use(instances.servers as [TestServer, TestServer]);
  });
  afterAll(() => instances?.stop());
}

/** The TRPCClientError a call rejects with (fails the test if it resolves or rejects with anything else). */
export async function trpcRejection<TRouter extends AnyTRPCRouter = AppRouter>(promise: Promise<unknown>): Promise<TRPCClientError<TRouter>> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<TRouter>;
}
