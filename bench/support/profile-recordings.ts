// Profiling aid (not a bench): one round of the recordings load against an in-process server
// while the inspector's CPU profiler records the server's main thread.
// node --import tsx bench/support/profile-recordings.ts <pcm|webm> <streams> [out.cpuprofile]
// PROFILE=0 skips the profiler (CPU and event-loop figures only); LOAD_SCRIPT=<path under bench/>
// runs another load generator. Prints the round's figures, the server's CPU and event-loop delay.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startParley } from '../../server/src/app';
import { loadConfig } from '../../server/src/config';
import { speechPcm16k, speechWebmOpus } from '../../test/helpers/recording-fixtures';

const exec = promisify(execFile);
const [kind = 'pcm', count = '50', out = `/tmp/rec-${kind}-${count}.cpuprofile`] = process.argv.slice(2);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-prof-rec-'));
const server = await startParley(loadConfig({ NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', PASSWORD_HASH_PROFILE: 'dev', RATE_LIMIT_RECORDING_USER: '1000000/1h' }));
const res = await fetch(`${server.url}/trpc/auth.register`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: `prof-${Date.now()}@example.com`, password: 'benchmark passphrase 42' }),
});
const token = ((await res.json()) as { result: { data: { token: string } } }).result.data.token;
let load;
if (kind === 'pcm') {
  const file = path.join(dataDir, 'speech.raw');
  fs.writeFileSync(file, speechPcm16k(60));
  load = { format: 'pcm_s16le_16000_mono', file, frameBytes: 3200, intervalMs: 100 };
} else load = { format: 'webm', file: speechWebmOpus(20), frameBytes: 1000, intervalMs: 250 };
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
if (process.env.PROFILE !== '0') await session.post('Profiler.start');
const { monitorEventLoopDelay } = await import('node:perf_hooks');
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const longTasks: number[] = [];
let lastTick = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  if (now - lastTick > 250) longTasks.push(Math.round(now - lastTick));
  lastTick = now;
}, 50);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const script = path.join(import.meta.dirname, '..', process.env.LOAD_SCRIPT ?? 'recordings-load.ts');
const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', script, JSON.stringify({ url: server.url, token, streams: Number(count), seconds: 10, ...load })], { maxBuffer: 1 << 20 }); if (stderr) console.log(stderr.trim());
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
if (process.env.PROFILE !== '0') fs.writeFileSync(out, JSON.stringify((await session.post('Profiler.stop')).profile));
clearInterval(ticker);
console.log(stdout.trim());
console.log(`event loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms; gaps > 250 ms: ${JSON.stringify(longTasks)}`);
console.log(JSON.stringify({ wallMs: Math.round(wall), userMs: Math.round(cpu.user / 1000), systemMs: Math.round(cpu.system / 1000), profile: out }));
await server.close();
fs.rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
