// Load generator for recordings.bench.ts, run as its own process: N live recorders on /ws/record,
// each sending a frame every `intervalMs` in real time (streams staggered across the interval),
// measuring the time from sending each frame to its ack. Prints one JSON line with the figures.
import fs from 'node:fs';
import { WebSocket } from 'ws';
import { percentile } from './support/stats';

type Options = { url: string; token: string; streams: number; seconds: number; format: string; intervalMs: number; file: string; frameBytes: number; giveUpAfterMs?: number };
const options = JSON.parse(process.argv[2]!) as Options;
const audio = fs.readFileSync(options.file);

const latencies: number[] = [];
let errors = 0;
let unacked = 0;
let failedStreams = 0;
let finishedStreams = 0;
/** Every running stream's frames awaiting their ack, and how to end the stream early. */
const running = new Set<{ sentAt: Map<number, number>; finish(): void }>();
let gaveUp = false;

function runStream(index: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${options.url.replace(/^http/, 'ws')}/ws/record`);
    const sentAt = new Map<number, number>();
    const frames = Math.floor((options.seconds * 1000) / options.intervalMs);
    let seq = 0;
    let timer: NodeJS.Timeout | null = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      finishedStreams++;
      if (timer) clearInterval(timer);
      running.delete(entry);
      unacked += sentAt.size;
      ws.terminate();
      resolve();
    };
    const entry = { sentAt, finish: () => finish() };
    running.add(entry);
    ws.on('open', () => ws.send(JSON.stringify({ token: options.token })));
    ws.on('error', () => {
      failedStreams++;
      finish();
    });
    ws.on('close', () => finish());
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { status: string; seq?: number };
      if (message.status === 'authenticated') ws.send(JSON.stringify({ name: `bench ${index}`, format: options.format }));
      else if (message.status === 'recording_started') {
        setTimeout(() => {
          timer = setInterval(() => {
            if (seq >= frames) {
              clearInterval(timer!);
              timer = null;
              return;
            }
            const start = (seq * options.frameBytes) % Math.max(1, audio.length - options.frameBytes);
            const frame = Buffer.allocUnsafe(4 + options.frameBytes);
            frame.writeUInt32BE(seq, 0);
            audio.copy(frame, 4, start, start + options.frameBytes);
            sentAt.set(seq, performance.now());
            ws.send(frame);
            seq++;
          }, options.intervalMs);
        }, (index * options.intervalMs) / options.streams);
      } else if (message.status === 'ack') {
        const sent = sentAt.get(message.seq!);
        if (sent !== undefined) {
          latencies.push(performance.now() - sent);
          sentAt.delete(message.seq!);
        }
        if (seq >= frames && sentAt.size === 0) ws.send(JSON.stringify({ type: 'stop' }));
      } else if (message.status === 'recording_finished') finish();
      else if (message.status === 'error') errors++;
    });
  });
}

// An ack already giveUpAfterMs late decides the round (the bound is 1 s): stop every stream then
// instead of waiting out the round and its stragglers.
const watchdog = options.giveUpAfterMs
  ? setInterval(() => {
      const late = performance.now() - options.giveUpAfterMs!;
      for (const stream of running) {
        for (const sent of stream.sentAt.values()) {
          if (sent < late) {
            gaveUp = true;
            for (const s of [...running]) s.finish();
            return;
          }
        }
      }
    }, 250)
  : null;
const started = performance.now();
// Connect in waves so the handshake burst itself is not what is measured.
const streams: Promise<void>[] = [];
for (let i = 0; i < options.streams && !gaveUp; i++) {
  streams.push(runStream(i));
  if (i % 50 === 49) await new Promise((r) => setTimeout(r, 100));
}
// Acks still missing 10 s after the last frame: far past the 1-s bound, the count did not hold.
const deadline = new Promise<void>((r) => setTimeout(r, (options.seconds + 10) * 1000).unref());
await Promise.race([Promise.all(streams), deadline]);
if (watchdog) clearInterval(watchdog);
// A stream still running at the deadline (never started, or its last acks never came) did not hold.
failedStreams += options.streams - finishedStreams;
const pick = (q: number) => percentile(latencies, q);
process.stdout.write(
  `${JSON.stringify({ gaveUp, acks: latencies.length, p50: pick(0.5), p99: pick(0.99), max: latencies.length ? Math.max(...latencies) : NaN, errors, unacked, failedStreams, ms: performance.now() - started, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 })}\n`,
);
process.exit(0);
