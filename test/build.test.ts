// The production build (server/scripts/build.mjs → main.mjs run by plain node, no tsx): it starts
// on an empty test database, which it seeds from its own migrated PGlite template (on PGlite) and
// migrates from its own copy of the migrations, signs users in, refuses a common password from its
// own copy of the list, and encodes live PCM in its own encoder thread.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from './helpers/process';
import { recordLive } from './helpers/reliability';
import { closeClients, createClient, createTestDatabase, dbKind, describeDb, registerUser, testEnv, type TestDatabase } from './helpers/server';

const root = path.resolve(import.meta.dirname, '..');

describeDb(`the production build on ${dbKind}`, () => {
  // Inside server/ (packages resolve from server/node_modules), one per project run.
  const outdir = path.join(root, 'server', `.dist-test-${dbKind}-${process.pid}`);
  let database: TestDatabase;
  let running: ServerProcess | null = null;

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [path.join(root, 'server/scripts/build.mjs'), '--outdir', outdir]);
    database = await createTestDatabase({ empty: true });
    running = await spawnServer(testEnv(database, { LOG_LEVEL: 'info', RECORDING_ENCODER_THREADS: '1' }), 120_000, path.join(outdir, 'main.mjs'));
  });
  afterAll(async () => {
    closeClients();
    await running?.kill();
    await database?.drop();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('is ready, registers and signs in', async () => {
    const ready = await fetch(`${running!.url}/ready`);
    expect(await ready.json()).toEqual({ status: 'ready', database: dbKind });
    const { client, user } = await registerUser(running!.url);
    expect((await client.auth.me.query()).user.id).toBe(user.id);
    expect(running!.output()).not.toMatch(/tsx/);
  });

  it.skipIf(dbKind !== 'pglite')('starts a fresh DATA_DIR as a copy of the template it ships', () => {
    // pg_control begins with the system identifier initdb chose: a copy keeps it, a new initdb would not.
    const systemIdentifier = (dir: string) => fs.readFileSync(path.join(dir, 'global/pg_control')).subarray(0, 8).toString('hex');
    expect(systemIdentifier(path.join(database.dataDir, 'db'))).toBe(systemIdentifier(path.join(outdir, 'pglite-template')));
  });

  it('refuses a password from the common-password list', async () => {
    const anonymous = createClient(running!.url);
    await expect(anonymous.auth.register.mutate({ email: 'common@example.com', password: 'password123' })).rejects.toThrow(/common/i);
  });

  it('encodes a live PCM recording in its encoder thread', async () => {
    const { token } = await registerUser(running!.url);
    const { acked, finished } = await recordLive(running!.url, token, 20);
    expect(acked).toBeGreaterThan(0);
    expect(finished.status).toBe('recording_finished');
    expect(Number(finished.duration_ms)).toBeGreaterThan(1500);
    expect(Number(finished.bytes)).toBeGreaterThan(0);
  });
});
