// A load generator: opens N subscribed connections to one room and counts what they receive.
// IPC in: { cmd: 'latency', on } (record delivery latencies or not), { cmd: 'take' } → latencies,
// { cmd: 'count' } → deliveries so far. IPC out: 'ready', { type: 'ack', seq } once every local
// connection received message seq (the driver keeps a window of messages in flight with it).
import { WebSocket } from 'ws';

/** localAddress: the source address to connect from (127.0.0.x), to spread many sockets over several ephemeral-port ranges. */
type Options = { kind: 'ws' | 'socketio' | 'parley'; url: string; count: number; tokens?: string[]; roomId?: string; localAddress?: string };
const options = JSON.parse(process.argv[2]!) as Options;

const now = () => performance.timeOrigin + performance.now();
const received = new Map<number, number>();
let deliveries = 0;
let recordLatency = false;
let latencies: number[] = [];

function onPayload(payload: { s: number; t: number }) {
  deliveries++;
  if (recordLatency) latencies.push(now() - payload.t);
  const n = (received.get(payload.s) ?? 0) + 1;
  if (n === options.count) {
    received.delete(payload.s);
    process.send!({ type: 'ack', seq: payload.s });
  } else received.set(payload.s, n);
}

function openRawWs(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, { localAddress: options.localAddress });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('message', (data) => onPayload(JSON.parse(String(data))));
  });
}

async function openSocketIo(): Promise<unknown> {
  const { io } = await import('socket.io-client');
  return new Promise((resolve, reject) => {
    const socket = io(options.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket.on('connect', () => resolve(socket));
    socket.on('connect_error', reject);
    socket.on('m', onPayload);
  });
}

/** Speaks tRPC's WebSocket protocol as wsLink does: connectionParams first, then the subscription. */
function openParley(index: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${options.url.replace('http', 'ws')}/trpc?connectionParams=1`, { localAddress: options.localAddress });
    ws.on('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token: options.tokens![index % options.tokens!.length] } }));
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'rooms.events', input: { roomId: options.roomId } } }));
    });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const text = String(data);
      if (text === 'PING') return ws.send('PONG');
      const msg = JSON.parse(text);
      if (msg.error) return reject(new Error(msg.error.message));
      if (msg.result?.type === 'started') return resolve(ws);
      const event = msg.result?.data?.data;
      if (event?.type === 'message') onPayload(JSON.parse(event.body));
    });
  });
}

async function main() {
  const open = options.kind === 'ws' ? openRawWs : options.kind === 'socketio' ? openSocketIo : openParley;
  const BATCH = 50;
  for (let i = 0; i < options.count; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, options.count - i) }, (_, j) => open(i + j)));
  }
  process.on('message', (msg: { cmd: string; on?: boolean }) => {
    if (msg.cmd === 'latency') recordLatency = Boolean(msg.on);
    if (msg.cmd === 'take') {
      process.send!({ type: 'latencies', values: latencies });
      latencies = [];
    }
    if (msg.cmd === 'count') process.send!({ type: 'count', deliveries });
  });
  process.once('disconnect', () => process.exit(0));
  process.send!({ type: 'ready' });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
