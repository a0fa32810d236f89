// Cold start: spawning the production build (`node server/dist/main.mjs`, as `pnpm start` runs it
// after building) until /ready answers 200, on a fresh PGlite DATA_DIR and on a fresh Postgres
// database (both include applying every migration), and a restart on existing PGlite data.
// Baseline: a bare node:http server, spawned the same way.
import fs from 'node:fs';
import postgres from 'postgres';
import { startPostgresCluster } from '../test/helpers/postgres-cluster';
import type { BenchRow } from './types';
import { spawnBareJson, spawnParley, tempDir } from './support/processes';
import { median } from './support/stats';

const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));

/** ms from spawn until the bare server answers an HTTP request. */
async function bareStartMs(): Promise<number> {
  const started = performance.now();
  const bare = await spawnBareJson();
  try {
    await fetch(`${bare.url}/ready`);
    return performance.now() - started;
  } finally {
    await bare.stop();
  }
}

async function parleyStartMs(env: Record<string, string>): Promise<number> {
  const server = await spawnParley(env);
  await server.stop();
  return server.readyMs;
}

const ms = (value: number) => `${Math.round(value)} ms`;

function row(measure: string, parley: number[], baseline: number[], note?: string): BenchRow {
  const p = median(parley);
  const b = median(baseline);
  return { measure, parley: ms(p), baseline: `${ms(b)} (bare node:http)`, ratio: p / b, target: 'report', met: null, note };
}

export async function run(): Promise<BenchRow[]> {
  const bare: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await bareStartMs());
    const dataDir = tempDir('parley-bench-start-');
    try {
      cold.push(await parleyStartMs({ DATA_DIR: dataDir }));
      warm.push(await parleyStartMs({ DATA_DIR: dataDir }));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const rows = [
    row('cold start to /ready, PGlite (fresh DATA_DIR, migrations applied)', cold, bare, 'Start-up = process start + loading the built server and its packages + PGlite WASM boot + migrations; the ratio is to a bare node:http server (time to answer its first request).'),
    row('restart to /ready, PGlite (existing data)', warm, bare),
  ];
  const cluster = await startPostgresCluster().catch(() => null);
  if (!cluster) {
    rows.push({ measure: 'cold start to /ready, Postgres', parley: 'skipped', baseline: '—', ratio: null, target: 'report', met: null, note: 'No PostgreSQL server binaries on this machine.' });
    return rows;
  }
  try {
    const admin = postgres(cluster.url, { max: 1, fetch_types: false, onnotice: () => {} });
    const pg: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const name = `parley_start_${round}`;
      await admin.unsafe(`create database ${name}`);
      const url = new URL(cluster.url);
      url.pathname = `/${name}`;
      pg.push(await parleyStartMs({ DATABASE_URL: url.toString(), DATA_DIR: tempDir('parley-bench-start-') }));
    }
    await admin.end();
    rows.push(row('cold start to /ready, Postgres (fresh database, migrations applied)', pg, bare));
  } finally {
    cluster.destroy();
  }
  return rows;
}
