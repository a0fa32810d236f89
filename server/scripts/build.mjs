// Builds the production server: server/dist/main.mjs (and its encoder and hash threads), one ES module each,
// packages left to node_modules. The sources run through tsx in development and tests; in
// production that loader costs start-up time and, because it keeps every function's name with a
// defineProperty call per closure, a few percent of each request's CPU (bench/http.bench.ts).
// The output is self-contained but for node_modules: migrations and the password list are copied in.
// Usage: node server/scripts/build.mjs [--outdir DIR]   (DIR inside server/, default server/dist;
// also run by `pnpm start` and `pnpm bench`)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const server = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const dist = path.resolve(values.outdir ?? path.join(server, 'dist'));
// Packages are imported from server/node_modules: the output must sit where node finds them.
if (path.relative(server, dist).startsWith('..')) throw new Error(`--outdir must be inside ${server}`);

fs.rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: { main: path.join(server, 'src/main.ts'), 'encoder-worker': path.join(server, 'src/recordings/live/encoder-worker.ts') },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  define: { PARLEY_BUNDLED: 'true' },
  logLevel: 'warning',
});
// Read at start-up beside the module that reads them (new URL('./…', import.meta.url)).
fs.copyFileSync(path.join(server, 'src/auth/common-passwords.txt'), path.join(dist, 'common-passwords.txt'));
fs.copyFileSync(path.join(server, 'src/auth/hash-worker.mjs'), path.join(dist, 'hash-worker.mjs')); // plain JS, as it is
fs.cpSync(path.join(server, '../drizzle'), path.join(dist, 'drizzle'), { recursive: true, filter: (from) => !from.endsWith('.ts') });
process.stdout.write(`built ${path.relative(process.cwd(), dist)}/main.mjs\n`);
