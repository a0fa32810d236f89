// Builds the React example with `vite build` (skipped when dist/ was built from the same sources)
// and serves dist/ over plain HTTP. The Parley server must allow the printed origin (ALLOWED_ORIGINS).
//   node --import tsx examples/react/serve.ts     (PARLEY_URL=http://localhost:3000 WEB_PORT=5173)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const HASH_FILE = path.join(dist, '.source-hash');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** What the bundle is made of: the app's sources and config, and the SDK build it imports. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const sdkDist = path.join(here, '../../sdk/dist');
  const inputs = [...filesUnder(path.join(here, 'src')), 'index.html', 'vite.config.ts', 'package.json'].map((f) => path.resolve(here, f));
  if (fs.existsSync(sdkDist)) inputs.push(...filesUnder(sdkDist).filter((f) => f.endsWith('.js')));
  for (const file of inputs.sort()) hash.update(path.relative(here, file)).update('\0').update(fs.readFileSync(file));
  return hash.digest('hex');
}

/** `vite build` unless dist/ already holds a build of exactly these sources; resolves to dist/. */
export async function buildReactExample(): Promise<string> {
  const hash = sourceHash();
  if (fs.existsSync(HASH_FILE) && fs.readFileSync(HASH_FILE, 'utf8') === hash) return dist;
  const vite = path.join(here, 'node_modules/vite/bin/vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: here, maxBuffer: 16 * 1024 * 1024 });
  fs.writeFileSync(HASH_FILE, hash);
  return dist;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.svg': 'image/svg+xml' };

export type ReactExample = { url: string; stop(): Promise<void> };

/** Serves dist/ (index.html for any path without a file). `url` names the host as `localhost`, where passkeys work. */
export async function serveReactExample(options: { port?: number; host?: string } = {}): Promise<ReactExample> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.join(dist, path.normalize(pathname).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(dist, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 5173, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildReactExample();
  const web = await serveReactExample({ port: Number(process.env.WEB_PORT ?? 5173) });
  const parleyUrl = process.env.PARLEY_URL ?? 'http://localhost:3000';
  console.log(`Parley React example on ${web.url}/?server=${parleyUrl} (start the server with ALLOWED_ORIGINS=${web.url})`);
}
