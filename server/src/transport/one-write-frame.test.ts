// sendText writes the frame ws would write, byte for byte, and never overtakes what ws has queued.
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { sendText } from './one-write-frame';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serverSocket(options: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<{ url: string; next: Promise<WebSocket> }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(server);
  await once(server, 'listening');
  const next = once(server, 'connection').then(([socket]) => socket as WebSocket);
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, next };
}

/** The raw bytes the server writes after the 101 response, read from a plain TCP client. */
async function rawBytesOf(send: (socket: WebSocket) => void): Promise<Buffer> {
  const { url, next } = await serverSocket({ perMessageDeflate: false });
  const { port } = new URL(url);
  const tcp = net.connect(Number(port), '127.0.0.1');
  await once(tcp, 'connect');
  tcp.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const socket = await next;
  let all = Buffer.alloc(0);
  // Everything up to the server's close frame (0x88, empty payload), which close() writes last.
  const closed = new Promise<void>((resolve) =>
    tcp.on('data', (chunk: Buffer) => {
      all = Buffer.concat([all, chunk]);
      if (all.length >= 2 && all[all.length - 2] === 0x88 && all[all.length - 1] === 0x00) resolve();
    }),
  );
  send(socket);
  socket.close();
  await closed;
  tcp.destroy();
  return all.subarray(all.indexOf('\r\n\r\n') + 4);
}

const texts = ['', 'x', 'é'.repeat(62) + 'x', 'a'.repeat(125), 'a'.repeat(126), 'ü€😀'.repeat(1000), 'b'.repeat(65_535), 'c'.repeat(65_536), 'd'.repeat(200_000)];

describe('sendText', () => {
  it('writes the same bytes as ws.send for every length class (7-bit, 16-bit, and the 64-bit fallback)', async () => {
    const ours = await rawBytesOf((socket) => texts.forEach((text) => sendText(socket, text)));
    const theirs = await rawBytesOf((socket) => texts.forEach((text) => socket.send(text)));
    expect(ours.length).toBeGreaterThan(texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0));
    expect(ours.equals(theirs)).toBe(true);
  });

  it('keeps order behind a message ws still compresses (falls back to ws.send)', async () => {
    const { url, next } = await serverSocket({ perMessageDeflate: { threshold: 0 } });
    const client = new WebSocket(url, { perMessageDeflate: true });
    const socket = await next;
    await once(client, 'open');
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (data) => {
        received.push(String(data));
        if (received.length === 40) resolve();
      }),
    );
    for (let i = 0; i < 40; i++) {
      if (i % 2) sendText(socket, `short ${i}`);
      else socket.send(`${'long '.repeat(2_000)}${i}`);
    }
    await all;
    expect(received.map((text) => Number(text.split(' ').at(-1)))).toEqual([...Array(40).keys()]);
    client.close();
  });
});
