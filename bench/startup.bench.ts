// Cold start: spawning the production build (`node server/dist/main.mjs`, as `pnpm start` runs it
// after building) until /ready answers 200, on a fresh PGlite DATA_DIR and on a fresh Postgres
// database (both include applying every migration), and a restart on existing PGlite data.
// Baseline: a bare node:http server, spawned the same way. Targets (issue 25): ≤ 3 s on a fresh
// DATA_DIR, ≤ 1.5 s on restart, ≤ 1 s on Postgres. The PGlite rows' notes break the embedded
// database's part down (startup/phases.ts: WASM compile, template seed, init, migrations, first query).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { startPostgresCluster } from '../test/helpers/postgres-cluster';
import type { BenchRow } from './types';
import { parleyArgs, root, spawnBareJson, spawnParley, tempDir } from './support/processes';
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

function row(measure: string, parley: number[], baseline: number[], targetMs: number, note?: string): BenchRow {
  const p = median(parley);
  const b = median(baseline);
  return { measure, parley: ms(p), baseline: `${ms(b)} (bare node:http)`, ratio: p / b, target: `≤ ${targetMs} ms`, met: p <= targetMs, note };
}

type Phases = Record<string, number>;

/** The embedded database's start phase by phase (startup/phases.ts), seeded from the built template or not. */
async function phases(dataDir: string, seed: boolean): Promise<Phases> {
  const template = seed ? path.join(path.dirname(parleyArgs()[0]!), 'pglite-template') : '';
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'bench/startup/phases.ts'), dataDir, template], { cwd: root, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Phases;
}

function describePhases(runs: Phases[]): string {
  const names = Object.keys(runs[0] ?? {});
  return names.map((name) => `${name} ${Math.round(median(runs.map((r) => r[name]!)))} ms`).join(', ');
}

export async function run(): Promise<BenchRow[]> {
  const bare: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const coldPhases: Phases[] = [];
  const warmPhases: Phases[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await bareStartMs());
    const dataDir = tempDir('parley-bench-start-');
    try {
      cold.push(await parleyStartMs({ DATA_DIR: dataDir }));
      warm.push(await parleyStartMs({ DATA_DIR: dataDir }));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    // The phase breakdown is a note, not a row: timed once (each run is two tsx processes).
    if (round > 0) continue;
    const phaseDir = tempDir('parley-bench-start-');
    try {
      coldPhases.push(await phases(path.join(phaseDir, 'db'), true));
      warmPhases.push(await phases(path.join(phaseDir, 'db'), false));
    } finally {
      fs.rmSync(phaseDir, { recursive: true, force: true });
    }
  }
  const rows = [
    row('cold start to /ready, PGlite (fresh DATA_DIR, after the build)', cold, bare, 3000, `Start-up = process start + loading the built server and its packages + PGlite (WASM, seeding the data folder from the build's migrated template, init, migrations check); the ratio is to a bare node:http server (time to answer its first request). The embedded database's part, timed apart once: ${describePhases(coldPhases)}.`),
    row('restart to /ready, PGlite (existing data)', warm, bare, 1500, `The embedded database's part, timed apart once: ${describePhases(warmPhases)}.`),
  ];
  const cluster = await startPostgresCluster().catch(() => null);
  if (!cluster) {
    rows.push({ measure: 'cold start to /ready, Postgres', parley: 'skipped', baseline: '—', ratio: null, target: '≤ 1000 ms', met: null, note: 'No PostgreSQL server binaries on this machine.' });
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
    rows.push(row('cold start to /ready, Postgres (fresh database, migrations applied)', pg, bare, 1000));
  } finally {
    cluster.destroy();
  }
  return rows;
}
