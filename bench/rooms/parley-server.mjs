// The Parley fan-out server under test: the production build (server/dist/main.mjs, built by the
// parent) in this process with its default configuration, as `pnpm start` runs it (access log
// included, written to this process's stdout, which the parent points at a file), plus the same
// IPC as rooms/server.ts: { cmd: 'usage' } → { cpuMicros, rss, heap } after a GC.
// Plain JavaScript, run without tsx: the loader would otherwise rewrite the bundle it imports.
// argv[2]: the bundle's path; argv[3]: the port; argv[4]: the data directory.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, port, dataDir] = process.argv.slice(2);
delete process.env.LOG_LEVEL;
Object.assign(process.env, {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: port,
  DATA_DIR: dataDir,
  PASSWORD_HASH_PROFILE: 'dev',
  // The bench sends as fast as the server takes it: the per-user send throttle is not what it measures.
  ROOM_SEND_LIMIT: '1000000',
  // Thousands of simulated clients share a few loopback addresses: the per-IP WebSocket cap (500 by
  // default, against one host opening sockets without end) would refuse them.
  WS_MAX_CONNECTIONS_PER_IP: '1000000',
});

function usage() {
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { cpuMicros: cpu.user + cpu.system, rss: mem.rss, heap: mem.heapUsed };
}

await import(pathToFileURL(entry).href);
const url = `http://127.0.0.1:${port}`;
for (;;) {
  try {
    if ((await fetch(`${url}/ready`)).status === 200) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 20));
}
process.on('message', (msg) => {
  if (msg.cmd === 'usage') process.send({ type: 'usage', ...usage() });
});
process.once('disconnect', () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
process.send({ type: 'ready', url });
