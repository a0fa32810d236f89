// Load generators for bench/ingest.bench.ts, each run in a process of its own (argv[2]: JSON options).
// role 'subscribers': one WebSocket per (room, subscriber) following rooms.events, counting message
//   deliveries; IPC { cmd: 'count' } → { type: 'count', deliveries }.
// role 'http': autocannon (keep-alive connections) POSTing rooms.send, each request into the next
//   room round-robin; prints one JSON line { sent, seconds, p99, errors }.
// role 'ws': tRPC WebSocket connections (the protocol wsLink speaks) each keeping `window` rooms.send
//   mutations in flight; prints the same JSON line.
// A send counts once the server answered it, which it does only after the message is stored.
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';
import { WebSocket } from 'ws';
import { percentile } from '../support/stats';

type Options = {
  role: 'subscribers' | 'http' | 'ws';
  url: string;
  tokens: string[];
  rooms: string[];
  subscribersPerRoom?: number;
  connections?: number;
  window?: number;
  /** role 'ws': sends per second per connection at most (the server closes a connection past 50 calls/s). */
  ratePerConnection?: number;
  seconds?: number;
};
const options = JSON.parse(process.argv[2]!) as Options;
const wsUrl = `${options.url.replace('http', 'ws')}/trpc?connectionParams=1`;
const token = (i: number) => options.tokens[i % options.tokens.length]!;
let counter = 0;
/** This process's CPU time so far (the bench reports what the load generators cost beside the server). */
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const body = () => JSON.stringify({ roomId: options.rooms[counter++ % options.rooms.length], body: `ingest ${counter}` });

function connect(index: number, onMessage: (msg: { id?: number; result?: { type?: string; data?: unknown }; error?: { message: string } }, ws: WebSocket) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    ws.on('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token: token(index) } }));
      resolve(ws);
    });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const text = String(data);
      if (text === 'PING') return ws.send('PONG');
      onMessage(JSON.parse(text), ws);
    });
  });
}

async function subscribers() {
  let deliveries = 0;
  const perRoom = options.subscribersPerRoom ?? 3;
  const started: Promise<void>[] = [];
  for (let r = 0; r < options.rooms.length; r++) {
    for (let s = 0; s < perRoom; s++) {
      started.push(
        new Promise<void>((resolve, reject) => {
          connect(s, (msg) => {
            if (msg.error) return reject(new Error(msg.error.message));
            if (msg.result?.type === 'started') return resolve();
            const event = (msg.result?.data as { data?: { type?: string } } | undefined)?.data;
            if (event?.type === 'message') deliveries++;
          }).then((ws) => ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'rooms.events', input: { roomId: options.rooms[r] } } })), reject);
        }),
      );
    }
  }
  await Promise.all(started);
  process.on('message', (msg: { cmd: string }) => {
    if (msg.cmd === 'count') process.send!({ type: 'count', deliveries, cpu: cpuSeconds() });
  });
  process.once('disconnect', () => process.exit(0));
  process.send!({ type: 'ready' });
}

async function http() {
  const cpu0 = cpuSeconds();
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? 32,
    duration: options.seconds ?? 5,
    requests: [
      {
        method: 'POST',
        path: '/trpc/rooms.send',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token(0)}` },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }),
      },
    ],
  });
  process.stdout.write(`${JSON.stringify({ sent: result['2xx'], seconds: result.duration, p99: result.latency.p99, errors: result.errors + result.non2xx, cpu: cpuSeconds() - cpu0 })}\n`);
}

async function overWebSocket() {
  const connections = options.connections ?? 8;
  const window = options.window ?? 8;
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let stopping = false;
  const began = new Map<string, number>();
  let nextId = 0;
  let finish!: () => void;
  let open = connections;
  const done = new Promise<void>((r) => (finish = r));
  const sockets: WebSocket[] = [];
  const fire = (ws: WebSocket, c: number) => {
    const id = ++nextId;
    began.set(`${c}:${id}`, performance.now());
    ws.send(JSON.stringify({ id, method: 'mutation', params: { path: 'rooms.send', input: JSON.parse(body()) } }));
  };
  // Each connection keeps under the server's per-connection call rate, as a real client must: a
  // send leaves no earlier than 1/ratePerConnection s after the previous one on its connection.
  const gapMs = 1000 / (options.ratePerConnection ?? Infinity);
  for (let c = 0; c < connections; c++) {
    let inFlight = 0;
    let nextAt = 0;
    const paced = (socket: WebSocket) => {
      const now = performance.now();
      const at = Math.max(now, nextAt);
      nextAt = at + gapMs;
      if (at <= now) return fire(socket, c);
      setTimeout(() => {
        if (!stopping) return fire(socket, c);
        inFlight--; // never sent
        if (inFlight === 0 && --open === 0) finish();
      }, at - now);
    };
    const ws = await connect(c, (msg, socket) => {
      if (msg.id === undefined) return;
      const key = `${c}:${msg.id}`;
      const t = began.get(key);
      began.delete(key);
      inFlight--;
      if (msg.error) errors++;
      else if (t !== undefined) {
        sent++;
        latencies.push(performance.now() - t);
      }
      if (!stopping) {
        inFlight++;
        paced(socket);
      } else if (inFlight === 0 && --open === 0) finish();
    });
    // A connection the server closes (a limit) stops sending: counted as errors, not silently slower.
    ws.on('close', () => {
      if (!stopping) errors += 1 + inFlight;
    });
    sockets.push(ws);
    // The window fills once every connection is open (below).
    (ws as WebSocket & { start?: () => void }).start = () => {
      for (let i = 0; i < window; i++) {
        inFlight++;
        paced(ws);
      }
    };
  }
  const t0 = performance.now();
  const cpu0 = cpuSeconds();
  for (const ws of sockets) (ws as WebSocket & { start: () => void }).start();
  await new Promise((r) => setTimeout(r, (options.seconds ?? 5) * 1000));
  stopping = true;
  const seconds = (performance.now() - t0) / 1000;
  const countedSent = sent;
  const cpu = cpuSeconds() - cpu0;
  await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
  process.stdout.write(`${JSON.stringify({ sent: countedSent, seconds, p99: percentile(latencies, 0.99), errors, cpu })}\n`);
  for (const ws of sockets) ws.close();
  process.exit(0);
}

const run = options.role === 'subscribers' ? subscribers : options.role === 'http' ? http : overWebSocket;
run().catch((error) => {
  process.stderr.write(`ingest load (${options.role}) failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
