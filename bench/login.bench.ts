// Logins per second through a real Parley server (its own process, production hash profile, PGlite)
// ÷ raw Argon2id verifications per second at the same parameters, measured in the same run,
// alternating rounds; the median of the rounds' ratios. The raw figure is the better of two ways to
// run the hashes: the library's async verify with 16 in flight (libuv's pool of four), and the
// server's own hash threads (one per core, synchronous verify, two jobs queued each) with nothing
// else around them. (One async verify in flight per core, a third way measured until 2026-11-27, was
// the slowest of the three in every round that day.) The server's own work should vanish next to the hash.
// A second row measures the ceiling in the same rounds: a bare node:http server doing nothing per
// request but that hash on the same threads (support/hash-only-server.ts) ÷ the same raw figure.
import fs from 'node:fs';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';
import { HashThreads } from '../server/src/auth/hash-threads';
import { ARGON2ID, HASH_PARAMETERS } from '../server/src/auth/password';
import type { BenchRow } from './types';
import { type Child, cpuSeconds, spawnHashOnly, spawnParley } from './support/processes';
import { median } from './support/stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONCURRENCY = 16;
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** The raw rows are reported, not targeted: shorter rounds (each still hundreds of hashes' worth of time on every thread). */
const RAW_SECONDS = Math.min(ROUND_SECONDS, 2);
/** Warm-ups: JIT, caches, the first-login notice, the hash threads started. */
const WARM_UP_SECONDS = 1;
// The same binding the server verifies with (a dependency of @parley/server).
const { verify: libraryVerify } = createRequire(path.join(root, 'server/package.json'))('@node-rs/argon2') as {
  verify(phc: string, password: string): Promise<boolean>;
};
const PRODUCTION = HASH_PARAMETERS.production;
/** Logins through Parley ÷ the do-nothing server with the same hash threads, in the same rounds. */
const TARGET = 0.95;

/**
 * The production build as `pnpm start` runs it (support/processes.ts: its log to a file, not a pipe
 * this process would have to drain between autocannon's requests), with the production hash profile.
 */
function startServer(dataDir: string): Promise<Child> {
  return spawnParley({
    DATA_DIR: dataDir,
    PASSWORD_HASH_PROFILE: 'production',
    RATE_LIMIT_LOGIN_IP: '1000000/1m',
    RATE_LIMIT_REGISTER_IP: '1000000/1m',
    // One account logs in CONCURRENCY times at once here; the default cap of 8 is for guessing.
    LOGIN_CONCURRENCY_PER_ACCOUNT: '1000',
  });
}

/** Successful logins per second with CONCURRENCY connections for ROUND_SECONDS. */
async function measureLogins(url: string, body: string, seconds = ROUND_SECONDS): Promise<number> {
  const result = await autocannon({
    url: `${url}/trpc/auth.login`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'parley-bench' },
    body,
    connections: CONCURRENCY,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`login failures: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result['2xx'] / seconds;
}

/** Raw verifications per second with inFlight at once for RAW_SECONDS (or seconds). */
async function measureVerifications(phc: string, password: string, inFlight: number, verify = libraryVerify, seconds = RAW_SECONDS): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      if (!(await verify(phc, password))) throw new Error('verification failed');
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((Date.now() - started) / 1000);
}

export async function run(): Promise<BenchRow[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-login-'));
  const password = 'a benchmark passphrase 42';
  // Both servers start together; each stops in the finally below even when the other failed.
  const [parley, ceilingServer] = await Promise.allSettled([startServer(dataDir), spawnHashOnly(password)]);
  const server = parley.status === 'fulfilled' ? parley.value : undefined;
  const hashOnly = ceilingServer.status === 'fulfilled' ? ceilingServer.value : undefined;
  try {
    if (!server || !hashOnly) throw (parley.status === 'rejected' ? parley.reason : (ceilingServer as PromiseRejectedResult).reason) as Error;
    const url = server.url;
    const email = 'bench@example.com';
    const res = await fetch(`${url}/trpc/auth.register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'parley-bench' },
      body: JSON.stringify({ email, password }),
    });
    if (!res.ok) throw new Error(`register failed: ${res.status} ${await res.text()}`);
    const body = JSON.stringify({ email, password });
    const cores = availableParallelism();
    const threads = new HashThreads(cores);
    const phc = await threads.hash(password, { algorithm: ARGON2ID, ...PRODUCTION });
    await measureLogins(url, body, WARM_UP_SECONDS);
    await measureLogins(hashOnly.url, body, WARM_UP_SECONDS);
    const logins: number[] = [];
    const ceiling: number[] = [];
    const rawPool: number[] = [];
    const rawThreads: number[] = [];
    const threadVerify = (hash: string, pw: string) => threads.verify(hash, pw);
    await measureVerifications(phc, password, CONCURRENCY, threadVerify, WARM_UP_SECONDS);
    // CPU per login of each server (all its threads: the hashes and the main thread), which a
    // shared machine's load moves far less than the throughput.
    const cpuPerLogin = { parley: [] as number[], ceiling: [] as number[] };
    const measured = async (target: Child, out: number[], cpu: number[]) => {
      const before = cpuSeconds(target.pid);
      const rate = await measureLogins(target.url, body);
      out.push(rate);
      cpu.push(((cpuSeconds(target.pid) - before) * 1000) / (rate * ROUND_SECONDS));
    };
    for (let round = 0; round < ROUNDS; round++) {
      rawPool.push(await measureVerifications(phc, password, CONCURRENCY));
      // Alternating which server goes first, so neither always follows the raw round.
      if (round % 2 === 0) {
        await measured(server, logins, cpuPerLogin.parley);
        await measured(hashOnly, ceiling, cpuPerLogin.ceiling);
      } else {
        await measured(hashOnly, ceiling, cpuPerLogin.ceiling);
        await measured(server, logins, cpuPerLogin.parley);
      }
      rawThreads.push(await measureVerifications(phc, password, CONCURRENCY, threadVerify));
    }
    await threads.close();
    const raw = [rawPool, rawThreads].reduce((best, rounds) => (median(rounds) > median(best) ? rounds : best));
    // Each round's logins against the same round's best raw figure (measured next to it), then the median.
    const roundRatios = logins.map((value, i) => value / raw[i]!);
    const ratio = median(roundRatios);
    const ceilingRatios = ceiling.map((value, i) => value / raw[i]!);
    const againstCeiling = logins.map((value, i) => value / ceiling[i]!);
    const ceilingRatio = median(againstCeiling);
    return [
      {
        measure: `logins/s through the server ÷ raw Argon2id verifications/s (m=${PRODUCTION.memoryCost} KiB, t=${PRODUCTION.timeCost}, p=${PRODUCTION.parallelism}; ${CONCURRENCY} logins in flight; ${ROUNDS}×${ROUND_SECONDS}s, raw ${ROUNDS}×${RAW_SECONDS}s)`,
        parley: `${median(logins).toFixed(1)} logins/s`,
        baseline: `${median(raw).toFixed(1)} verifications/s`,
        ratio: Number(ratio.toFixed(3)),
        target: 'report',
        met: null,
        note: `ratio per round ${roundRatios.map((r) => r.toFixed(2)).join(', ')} (the median is reported); rounds: logins ${logins.map((v) => v.toFixed(1)).join(', ')}; raw with ${CONCURRENCY} in flight ${rawPool.map((v) => v.toFixed(1)).join(', ')}; raw on ${cores} hash threads ${rawThreads.map((v) => v.toFixed(1)).join(', ')}`,
      },
      {
        measure: 'logins/s through the server ÷ a bare node:http server whose only work is the same hash on the same threads (same rounds)',
        parley: `${median(logins).toFixed(1)} logins/s`,
        baseline: `${median(ceiling).toFixed(1)} logins/s`,
        ratio: Number(ceilingRatio.toFixed(3)),
        target: `≥ ${TARGET}`,
        met: ceilingRatio >= TARGET,
        note: `ratio per round ${againstCeiling.map((r) => r.toFixed(2)).join(', ')} (the median is reported); CPU per login (every thread of the server, median of rounds): Parley ${median(cpuPerLogin.parley).toFixed(1)} ms, the do-nothing server ${median(cpuPerLogin.ceiling).toFixed(1)} ms (their ratio ${(median(cpuPerLogin.ceiling) / median(cpuPerLogin.parley)).toFixed(2)}, what the throughput ratio would be on cores the two servers have to themselves); the do-nothing server ÷ raw per round ${ceilingRatios.map((r) => r.toFixed(2)).join(', ')}; its rounds: ${ceiling.map((v) => v.toFixed(1)).join(', ')}`,
      },
    ];
  } finally {
    await hashOnly?.stop();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then((rows) => console.table(rows), (error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
