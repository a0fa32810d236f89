// Several instances on one PostgreSQL (a throwaway cluster, test/helpers/postgres-cluster.ts): 1, 2
// and 3 instances of the production build (default configuration), SUBSCRIBERS followers of one busy
// room spread evenly over them (client processes, rooms/clients.ts), QUIET_ROOMS quiet rooms taking a
// trickle of messages. rooms.send goes round-robin to the instances over HTTP at rising rates; each
// message crosses the bus (one NOTIFY, received by every instance). Per configuration and rate:
// deliveries/s, p99 delivery latency, the instances' CPU per delivery (PostgreSQL's own CPU apart),
// bus messages/s; the highest rate whose p99 stays under P99_LIMIT_MS is where latency starts to grow.
// On a 2-core machine the instances share the cores with the clients and PostgreSQL.
// Run: node --import tsx bench/run.ts scaleout   (BENCH_SCALEOUT_SECONDS=1 for a quick look)
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { startPostgresCluster } from '../test/helpers/postgres-cluster';
import type { BenchRow } from './types';
import { type Child, cpuSeconds, spawnParley, tempDir } from './support/processes';
import { percentile } from './support/stats';
import { trpcCall } from './support/trpc-call';
import { nextMessage } from './support/child-messages';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SCALEOUT_SECONDS ?? 2);
const SUBSCRIBERS = Number(process.env.BENCH_SCALEOUT_SUBSCRIBERS ?? 600);
const RATES = (process.env.BENCH_SCALEOUT_RATES ?? '25,50,100,200,400').split(',').map(Number);
const QUIET_ROOMS = 20;
const QUIET_RATE = 10; // messages per second over all quiet rooms, alongside every step
const P99_LIMIT_MS = 250;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Step = { rate: number; deliveriesPerSecond: number; p99: number; reached: number; cpuUsPerDelivery: number };

async function configuration(instances: number, databaseUrl: string): Promise<Step[]> {
  const servers: Child[] = [];
  const clients: ChildProcess[] = [];
  const dirs: string[] = [];
  try {
    // The instances start together (the first applies the migrations; the others wait on its lock).
    for (let i = 0; i < instances; i++) dirs.push(tempDir('parley-bench-scale-'));
    const started = await Promise.allSettled(dirs.map((dir) => spawnParley({ DATABASE_URL: databaseUrl, DATA_DIR: dir, ROOM_SEND_LIMIT: '1000000' })));
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const url = servers[0]!.url;
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) tokens.push((await trpcCall<{ token: string }>(url, 'auth.guest', { alias: `scale ${i}` })).token);
    const busy = await trpcCall<{ id: string }>(url, 'rooms.create', { name: 'busy' }, tokens[0]);
    for (const token of tokens.slice(1)) await trpcCall(url, 'rooms.join', { roomId: busy.id }, token);
    const quiet: string[] = [];
    for (let r = 0; r < QUIET_ROOMS; r++) quiet.push((await trpcCall<{ id: string }>(url, 'rooms.create', { name: `quiet ${r}` }, tokens[0])).id);

    // Subscribers spread evenly: one client process per instance.
    for (let i = 0; i < instances; i++) {
      const count = Math.floor(SUBSCRIBERS / instances) + (i < SUBSCRIBERS % instances ? 1 : 0);
      const child = fork(path.join(here, 'rooms/clients.ts'), [JSON.stringify({ kind: 'parley', url: servers[i]!.url, count, tokens, roomId: busy.id })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      clients.push(child);
    }
    await Promise.all(clients.map((c) => nextMessage(c, 'ready', 300_000)));
    const count = async () => {
      const replies = clients.map((c) => nextMessage<{ deliveries: number }>(c, 'count', 30_000));
      for (const c of clients) c.send({ cmd: 'count' });
      return (await Promise.all(replies)).reduce((sum, r) => sum + r.deliveries, 0);
    };
    const cpu = () => servers.reduce((sum, s) => sum + cpuSeconds(s.pid), 0);

    let seq = 0;
    let sent = 0;
    const send = (roomId: string, body: string) => {
      const server = servers[sent++ % servers.length]!;
      return trpcCall(server.url, 'rooms.send', { roomId, body }, tokens[0]).catch((error) => console.error(`scaleout send failed: ${(error as Error).message}`));
    };
    const steps: Step[] = [];
    for (const rate of RATES) {
      const delivered0 = await count();
      const cpu0 = cpu();
      for (const c of clients) c.send({ cmd: 'latency', on: true });
      const started = Date.now();
      const total = rate * SECONDS;
      const quietTotal = QUIET_RATE * SECONDS;
      const pending: Promise<unknown>[] = [];
      for (let i = 0, q = 0; i < total; i++) {
        await sleep(Math.max(0, started + (i * 1000) / rate - Date.now()));
        pending.push(send(busy.id, JSON.stringify({ s: ++seq, t: now() })));
        // The quiet rooms' trickle, interleaved at its own rate.
        while (q < quietTotal && started + (q * 1000) / QUIET_RATE <= Date.now()) pending.push(send(quiet[q++ % QUIET_ROOMS]!, 'quiet'));
      }
      await Promise.all(pending);
      const expected = total * SUBSCRIBERS;
      const deadline = Date.now() + 15_000;
      let delivered = (await count()) - delivered0;
      while (delivered < expected && Date.now() < deadline) {
        await sleep(100);
        delivered = (await count()) - delivered0;
      }
      const elapsed = (Date.now() - started) / 1000;
      const cpuUsed = cpu() - cpu0;
      for (const c of clients) c.send({ cmd: 'latency', on: false });
      const replies = clients.map((c) => nextMessage<{ values: number[] }>(c, 'latencies', 30_000));
      for (const c of clients) c.send({ cmd: 'take' });
      const latencies = (await Promise.all(replies)).flatMap((r) => r.values);
      steps.push({ rate, deliveriesPerSecond: delivered / elapsed, p99: percentile(latencies, 0.99), reached: delivered / expected, cpuUsPerDelivery: (cpuUsed * 1e6) / delivered });
      if (percentile(latencies, 0.99) > 4 * P99_LIMIT_MS) break; // far past the knee: higher rates only queue
    }
    return steps;
  } finally {
    for (const c of clients) c.kill();
    for (const s of servers) await s.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchRow[]> {
  const cluster = await startPostgresCluster().catch(() => null);
  if (!cluster) return [{ measure: 'several instances on one PostgreSQL', parley: 'skipped', baseline: '—', ratio: null, target: 'report', met: null, note: 'No PostgreSQL server binaries on this machine.' }];
  const rows: BenchRow[] = [];
  try {
    const admin = postgres(cluster.url, { max: 1, fetch_types: false, onnotice: () => {} });
    let single: Step | undefined;
    for (const instances of [1, 2, 3]) {
      // A fresh database per configuration: every configuration starts from the same state.
      const name = `parley_scale_${instances}`;
      await admin.unsafe(`create database ${name}`);
      const url = new URL(cluster.url);
      url.pathname = `/${name}`;
      const steps = await configuration(instances, url.toString());
      const held = steps.filter((s) => s.p99 < P99_LIMIT_MS && s.reached >= 1);
      const knee = held.at(-1);
      if (instances === 1) single = knee;
      rows.push({
        measure: `${instances} instance${instances > 1 ? 's' : ''} on one PostgreSQL, ${SUBSCRIBERS} subscribers of one busy room spread evenly: highest send rate with p99 < ${P99_LIMIT_MS} ms`,
        parley: knee ? `${knee.rate} msg/s → ${Math.round(knee.deliveriesPerSecond).toLocaleString('en-US')} deliveries/s, p99 ${Math.round(knee.p99)} ms` : `none of ${RATES.join(', ')} msg/s held`,
        baseline: knee ? `${knee.cpuUsPerDelivery.toFixed(1)} µs instance CPU per delivery; bus ${knee.rate + QUIET_RATE} msg/s` : '—',
        ratio: knee && single ? knee.deliveriesPerSecond / single.deliveriesPerSecond : null,
        target: 'report',
        met: null,
        note: `${instances} instance(s), per step (msg/s: deliveries/s, p99, reached, CPU per delivery): ${steps.map((s) => `${s.rate}: ${Math.round(s.deliveriesPerSecond)}/s, ${Math.round(s.p99)} ms, ${(s.reached * 100).toFixed(0)} %, ${s.cpuUsPerDelivery.toFixed(1)} µs`).join('; ')}. Quiet rooms: ${QUIET_ROOMS}, ${QUIET_RATE} msg/s between them. The ratio is to one instance's deliveries/s at its own knee.`,
      });
    }
    await admin.end();
  } finally {
    cluster.destroy();
  }
  return rows;
}
