// A fan-out server under test, in its own process so its CPU time and RSS are its own.
// argv[2]: 'ws' (raw ws broadcast) or 'socketio' (one Socket.IO room); Parley's is rooms/parley-server.mjs.
// IPC: { cmd: 'usage' } → { cpuMicros, rss, heap } (after a GC); the first message is { url, ... }.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const kind = process.argv[2];

function usage() {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { cpuMicros: cpu.user + cpu.system, rss: mem.rss, heap: mem.heapUsed };
}

async function startRawWs(): Promise<Record<string, unknown>> {
  const { WebSocketServer } = await import('ws');
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => {
    // A publisher's message goes to every other connection: serialized once, sent to each.
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? data : data.toString();
      for (const client of wss.clients) if (client !== socket && client.readyState === 1) client.send(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function startSocketIo(): Promise<Record<string, unknown>> {
  const { Server } = await import('socket.io');
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'], serveClient: false });
  io.on('connection', (socket) => {
    socket.join('room');
    socket.on('pub', (payload) => socket.to('room').emit('m', payload));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const start = kind === 'ws' ? startRawWs : startSocketIo;
start().then(
  (info) => {
    process.on('message', (msg: { cmd: string }) => {
      if (msg.cmd === 'usage') process.send!({ type: 'usage', ...usage() });
    });
    process.once('disconnect', () => process.exit(0));
    process.send!({ type: 'ready', ...info });
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
