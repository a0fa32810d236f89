// Live recording capacity: how many concurrent /ws/record streams one server keeps in real time
// with every ack under 1 s — raw 16 kHz PCM (each one Opus-encoded) and WebM/Opus from browsers
// (packets copied, no encoder). The recorders run in a separate process; the server here.
// After a short warm-up, rounds of 5 s at rising stream counts (PCM from a quarter of the target, WebM
// from half of it); the figure is the largest count
// whose every ack came within 1 s. Bounded: about a minute. (A count that cannot keep up shows it
// within seconds: its acks fall behind by the second and stay behind.)
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { speechPcm16k, speechWebmOpus } from '../test/helpers/recording-fixtures';
import type { BenchRow } from './types';
import { type Child, cpuSeconds, spawnParley } from './support/processes';

const exec = promisify(execFile);
const SECONDS = Number(process.env.BENCH_RECORDING_SECONDS ?? 5);
const ACK_LIMIT_MS = 1000;
/** A frame unacknowledged this long has failed the round: the load process stops every stream then. */
const GIVE_UP_AFTER_MS = 3 * ACK_LIMIT_MS;
const BUDGET_MS = 70_000;

/** serverCpu/loadCpu: CPU ms per stream-second of audio, of the server (all its threads) and of the recorders' process. */
type Round = { streams: number; gaveUp: boolean; acks: number; p50: number; p99: number; max: number; errors: number; unacked: number; failedStreams: number; serverCpu: number; loadCpu: number };

async function register(url: string): Promise<string> {
  const res = await fetch(`${url}/trpc/auth.register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'benchmark passphrase 42' }),
  });
  const body = (await res.json()) as { result: { data: { token: string } } };
  return body.result.data.token;
}

async function round(server: Child, token: string, streams: number, load: { format: string; file: string; frameBytes: number; intervalMs: number }, seconds = SECONDS): Promise<Round> {
  const url = server.url;
  const script = path.join(import.meta.dirname, 'recordings-load.ts');
  const options = { url, token, streams, seconds, giveUpAfterMs: GIVE_UP_AFTER_MS, ...load };
  const cpu = cpuSeconds(server.pid);
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { maxBuffer: 1 << 20, timeout: (seconds + 25) * 1000 });
  const used = cpuSeconds(server.pid) - cpu;
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<Round, 'streams' | 'serverCpu' | 'loadCpu'> & { cpuMs: number };
  const streamSeconds = streams * seconds;
  return { streams, ...result, serverCpu: (used * 1000) / streamSeconds, loadCpu: result.cpuMs / streamSeconds };
}

const kept = (r: Round) => !r.gaveUp && r.failedStreams === 0 && r.unacked === 0 && r.errors === 0 && r.max < ACK_LIMIT_MS;

/** Streams and seconds of the warm-up round before each ladder (JIT, encoder threads, statements), not counted. */
const WARM_UP = { streams: 10, seconds: 2 };

/** A warm-up, then rising counts until one fails or the time budget is spent; the largest count that held. */
async function capacity(server: Child, token: string, counts: number[], load: Parameters<typeof round>[3], until: number) {
  await round(server, token, WARM_UP.streams, load, WARM_UP.seconds);
  const rounds: Round[] = [];
  for (const streams of counts) {
    if (Date.now() > until) break;
    const r = await round(server, token, streams, load);
    rounds.push(r);
    if (!kept(r)) break;
  }
  const best = rounds.filter(kept).at(-1) ?? null;
  return { best, rounds };
}

const describeRounds = (rounds: Round[]) =>
  rounds
    .map((r) => `${r.streams}: ${r.gaveUp ? `stopped once an ack was ${GIVE_UP_AFTER_MS / 1000} s late, ` : ''}max ${Math.round(r.max)} ms, p99 ${Math.round(r.p99)} ms${r.unacked || r.failedStreams || r.errors ? `, ${r.unacked} unacked, ${r.failedStreams} failed` : ''}, CPU per stream-second: server ${r.serverCpu.toFixed(1)} ms, recorders ${r.loadCpu.toFixed(1)} ms`)
    .join('; ');

export async function run(): Promise<BenchRow[]> {
  const until = Date.now() + BUDGET_MS;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-rec-'));
  // The production build with its default configuration (access log included), as `pnpm start` runs it;
  // one user opens every stream here, so the per-user recording limit is lifted for this capacity bench.
  const server = await spawnParley({ DATA_DIR: dataDir, RATE_LIMIT_RECORDING_USER: '1000000/1h' });
  try {
    const token = await register(server.url);
    const pcmFile = path.join(dataDir, 'speech.raw');
    fs.writeFileSync(pcmFile, speechPcm16k(60));
    const pcm = await capacity(server, token, [25, 50, 100, 150], { format: 'pcm_s16le_16000_mono', file: pcmFile, frameBytes: 3200, intervalMs: 100 }, until - 30_000);
    // MediaRecorder with a 250 ms timeslice: ~1 KB of WebM per chunk at 32 kbit/s.
    const webm = await capacity(server, token, [500, 1000], { format: 'webm', file: speechWebmOpus(20), frameBytes: 1000, intervalMs: 250 }, until);
    const row = (measure: string, result: Awaited<ReturnType<typeof capacity>>, target: number): BenchRow => ({
      measure,
      parley: result.best ? `${result.best.streams} streams (max ack ${Math.round(result.best.max)} ms)` : 'none held',
      baseline: `target ${target}`,
      ratio: result.best ? result.best.streams / target : 0,
      target: `≥ ${target} streams, every ack < 1 s`,
      met: (result.best?.streams ?? 0) >= target,
      note: describeRounds(result.rounds),
    });
    return [
      row('concurrent live 16 kHz PCM streams (encoded), real time, ack < 1 s', pcm, 100),
      row('concurrent live WebM/Opus streams (passthrough), real time, ack < 1 s', webm, 1000),
    ];
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run();
  console.table(rows);
}
