// Transport limits against amplification (issue 21): calls per batch (HTTP and WebSocket, counted in
// calls), bytes buffered for a WebSocket client that does not read (1013), WebSocket connections per
// IP, and 431 for oversized headers.
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { closeClients, dbKind, describeDb, registerUser, startTestServer, type TestServer } from './helpers/server';
import { until } from './helpers/rooms';

const MB = 1024 * 1024;

/** A raw tRPC WebSocket, signed in through connectionParams, whose reading the test can stop. */
async function openTrpcSocket(url: string, token: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/trpc?connectionParams=1`);
  const replies: any[] = [];
  let closeCode: number | null = null;
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve((closeCode = code))));
  ws.on('message', (data) => {
    const text = String(data);
    if (text === 'PING') ws.send('PONG');
    else replies.push(JSON.parse(text));
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
  const raw = (ws as unknown as { _socket: net.Socket })._socket;
  return { ws, replies, closed, closeCode: () => closeCode, stopReading: () => raw.pause(), resumeReading: () => raw.resume() };
}

/** Samples this process's RSS (the server runs in it) until stopped; returns the growth over the start. */
function watchRss() {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak - start;
    },
  };
}

function cutOffs(server: TestServer, reason: string): Promise<number> {
  return server.deps.metrics.wsCutOff.get().then((m) => m.values.find((v) => v.labels.reason === reason)?.value ?? 0);
}

describeDb(`transport limits on ${dbKind}`, () => {
  let server: TestServer;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let roomId: string;
  const historyCall = (id: number) => ({ id, method: 'query', params: { path: 'rooms.history', input: { roomId, limit: 100 } } });

  beforeAll(async () => {
    server = await startTestServer({ env: { WS_MAX_CONNECTIONS_PER_IP: '8' } });
    owner = await registerUser(server.url);
    roomId = (await owner.client.rooms.create.mutate({ name: 'big history' })).id;
    // 100 messages of 4,000 characters: every history(limit 100) answer is ~400 KB.
    for (let i = 0; i < 100; i++) await owner.client.rooms.send.mutate({ roomId, body: `${i} ${'x'.repeat(3990)}` });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it('closes a non-reading client that sends a 256 KB message of history calls, without the server growing 64 MB', async () => {
    const socket = await openTrpcSocket(server.url, owner.token);
    socket.stopReading();
    const calls = [];
    let size = 2;
    for (let id = 1; size < 255 * 1024; id++) {
      const call = historyCall(id);
      size += JSON.stringify(call).length + 1;
      calls.push(call);
    }
    expect(calls.length).toBeGreaterThan(2000);
    const before = await cutOffs(server, 'calls');
    global.gc?.();
    const rss = watchRss();
    socket.ws.send(JSON.stringify(calls));
    let cutOff = before;
    for (let i = 0; i < 600 && cutOff === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      cutOff = await cutOffs(server, 'calls');
    }
    expect(cutOff).toBe(before + 1);
    socket.resumeReading();
    const code = await socket.closed;
    const growth = rss.stop();
    expect(code).toBe(1008);
    expect(growth).toBeLessThan(64 * MB);
    // No reply to any of the calls: each one counted against the limit before anything ran.
    expect(socket.replies.filter((r) => r.result)).toHaveLength(0);
  });

  it('stops reading from a client that does not read its replies, then closes it with 1013; the server grows less than 64 MB', async () => {
    const before = await cutOffs(server, 'not-reading');
    const socket = await openTrpcSocket(server.url, owner.token);
    socket.stopReading();
    global.gc?.();
    const rss = watchRss();
    // 150 calls (most of the burst of 200, in messages of 50): ~60 MB of answers if all were made at once.
    for (let m = 0; m < 3; m++) socket.ws.send(JSON.stringify(Array.from({ length: 50 }, (_, i) => historyCall(m * 50 + i + 1))));
    let cutOff = before;
    for (let i = 0; i < 600 && cutOff === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      cutOff = await cutOffs(server, 'not-reading');
    }
    expect(cutOff).toBe(before + 1);
    const growth = rss.stop();
    socket.resumeReading();
    expect(await socket.closed).toBe(1013);
    expect(growth).toBeLessThan(64 * MB);
    // What arrived are whole answers, far fewer than the 200 asked for.
    expect(socket.replies.length).toBeGreaterThan(0);
    expect(socket.replies.length).toBeLessThan(150);
  });

  it('lets a reading client make 150 calls at once (in 3 messages) and answers every one', async () => {
    const socket = await openTrpcSocket(server.url, owner.token);
    const call = (id: number) => ({ id, method: 'query', params: { path: 'rooms.list' } });
    for (let m = 0; m < 3; m++) socket.ws.send(JSON.stringify(Array.from({ length: 50 }, (_, i) => call(m * 50 + i + 1))));
    await until('150 answers', () => socket.replies.length >= 150);
    expect(socket.replies.every((r) => r.result?.type === 'data')).toBe(true);
    socket.ws.close();
  });

  it('refuses a WebSocket message of more than 50 calls, answering each call', async () => {
    const socket = await openTrpcSocket(server.url, owner.token);
    socket.ws.send(JSON.stringify(Array.from({ length: 51 }, (_, i) => ({ id: i + 1, method: 'query', params: { path: 'rooms.list' } }))));
    await until('51 answers', () => socket.replies.length >= 51);
    expect(socket.replies.every((r) => r.error?.data?.code === 'BAD_REQUEST' && r.error.message === 'Batch call exceeds maximum size')).toBe(true);
    socket.ws.close();
  });

  it('refuses an HTTP batch of more than 50 calls, and answers one of 50', async () => {
    const headers = { authorization: `Bearer ${owner.token}` };
    const paths = (n: number) => Array.from({ length: n }, () => 'rooms.list').join(',');
    const input = (n: number) => encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, null]))));
    const tooMany = await fetch(`${server.url}/trpc/${paths(51)}?batch=1&input=${input(51)}`, { headers });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(await tooMany.json())).toContain('Batch call exceeds maximum size');
    const fifty = await fetch(`${server.url}/trpc/${paths(50)}?batch=1&input=${input(50)}`, { headers });
    expect(fifty.status).toBe(200);
    expect(await fifty.json()).toHaveLength(50);
  });

  it('caps WebSocket connections per client IP (WS_MAX_CONNECTIONS_PER_IP) and frees a slot when one closes', async () => {
    const sockets: WebSocket[] = [];
    const open = () =>
      new Promise<{ ws: WebSocket; status: number }>((resolve) => {
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}/trpc`);
        ws.once('open', () => resolve({ ws, status: 101 }));
        ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode ?? 0 }));
        ws.on('error', () => {});
      });
    let refused: number | null = null;
    for (let i = 0; i < 9 && refused === null; i++) {
      const { ws, status } = await open();
      if (status === 101) sockets.push(ws);
      else refused = status;
    }
    expect(refused).toBe(429);
    expect(sockets.length).toBe(8);
    const first = sockets.shift()!;
    const gone = new Promise((r) => first.once('close', r));
    first.close();
    await gone;
    let again = await open();
    for (let i = 0; i < 100 && again.status !== 101; i++) {
      await new Promise((r) => setTimeout(r, 20)); // the server sees the close a moment after the client
      again = await open();
    }
    expect(again.status).toBe(101);
    for (const ws of [...sockets, again.ws]) ws.close();
  });

  it('answers oversized request headers with 431', async () => {
    const status = await new Promise<string>((resolve, reject) => {
      const client = net.connect(server.port, '127.0.0.1', () => {
        client.write(`GET /health HTTP/1.1\r\nhost: localhost\r\nx-big: ${'a'.repeat(32 * 1024)}\r\n\r\n`);
      });
      let data = '';
      client.on('data', (d) => (data += d));
      client.on('end', () => resolve(data.split('\r\n')[0]!));
      client.on('error', reject);
    });
    expect(status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });
});
