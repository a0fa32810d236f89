// A TCP proxy in front of a server that a test can cut: drop() destroys every connection through
// it and refuses new ones for a while, as a network outage would, without touching the server.
import net from 'node:net';

export type DropProxy = {
  url: string;
  port: number;
  /** How many times drop() cut connections. */
  drops: number;
  drop(options?: { blockMs?: number }): Promise<void>;
  close(): Promise<void>;
};

export async function startDropProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<DropProxy> {
  const sockets = new Set<net.Socket>();
  let blockedUntil = 0;
  const server = net.createServer((client) => {
    if (Date.now() < blockedUntil) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const forget = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const proxy: DropProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    drops: 0,
    async drop({ blockMs = 0 } = {}) {
      blockedUntil = Date.now() + blockMs;
      proxy.drops++;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/** A TCP port that was free a moment ago (for servers whose URL must be known before they start). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
