// Memory at rest: the production build's RSS (as `pnpm start` runs it) once it has started, served
// a little traffic (a sign-up with the production password hash, 200 auth.me, a room with 200 messages) and settled for a second, on
// the embedded default (PGlite: first start on a fresh DATA_DIR, and a restart on that data) and on
// PostgreSQL; against a bare node:http server. RSS from /proc (VmRSS), the figure a container's
// memory limit counts.
import fs from 'node:fs';
import { startPostgresCluster } from '../test/helpers/postgres-cluster';
import type { BenchRow } from './types';
import { type Child, spawnBareJson, spawnParley, tempDir } from './support/processes';

const PGLITE_TARGET_MB = 250;
const POSTGRES_TARGET_MB = 150;
const REQUESTS = 200;
/** As a deployment runs it (NODE_ENV=production's default): the sign-up's hash holds 19 MiB on its thread. */
const AS_DEPLOYED = { PASSWORD_HASH_PROFILE: 'production' };

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function call(url: string, procedure: string, input: unknown, token?: string): Promise<unknown> {
  const res = await fetch(`${url}/trpc/${procedure}`, {
    method: input === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: input === undefined ? undefined : JSON.stringify(input),
  });
  const json = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
  if (!json.result) throw new Error(`${procedure}: ${json.error?.message}`);
  return json.result.data;
}

type Stages = { ready: number; signedUp: number; rest: number };

/** A little of everything a deployment does, then a second of rest; the RSS in MB along the way. */
async function restingRss(server: Child): Promise<Stages> {
  const ready = rssMb(server.pid);
  const { token } = (await call(server.url, 'auth.register', { email: `mem-${Date.now()}@example.com`, password: 'benchmarks need a password' })) as { token: string };
  const signedUp = rssMb(server.pid);
  for (let i = 0; i < REQUESTS; i++) await call(server.url, 'auth.me', undefined, token);
  const room = (await call(server.url, 'rooms.create', { name: 'memory' }, token)) as { id: string };
  for (let i = 0; i < REQUESTS; i++) await call(server.url, 'rooms.send', { roomId: room.id, body: `message ${i}` }, token);
  await new Promise((r) => setTimeout(r, 1000));
  return { ready, signedUp, rest: rssMb(server.pid) };
}

const mb = (value: number) => `${Math.round(value)} MB`;

function row(measure: string, stages: Stages, bare: number, target: number, note = ''): BenchRow {
  const parley = stages.rest;
  const along = `RSS at /ready ${mb(stages.ready)}, after the sign-up (which starts a password-hash thread) ${mb(stages.signedUp)}, at rest ${mb(stages.rest)}.`;
  return { measure, parley: mb(parley), baseline: `${mb(bare)} (bare node:http)`, ratio: parley / bare, target: `≤ ${target} MB`, met: parley <= target, note: `${note} ${along}`.trim() };
}

export async function run(): Promise<BenchRow[]> {
  const bare = await spawnBareJson('{}');
  await fetch(bare.url);
  const bareMb = rssMb(bare.pid);
  await bare.stop();

  const rows: BenchRow[] = [];
  const dataDir = tempDir('parley-bench-memory-');
  try {
    const first = await spawnParley({ ...AS_DEPLOYED, DATA_DIR: dataDir });
    const firstMb = await restingRss(first).finally(() => first.stop());
    const again = await spawnParley({ ...AS_DEPLOYED, DATA_DIR: dataDir });
    const againMb = await restingRss(again).finally(() => again.stop());
    rows.push(
      row('memory at rest (RSS), PGlite, first start on a fresh DATA_DIR', firstMb, bareMb, PGLITE_TARGET_MB, `After start, a sign-up, ${REQUESTS} auth.me and ${REQUESTS} rooms.send, and 1 s of rest. PGlite runs postgres with shared_buffers=8MB, its WebAssembly on V8's baseline compiler only (server/src/db/client.ts).`),
      row('memory at rest (RSS), PGlite, restart on existing data', againMb, bareMb, PGLITE_TARGET_MB),
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const cluster = await startPostgresCluster().catch(() => null);
  if (!cluster) {
    rows.push({ measure: 'memory at rest (RSS), Postgres', parley: 'skipped', baseline: '—', ratio: null, target: `≤ ${POSTGRES_TARGET_MB} MB`, met: null, note: 'No PostgreSQL server binaries on this machine.' });
    return rows;
  }
  const pgDir = tempDir('parley-bench-memory-');
  try {
    const server = await spawnParley({ ...AS_DEPLOYED, DATABASE_URL: cluster.url, DATA_DIR: pgDir });
    const pgMb = await restingRss(server).finally(() => server.stop());
    rows.push(row('memory at rest (RSS), Postgres (the Parley process; the database server apart)', pgMb, bareMb, POSTGRES_TARGET_MB));
  } finally {
    cluster.destroy();
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
  return rows;
}
