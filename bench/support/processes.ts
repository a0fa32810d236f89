// Servers and load generators for benches, each in its own process: a Parley server (the production
// build, server/dist/main.mjs, as `pnpm start` runs it),
// a bare node:http baseline, and autocannon. Also: CPU time of a process.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import { freePort } from '../../test/helpers/ports';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Child = { url: string; pid: number; child: ChildProcess; output: () => string; stop(): Promise<void> };

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function waitForReady(url: string, child: ChildProcess, output: () => string, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 15));
  }
  throw new Error(`server not ready in ${timeoutMs} ms:\n${output()}`);
}

/** This process's environment without LOG_LEVEL: a bench measures the default unless it says otherwise. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const { LOG_LEVEL: _ignored, ...env } = process.env;
  return env;
}

let built = false;
const OUTPUT_TAIL = 20_000;

/** node's arguments to run the production build (built once per bench run from the current sources). */
export function parleyArgs(): string[] {
  if (!built) {
    execFileSync(process.execPath, [path.join(root, 'server/scripts/build.mjs')], { stdio: 'ignore' });
    built = true;
  }
  return [path.join(root, 'server/dist/main.mjs')];
}

/**
 * Starts the production build with the default configuration (plus env); resolves when /ready
 * answers 200 (migrations included).
 */
export async function spawnParley(env: Record<string, string>, options: { nodeArgs?: string[] } = {}): Promise<Child & { readyMs: number }> {
  const port = await freePort();
  const started = performance.now();
  // The server logs as configured (LOG_LEVEL unset: info, a line per request, as `pnpm start` runs
  // it) to a file, as `pnpm start > parley.log` or a collector reading fast would take it. (A pipe
  // drained by this process measured this process's scheduling on a busy machine: the server's
  // writes waited for it.) The file's tail and stderr are kept for error messages.
  const logDir = tempDir('parley-bench-log-');
  const logFile = path.join(logDir, 'stdout.log');
  const logFd = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...parleyArgs()], {
    cwd: root,
    env: {
      ...inheritedEnv(),
      NODE_ENV: 'production',
      PASSWORD_HASH_PROFILE: 'dev',
      HOST: '127.0.0.1',
      PORT: String(port),
      // Every simulated client connects from 127.0.0.1: the per-IP WebSocket cap (500 by default) is not
      // what the benches measure.
      WS_MAX_CONNECTIONS_PER_IP: '1000000',
      ...env,
    },
    stdio: ['ignore', logFd, 'pipe'],
  });
  fs.closeSync(logFd);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d;
    if (err.length > OUTPUT_TAIL * 2) err = err.slice(-OUTPUT_TAIL);
  });
  const output = () => {
    let tail = '';
    try {
      const size = fs.statSync(logFile).size;
      const fd = fs.openSync(logFile, 'r');
      const buffer = Buffer.alloc(Math.min(size, OUTPUT_TAIL));
      fs.readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      fs.closeSync(fd);
      tail = buffer.toString();
    } catch {}
    return tail + err;
  };
  const stop = async () => {
    await stopChild(child);
    fs.rmSync(logDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url, child, output);
  } catch (error) {
    await stop(); // the error already holds the output
    throw error;
  }
  return { url, pid: child.pid!, child, readyMs: performance.now() - started, output, stop };
}

/** The baseline: a bare node:http server answering body. */
export function spawnBareJson(body?: string): Promise<Child> {
  return spawnListening('bench/support/bare-json-server.mjs', body === undefined ? [] : [body]);
}

/** The login bench's ceiling: node:http doing nothing per request but the hash (hash-only-server.ts). */
export function spawnHashOnly(password: string): Promise<Child> {
  return spawnListening('bench/support/hash-only-server.ts', [password], ['--import', 'tsx']);
}

/** A baseline server (script, relative to the root) that prints "listening <port>" once it listens on 127.0.0.1. */
async function spawnListening(script: string, args: string[], nodeArgs: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${path.basename(script)} exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, child, output: () => '', stop: () => stopChild(child) };
}

export type LoadResult = { rps: number; non2xx: number; errors: number; latencyP99: number };

type LoadOptions = { url: string; connections?: number; seconds: number; headers?: Record<string, string>; method?: string; body?: string };
type LoadReply = LoadResult & { id: number; error?: string };

let loadWorker: ChildProcess | null = null;
let nextLoadId = 0;

/**
 * autocannon in its own process (support/autocannon-worker.mjs, started on first use and kept for
 * the run): `connections` keep-alive connections for `seconds`.
 */
export function runAutocannon(opts: LoadOptions): Promise<LoadResult> {
  if (!loadWorker || loadWorker.exitCode !== null) {
    loadWorker = fork(path.join(root, 'bench/support/autocannon-worker.mjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  }
  const worker = loadWorker as ChildProcess & { channel?: { ref(): void; unref(): void } };
  // Held while a round runs; between rounds the idle worker must not keep the bench alive.
  const hold = (held: boolean) => {
    if (held) worker.ref();
    else worker.unref();
    if (held) worker.channel?.ref();
    else worker.channel?.unref();
  };
  hold(true);
  const id = ++nextLoadId;
  return new Promise((resolve, reject) => {
    const onMessage = (reply: LoadReply) => {
      if (reply.id !== id) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      hold(false);
      if (reply.error) reject(new Error(`autocannon failed: ${reply.error}`));
      else resolve({ rps: reply.rps, non2xx: reply.non2xx, errors: reply.errors, latencyP99: reply.latencyP99 });
    };
    const onExit = (code: number | null) => {
      worker.off('message', onMessage);
      reject(new Error(`autocannon worker exited (${code})`));
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.send({ id, url: opts.url, connections: opts.connections ?? 50, seconds: opts.seconds, headers: opts.headers ?? {}, method: opts.method, body: opts.body });
  });
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process (and its threads) has used so far (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function formatRate(perSecond: number, unit = 'req/s'): string {
  return perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k ${unit}` : `${Math.round(perSecond).toLocaleString('en-US')} ${unit}`;
}

/** Seconds per round and rounds, overridable for a quick look (BENCH_SECONDS=1 BENCH_ROUNDS=1). */
// Many short rounds rather than a few long ones: this machine's speed drifts within seconds, and a
// median over more back-to-back pairs is steadier.
export const roundSeconds = Number(process.env.BENCH_SECONDS ?? 2);
export const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
