// Connections: BENCH_CONNECTIONS (default 20,000, capped by the open-files hard limit) idle
// subscribed WebSockets to one instance — Parley's /trpc (rooms.events on one room; the production
// build, default configuration) against a raw `ws` broadcast server at the same count — from client
// processes of 5,000 sockets each, each process on its own 127.0.0.x source address (clear of the
// ephemeral-port range of one address). Every server and client process is started through
// `sh -c 'ulimit -n <limit>; exec node …'`, so the bench raises the limits it needs itself: the
// soft limit always, the hard limit when the kernel lets it (root with CAP_SYS_RESOURCE; a container
// often drops that capability, and then the count is capped and the row says why).
// Measures server RSS (and V8 heap) per idle connection and, for one room message (3 sent, 1 s
// apart), the share of connections it reached and the p99 delivery latency.
// Run: node --import tsx bench/run.ts connections   (BENCH_CONNECTIONS=2000 for a quick look)
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports';
import type { BenchRow } from './types';
import { parleyArgs, root, tempDir } from './support/processes';
import { percentile } from './support/stats';
import { trpcCall } from './support/trpc-call';
import { nextMessage } from './support/child-messages';

const here = path.dirname(fileURLToPath(import.meta.url));
const PER_PROCESS = 5000;
const MESSAGES = 3;
const P99_TARGET_MS = 1000;
/** Descriptors the server keeps besides the connections (listening socket, database files, pipes). */
const SERVER_RESERVE = 200;

function hardFileLimit(): number {
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const match = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
  return !match || match[2] === 'unlimited' ? 1_048_576 : Number(match[2]);
}

/** Whether this process may raise hard limits (CAP_SYS_RESOURCE, bit 24 of the effective set). */
function hasCapSysResource(): boolean {
  const match = /CapEff:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? (BigInt(`0x${match[1]}`) & (1n << 24n)) !== 0n : false;
}

/**
 * The open-files limit the children get: `wanted` when the hard limit allows it or the kernel lets
 * a child raise it (tried once, in a shell as the children are started); else the hard limit, and why.
 */
function openFilesLimit(wanted: number): { limit: number; refused: string | null } {
  const hard = hardFileLimit();
  if (hard >= wanted) return { limit: wanted, refused: null };
  const probe = spawnSync('/bin/sh', ['-c', `ulimit -Hn ${wanted} && ulimit -Hn`], { encoding: 'utf8' });
  if (probe.status === 0 && Number(probe.stdout.trim()) >= wanted) return { limit: wanted, refused: null };
  const said = probe.stderr.trim().split('\n').at(-1)?.replace(/^.*ulimit: /, '') || `exit code ${probe.status}`;
  const why = hasCapSysResource() ? said : `${said}: raising a hard limit needs CAP_SYS_RESOURCE, which this process lacks (e.g. a container without it)`;
  return { limit: hard, refused: why };
}

const requested = Number(process.env.BENCH_CONNECTIONS ?? 20_000);
const files = openFilesLimit(requested + SERVER_RESERVE);
const CONNECTIONS = Math.min(requested, files.limit - SERVER_RESERVE);
if (files.refused) process.stderr.write(`connections: open-files hard limit ${files.limit}; raising it to ${requested + SERVER_RESERVE} was refused (${files.refused}): ${CONNECTIONS} connections\n`);

/** A node child with the open-files limit (soft, and hard when allowed) raised as above, and an IPC channel. */
function spawnNode(args: string[], stdout: 'inherit' | number = 'inherit'): ChildProcess {
  return spawn('/bin/sh', ['-c', `ulimit -n ${files.limit}; exec "$@"`, 'sh', process.execPath, ...args], { cwd: root, stdio: ['ignore', stdout, 'inherit', 'ipc'] });
}

type Usage = { rss: number; heap: number; cpuMicros: number };
async function usage(server: ChildProcess): Promise<Usage> {
  const reply = nextMessage<Usage>(server, 'usage', 30_000);
  server.send({ cmd: 'usage' });
  return reply;
}

type Result = { rssPerConnection: number; heapPerConnection: number; p99: number; reached: number; connectSeconds: number; cpuMsPerConnection: number };

async function measure(kind: 'ws' | 'parley'): Promise<Result> {
  const children: ChildProcess[] = [];
  const dataDir = tempDir('parley-bench-conn-');
  try {
    let server: ChildProcess;
    if (kind === 'parley') {
      const log = fs.openSync(path.join(dataDir, 'server.log'), 'a');
      server = spawnNode(['--expose-gc', path.join(here, 'rooms/parley-server.mjs'), parleyArgs()[0]!, String(await freePort()), path.join(dataDir, 'data')], log);
      fs.closeSync(log);
    } else {
      server = spawnNode(['--expose-gc', '--import', 'tsx', path.join(here, 'rooms/server.ts'), 'ws']);
    }
    children.push(server);
    const { url } = await nextMessage<{ url: string }>(server, 'ready', 180_000);

    let publish: (payload: string) => Promise<unknown>;
    let extra: Record<string, unknown> = {};
    if (kind === 'parley') {
      const tokens: string[] = [];
      for (let i = 0; i < 4; i++) tokens.push((await trpcCall<{ token: string }>(url, 'auth.guest', { alias: `conn ${i}` })).token);
      const room = await trpcCall<{ id: string }>(url, 'rooms.create', { name: 'connections' }, tokens[0]);
      for (const token of tokens.slice(1)) await trpcCall(url, 'rooms.join', { roomId: room.id }, token);
      publish = (body) => trpcCall(url, 'rooms.send', { roomId: room.id, body }, tokens[0]);
      extra = { tokens, roomId: room.id };
    } else {
      const { WebSocket } = await import('ws');
      const ws = new WebSocket(url);
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      publish = async (body) => ws.send(body);
    }

    // The set-up's garbage collected and the heap settled before the baseline reading (each reading
    // runs a full GC first; measured: the same RSS at once as after 1 s, so half a second is margin).
    await usage(server);
    await new Promise((r) => setTimeout(r, 500));
    const before = await usage(server);
    const started = performance.now();
    const processes = Math.ceil(CONNECTIONS / PER_PROCESS);
    const clients: ChildProcess[] = [];
    for (let p = 0; p < processes; p++) {
      const count = Math.min(PER_PROCESS, CONNECTIONS - p * PER_PROCESS);
      clients.push(spawnNode(['--import', 'tsx', path.join(here, 'rooms/clients.ts'), JSON.stringify({ kind, url, count, localAddress: `127.0.0.${p + 2}`, ...extra })]));
    }
    children.push(...clients);
    await Promise.all(clients.map((c) => nextMessage(c, 'ready', 600_000)));
    const connectSeconds = (performance.now() - started) / 1000;
    const connected = await usage(server);
    // Settle before the idle reading: measured at 5,000 connections, the reading (after its GC) moved
    // by ~1 % up to 0.5 s after the last connection and not at all from 0.5 s to 4 s.
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await usage(server);

    for (const c of clients) c.send({ cmd: 'latency', on: true });
    for (let s = 1; s <= MESSAGES; s++) {
      await publish(JSON.stringify({ s, t: performance.timeOrigin + performance.now() }));
      await new Promise((r) => setTimeout(r, 1000));
    }
    // Wait (at most 30 s) for every delivery.
    const count = async () => {
      const replies = clients.map((c) => nextMessage<{ deliveries: number }>(c, 'count', 30_000));
      for (const c of clients) c.send({ cmd: 'count' });
      return (await Promise.all(replies)).reduce((sum, r) => sum + r.deliveries, 0);
    };
    const deadline = Date.now() + 30_000;
    let delivered = await count();
    while (delivered < CONNECTIONS * MESSAGES && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      delivered = await count();
    }
    const replies = clients.map((c) => nextMessage<{ values: number[] }>(c, 'latencies', 30_000));
    for (const c of clients) c.send({ cmd: 'take' });
    const latencies = (await Promise.all(replies)).flatMap((r) => r.values);
    return { rssPerConnection: (idle.rss - before.rss) / CONNECTIONS, heapPerConnection: (idle.heap - before.heap) / CONNECTIONS, p99: percentile(latencies, 0.99), reached: delivered / (CONNECTIONS * MESSAGES), connectSeconds, cpuMsPerConnection: (connected.cpuMicros - before.cpuMicros) / 1000 / CONNECTIONS };
  } finally {
    for (const child of children.reverse()) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export async function run(): Promise<BenchRow[]> {
  const ws = await measure('ws');
  const parley = await measure('parley');
  const n = CONNECTIONS.toLocaleString('en-US');
  const capped = CONNECTIONS < requested
    ? ` (${requested.toLocaleString('en-US')} asked; the open-files hard limit here is ${files.limit.toLocaleString('en-US')}${files.refused ? ` and raising it was refused: ${files.refused}` : ''})`
    : '';
  return [
    {
      measure: `${n} idle subscribed /trpc WebSockets on one instance: server RSS per connection ÷ raw ws at the same count${capped}`,
      parley: kb(parley.rssPerConnection),
      baseline: `raw ws ${kb(ws.rssPerConnection)}`,
      ratio: parley.rssPerConnection / ws.rssPerConnection,
      target: '≤ 2',
      met: parley.rssPerConnection > 0 && parley.rssPerConnection <= 2 * ws.rssPerConnection,
      note:
        `Clients in ${Math.ceil(CONNECTIONS / PER_PROCESS)} processes of up to ${PER_PROCESS.toLocaleString('en-US')} sockets, each from its own 127.0.0.x address; connecting and subscribing all took ${parley.connectSeconds.toFixed(0)} s (raw ws ${ws.connectSeconds.toFixed(0)} s), the server's CPU per connection meanwhile ${parley.cpuMsPerConnection.toFixed(2)} ms (raw ws ${ws.cpuMsPerConnection.toFixed(2)} ms; the clients' CPU is the rest). ` +
        `V8 heap in use per connection (after a GC): ${kb(parley.heapPerConnection)}, raw ws ${kb(ws.heapPerConnection)} (${(parley.heapPerConnection / ws.heapPerConnection).toFixed(2)}×).`,
    },
    {
      measure: `one room message to ${n} subscribers: p99 delivery latency (${MESSAGES} messages, 1 s apart)`,
      parley: `${Math.round(parley.p99)} ms, ${(parley.reached * 100).toFixed(1)} % reached`,
      baseline: `raw ws ${Math.round(ws.p99)} ms, ${(ws.reached * 100).toFixed(1)} % reached`,
      ratio: parley.p99 / ws.p99,
      target: `< ${P99_TARGET_MS} ms, all reached`,
      met: parley.p99 < P99_TARGET_MS && parley.reached >= 1,
      note: 'Parley: rooms.send over HTTP (stored first), then fan-out; latency from the send to each subscriber.',
    },
  ];
}
