// Ingest: sustained, warm rooms.send throughput of one instance (the production build, default
// configuration, PGlite) and the p99 time to acknowledge a send, over HTTP (autocannon) and over the
// tRPC WebSocket link, spread over 100 rooms (3 subscribers each) and into one room (3 subscribers).
// A send is acknowledged only once its message is stored (the insert under the room's row lock);
// after each run the bench waits until every acknowledged message reached every subscriber of its
// room. Load generators and subscribers run in processes of their own.
// Run: node --import tsx bench/run.ts ingest   (BENCH_INGEST_SECONDS=2 for a quick look)
import { type ChildProcess, execFile, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchRow } from './types';
import { cpuSeconds, formatRate, spawnParley, tempDir } from './support/processes';
import { trpcCall } from './support/trpc-call';

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, 'ingest/load.ts');
const SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 3);
const ROOMS = 100;
const SUBSCRIBERS_PER_ROOM = 3;
const SENDERS = 4;
const SPREAD_TARGET = 5000;
const ONE_ROOM_TARGET = 2000;
/** 128 links × 45 sends/s at most = 5,760/s offered, 2 in flight on each. */
const WS_LINKS = { connections: 128, window: 2, ratePerConnection: 45 };

/** cpu: the load generator's own CPU seconds while it ran. */
type Load = { sent: number; seconds: number; p99: number; errors: number; cpu: number };

async function runLoad(options: Record<string, unknown>): Promise<Load> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { maxBuffer: 1 << 20, timeout: (SECONDS + 60) * 1000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Load;
}

function startSubscribers(options: Record<string, unknown>): Promise<ChildProcess> {
  const child = fork(script, [JSON.stringify({ role: 'subscribers', ...options })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`subscribers exited (${code})`)));
  });
}

/** Deliveries so far; with `cpu`, the subscribers process's CPU seconds so far as well. */
function counts(child: ChildProcess): Promise<{ deliveries: number; cpu: number }> {
  return new Promise((resolve) => {
    child.once('message', (msg: { deliveries: number; cpu: number }) => resolve(msg));
    child.send({ cmd: 'count' });
  });
}

const deliveries = async (child: ChildProcess) => (await counts(child)).deliveries;

/** Waits (at most 30 s) until the subscribers hold `expected` deliveries; returns what they hold. */
async function settle(child: ChildProcess, expected: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  let got = await deliveries(child);
  while (got < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    got = await deliveries(child);
  }
  return got;
}

/** The delivery count once it stopped moving for 300 ms (the previous run's messages all arrived). */
async function quiet(child: ChildProcess): Promise<number> {
  let last = await deliveries(child);
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await deliveries(child);
    if (now === last) break;
    last = now;
  }
  return last;
}

type Result = Load & { rate: number; cpuUsPerSend: number; clientCpuUsPerSend: number; delivered: number; expected: number };

async function measure(url: string, pid: number, subscribers: ChildProcess, load: Record<string, unknown>): Promise<Result> {
  await runLoad({ ...load, seconds: 1 }); // warm-up: JIT, statement cache, connections
  const before = await quiet(subscribers);
  const cpu0 = cpuSeconds(pid);
  const subscribersCpu0 = (await counts(subscribers)).cpu;
  const result = await runLoad({ ...load, seconds: SECONDS });
  const cpu = cpuSeconds(pid) - cpu0;
  const expected = before + result.sent * SUBSCRIBERS_PER_ROOM;
  const delivered = (await settle(subscribers, expected)) - before;
  // What the clients spent on the same messages (sender and subscribers share the machine's cores).
  const clientCpu = result.cpu + (await counts(subscribers)).cpu - subscribersCpu0;
  const perSend = (seconds: number) => (seconds * 1e6) / result.sent;
  return { ...result, rate: result.sent / result.seconds, cpuUsPerSend: perSend(cpu), clientCpuUsPerSend: perSend(clientCpu), delivered, expected: expected - before };
}

export async function run(): Promise<BenchRow[]> {
  const dataDir = tempDir('parley-bench-ingest-');
  // BENCH_PROFILE=<dir>: the server writes a CPU profile there (node --cpu-prof) when it stops.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const server = await spawnParley({ DATA_DIR: dataDir, ROOM_SEND_LIMIT: '1000000' }, { nodeArgs: profile });
  const children: ChildProcess[] = [];
  try {
    const url = server.url;
    const tokens: string[] = [];
    for (let i = 0; i < SENDERS; i++) tokens.push((await trpcCall<{ token: string }>(url, 'auth.guest', { alias: `ingest ${i}` })).token);
    const rooms: string[] = [];
    for (let r = 0; r < ROOMS; r++) {
      const room = await trpcCall<{ id: string }>(url, 'rooms.create', { name: `ingest ${r}` }, tokens[0]);
      for (const token of tokens.slice(1)) await trpcCall(url, 'rooms.join', { roomId: room.id }, token);
      rooms.push(room.id);
    }
    // Subscribers: SUBSCRIBERS_PER_ROOM members follow each room (tokens 0..2, each on its own socket).
    const subscribers = await startSubscribers({ url, tokens, rooms, subscribersPerRoom: SUBSCRIBERS_PER_ROOM });
    children.push(subscribers);
    const common = { url, tokens };
    const cases: [string, Record<string, unknown>, number][] = [
      ['HTTP, spread over 100 rooms', { ...common, role: 'http', rooms, connections: 32 }, SPREAD_TARGET],
      ['HTTP, one room', { ...common, role: 'http', rooms: rooms.slice(0, 1), connections: 32 }, ONE_ROOM_TARGET],
      // Many links, each under the server's 50 calls/s per connection (past it the server closes it).
      ['WebSocket link, spread over 100 rooms', { ...common, role: 'ws', rooms, ...WS_LINKS }, SPREAD_TARGET],
      ['WebSocket link, one room', { ...common, role: 'ws', rooms: rooms.slice(0, 1), ...WS_LINKS }, ONE_ROOM_TARGET],
    ];
    const rows: BenchRow[] = [];
    // BENCH_INGEST_ONLY=<words of a label> runs that case alone (a profile of one case).
    const only = process.env.BENCH_INGEST_ONLY;
    for (const [label, load, target] of cases.filter(([label]) => !only || label.includes(only))) {
      const r = await measure(url, server.pid, subscribers, load);
      const complete = r.delivered >= r.expected && r.errors === 0;
      rows.push({
        measure: `ingest: rooms.send acknowledged (stored) per second, ${label}, PGlite`,
        parley: `${formatRate(r.rate, 'msg/s')} (p99 ${Math.round(r.p99)} ms)`,
        baseline: `${Math.round(r.cpuUsPerSend)} µs server CPU per send (clients ${Math.round(r.clientCpuUsPerSend)} µs)`,
        ratio: r.rate / target,
        target: `≥ ${target.toLocaleString('en-US')} msg/s`,
        met: r.rate >= target && complete,
        note: `${label}: ${r.sent} sends acknowledged in ${r.seconds.toFixed(1)} s, ${r.errors} errors; ${r.delivered} of ${r.expected} deliveries to the ${SUBSCRIBERS_PER_ROOM} subscribers of each room arrived.`,
      });
    }
    return rows;
  } finally {
    for (const child of children) child.kill();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
