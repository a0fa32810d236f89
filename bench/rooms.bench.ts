// Room fan-out: 1 room, 1,000 subscribers in 2 client processes, against a raw `ws` broadcast
// server and a Socket.IO room measured in the same run. Each server runs alone in its own process
// (CPU time and RSS are its own). Measures: deliveries/s at saturation (a window of messages in
// flight, each complete when all 1,000 subscribers have it), p99 latency at 10 msg/s, server CPU
// per delivery, server RSS and heap per idle subscribed connection.
// Run: node --import tsx bench/rooms.bench.ts
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import fs from 'node:fs';
import { freePort } from '../test/helpers/ports';
import { parleyArgs, tempDir } from './support/processes';
import { median, percentile } from './support/stats';
import type { BenchRow } from './types';
import { trpcCall } from './support/trpc-call';
import { nextMessage } from './support/child-messages';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUBSCRIBERS = 1000;
const CLIENT_PROCESSES = 2;
const LATENCY_RATE = 10; // messages per second
const LATENCY_SECONDS = 4;
const SATURATION_ROUNDS = 3;
const SATURATION_SECONDS = 3;
const PUBLISH_ONLY = 100; // messages sent with no subscriber: the cost of the publish path alone
const IN_FLIGHT = 16;
const GUESTS = 10;

type Kind = 'ws' | 'socketio' | 'parley';
type Result = { deliveriesPerSecond: number; cpuMicrosPerDelivery: number; fanoutMicrosPerDelivery: number; cpuMicrosPerPublish: number; p99Ms: number; rssPerConnection: number; heapPerConnection: number };
type Usage = { cpuMicros: number; rss: number; heap: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

function spawnChild(script: string, args: string[], execArgv: string[] = []): ChildProcess {
  return fork(path.join(here, script), args, { execArgv: [...execArgv, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * Parley's server: the production build with its default configuration (rooms/parley-server.mjs,
 * no tsx); its stdout (the access log) goes to a file, as to a log collector.
 */
async function spawnParleyServer(execArgv: string[]): Promise<ChildProcess> {
  const dataDir = tempDir('parley-bench-rooms-');
  const log = fs.openSync(path.join(dataDir, 'server.log'), 'a');
  const child = fork(path.join(here, 'rooms/parley-server.mjs'), [parleyArgs()[0]!, String(await freePort()), path.join(dataDir, 'data')], { execArgv, stdio: ['ignore', log, 'inherit', 'ipc'] });
  fs.closeSync(log);
  child.once('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
  return child;
}

async function usageOf(server: ChildProcess): Promise<Usage> {
  const reply = nextMessage<Usage>(server, 'usage');
  server.send({ cmd: 'usage' });
  return reply;
}

/** How each kind of server gets a message published into the room. */
async function createPublisher(kind: Kind, url: string): Promise<{ publish(payload: string): Promise<void> | void; extra: Record<string, unknown>; close(): void }> {
  if (kind === 'ws') {
    const ws = new WebSocket(url);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    return { publish: (p) => ws.send(p), extra: {}, close: () => ws.close() };
  }
  if (kind === 'socketio') {
    const { io } = await import('socket.io-client');
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise((r) => socket.once('connect', () => r(null)));
    return { publish: (p) => void socket.emit('pub', JSON.parse(p)), extra: {}, close: () => socket.close() };
  }
  const guests: string[] = [];
  for (let i = 0; i < GUESTS; i++) guests.push((await trpcCall<{ token: string }>(url, 'auth.guest', { alias: `bench ${i}` })).token);
  const room = await trpcCall<{ id: string }>(url, 'rooms.create', { name: 'bench' }, guests[0]);
  for (const token of guests.slice(1)) await trpcCall(url, 'rooms.join', { roomId: room.id }, token);
  return {
    publish: async (p) => void (await trpcCall(url, 'rooms.send', { roomId: room.id, body: p }, guests[0])),
    extra: { tokens: guests, roomId: room.id },
    close: () => {},
  };
}

async function measure(kind: Kind): Promise<Result> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const server = kind === 'parley' ? await spawnParleyServer(['--expose-gc', ...profile]) : spawnChild('rooms/server.ts', [kind], ['--expose-gc', ...profile]);
  const children: ChildProcess[] = [server];
  try {
    const { url } = await nextMessage<{ url: string }>(server, 'ready', 120_000);
    const publisher = await createPublisher(kind, url);
    // The publish path alone (for Parley: HTTP, session, membership, the database insert).
    const publishStart = (await usageOf(server)).cpuMicros;
    for (let i = 0; i < PUBLISH_ONLY; i++) await publisher.publish(JSON.stringify({ s: 0, t: 0 }));
    await sleep(200);
    const cpuMicrosPerPublish = ((await usageOf(server)).cpuMicros - publishStart) / PUBLISH_ONLY;
    await sleep(500);
    const before = await usageOf(server);
    const perProcess = SUBSCRIBERS / CLIENT_PROCESSES;
    const clients = Array.from({ length: CLIENT_PROCESSES }, () =>
      spawnChild('rooms/clients.ts', [JSON.stringify({ kind, url, count: perProcess, ...publisher.extra })]),
    );
    children.push(...clients);
    await Promise.all(clients.map((c) => nextMessage(c, 'ready', 120_000)));
    await sleep(1000);
    const idle = await usageOf(server);

    // Every message is complete when each client process has acknowledged it for all its connections.
    const acks = new Map<number, number>();
    let completed = 0;
    let wake: (() => void) | null = null;
    for (const c of clients) {
      c.on('message', (msg: { type: string; seq?: number }) => {
        if (msg.type !== 'ack') return;
        const n = (acks.get(msg.seq!) ?? 0) + 1;
        if (n === CLIENT_PROCESSES) {
          acks.delete(msg.seq!);
          completed++;
          wake?.();
        } else acks.set(msg.seq!, n);
      });
    }
    let seq = 0;
    const payload = () => JSON.stringify({ s: ++seq, t: now() });
    const waitForCompleted = async (target: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (completed < target && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
    };
    const count = async () => {
      const replies = clients.map((c) => nextMessage<{ deliveries: number }>(c, 'count'));
      for (const c of clients) c.send({ cmd: 'count' });
      return (await Promise.all(replies)).reduce((sum, r) => sum + r.deliveries, 0);
    };

    // p99 latency at a fixed rate.
    for (const c of clients) c.send({ cmd: 'latency', on: true });
    const startAt = Date.now();
    for (let i = 0; i < LATENCY_RATE * LATENCY_SECONDS; i++) {
      await sleep(Math.max(0, startAt + (i * 1000) / LATENCY_RATE - Date.now()));
      void Promise.resolve(publisher.publish(payload())).catch((e) => console.error("publish failed:", e.message));
    }
    await waitForCompleted(seq, 10_000);
    for (const c of clients) c.send({ cmd: 'latency', on: false });
    const latencyReplies = clients.map((c) => nextMessage<{ values: number[] }>(c, 'latencies'));
    for (const c of clients) c.send({ cmd: 'take' });
    const latencies = (await Promise.all(latencyReplies)).flatMap((r) => r.values);
    const p99Ms = percentile(latencies, 0.99);

    // Saturation: keep IN_FLIGHT messages not yet delivered everywhere.
    const rates: number[] = [];
    const cpuPerDelivery: number[] = [];
    const fanoutPerDelivery: number[] = [];
    for (let round = 0; round < SATURATION_ROUNDS; round++) {
      const cpu0 = (await usageOf(server)).cpuMicros;
      const count0 = await count();
      const t0 = Date.now();
      const seq0 = seq;
      while (Date.now() - t0 < SATURATION_SECONDS * 1000) {
        if (seq - completed < IN_FLIGHT) void Promise.resolve(publisher.publish(payload())).catch((e) => console.error("publish failed:", e.message));
        else await new Promise<void>((r) => ((wake = r), setTimeout(r, 5)));
      }
      await waitForCompleted(seq, 10_000);
      const elapsed = (Date.now() - t0) / 1000;
      const delivered = (await count()) - count0;
      const cpu1 = (await usageOf(server)).cpuMicros;
      rates.push(delivered / elapsed);
      cpuPerDelivery.push((cpu1 - cpu0) / delivered);
      fanoutPerDelivery.push((cpu1 - cpu0 - (seq - seq0) * cpuMicrosPerPublish) / delivered);
    }
    publisher.close();
    return {
      deliveriesPerSecond: median(rates),
      cpuMicrosPerDelivery: median(cpuPerDelivery),
      fanoutMicrosPerDelivery: median(fanoutPerDelivery),
      cpuMicrosPerPublish,
      p99Ms,
      rssPerConnection: (idle.rss - before.rss) / SUBSCRIBERS,
      heapPerConnection: (idle.heap - before.heap) / SUBSCRIBERS,
    };
  } finally {
    // The server leaves on its own when the IPC channel closes (so a --cpu-prof profile is written).
    for (const child of children.slice(1)) child.kill();
    if (server.connected) server.disconnect();
    const exited = new Promise((r) => server.once('exit', r));
    await Promise.race([exited, sleep(3000)]);
    server.kill();
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
const us = (n: number) => `${n.toFixed(2)} µs`;

export async function run(): Promise<BenchRow[]> {
  const only = process.env.BENCH_ONLY as Kind | undefined;
  const skipped: Result = { deliveriesPerSecond: NaN, cpuMicrosPerDelivery: NaN, fanoutMicrosPerDelivery: NaN, cpuMicrosPerPublish: NaN, p99Ms: NaN, rssPerConnection: NaN, heapPerConnection: NaN };
  const ws = !only || only === 'ws' ? await measure('ws') : skipped;
  const sio = !only || only === 'socketio' ? await measure('socketio') : skipped;
  const parley = !only || only === 'parley' ? await measure('parley') : skipped;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  return [
    {
      measure: 'room fan-out deliveries/s at saturation (1 room, 1,000 subs)',
      parley: k(parley.deliveriesPerSecond),
      baseline: `Socket.IO ${k(sio.deliveriesPerSecond)} (raw ws ${k(ws.deliveriesPerSecond)})`,
      ratio: ratio(parley.deliveriesPerSecond, sio.deliveriesPerSecond),
      target: '> 1 × Socket.IO',
      met: parley.deliveriesPerSecond > sio.deliveriesPerSecond,
      note: 'Parley messages go through rooms.send over HTTP and are stored before fan-out',
    },
    {
      measure: 'server CPU per delivery vs raw ws',
      parley: us(parley.cpuMicrosPerDelivery),
      baseline: `raw ws ${us(ws.cpuMicrosPerDelivery)}`,
      ratio: ratio(parley.cpuMicrosPerDelivery, ws.cpuMicrosPerDelivery),
      target: '≤ 2 × raw ws',
      met: parley.cpuMicrosPerDelivery <= 2 * ws.cpuMicrosPerDelivery,
    },
    {
      measure: 'server CPU per delivery vs Socket.IO',
      parley: us(parley.cpuMicrosPerDelivery),
      baseline: `Socket.IO ${us(sio.cpuMicrosPerDelivery)}`,
      ratio: ratio(parley.cpuMicrosPerDelivery, sio.cpuMicrosPerDelivery),
      target: '< 1 × Socket.IO',
      met: parley.cpuMicrosPerDelivery < sio.cpuMicrosPerDelivery,
    },
    {
      measure: 'server CPU per delivery, fan-out only (publish path subtracted)',
      parley: us(parley.fanoutMicrosPerDelivery),
      baseline: `raw ws ${us(ws.fanoutMicrosPerDelivery)}, Socket.IO ${us(sio.fanoutMicrosPerDelivery)}`,
      ratio: ratio(parley.fanoutMicrosPerDelivery, ws.fanoutMicrosPerDelivery),
      target: 'report',
      met: null,
    },
    {
      measure: 'server CPU per published message (no subscriber)',
      parley: us(parley.cpuMicrosPerPublish),
      baseline: `raw ws ${us(ws.cpuMicrosPerPublish)}, Socket.IO ${us(sio.cpuMicrosPerPublish)}`,
      ratio: ratio(parley.cpuMicrosPerPublish, ws.cpuMicrosPerPublish),
      target: 'report',
      met: null,
      note: 'Parley: HTTP + session + membership + insert; the others just relay',
    },
    {
      measure: `p99 delivery latency at ${LATENCY_RATE} msg/s`,
      parley: `${parley.p99Ms.toFixed(1)} ms`,
      baseline: `raw ws ${ws.p99Ms.toFixed(1)} ms, Socket.IO ${sio.p99Ms.toFixed(1)} ms`,
      ratio: ratio(parley.p99Ms, ws.p99Ms),
      target: '≤ Socket.IO and ≤ 1.5 × raw ws',
      met: parley.p99Ms <= sio.p99Ms && parley.p99Ms <= 1.5 * ws.p99Ms,
      note: 'Parley includes the HTTP send and the database insert',
    },
    {
      measure: 'server RSS per idle subscribed connection',
      parley: kb(parley.rssPerConnection),
      baseline: `raw ws ${kb(ws.rssPerConnection)} (Socket.IO ${kb(sio.rssPerConnection)})`,
      ratio: ratio(parley.rssPerConnection, ws.rssPerConnection),
      target: '≤ 2 × raw ws',
      met: parley.rssPerConnection <= 2 * ws.rssPerConnection,
    },
    {
      measure: 'server V8 heap per idle subscribed connection',
      parley: kb(parley.heapPerConnection),
      baseline: `raw ws ${kb(ws.heapPerConnection)} (Socket.IO ${kb(sio.heapPerConnection)})`,
      ratio: ratio(parley.heapPerConnection, ws.heapPerConnection),
      target: 'report',
      met: null,
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const started = Date.now();
  run().then((rows) => {
    console.log('| measure | Parley | baseline | ratio | target | met |\n|---|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.measure} | ${r.parley} | ${r.baseline} | ${r.ratio ?? ''} | ${r.target} | ${r.met === null ? '' : r.met ? 'yes' : 'no'} |`);
    console.log(`\n(${Math.round((Date.now() - started) / 1000)} s)`);
    process.exit(0);
  });
}
