// Builds the production server: server/dist/main.mjs (and its encoder and hash threads), one ES module each,
// packages left to node_modules. The sources run through tsx in development and tests; in
// production that loader costs start-up time and, because it keeps every function's name with a
// defineProperty call per closure, a few percent of each request's CPU (bench/http.bench.ts).
// The output is self-contained but for node_modules: migrations and the password list are copied in, and
// pglite-template/ is a migrated PGlite data folder that a fresh DATA_DIR starts from (server/src/db/
// pglite-template.ts): PGlite's initdb takes seconds, the copy a fraction of one. It is kept from the
// previous build while the migrations and the PGlite version are the same (pglite-template.json says which).
// Usage: node server/scripts/build.mjs [--outdir DIR]   (DIR inside server/, default server/dist;
// also run by `pnpm start` and `pnpm bench`)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';

const server = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const dist = path.resolve(values.outdir ?? path.join(server, 'dist'));
// Packages are imported from server/node_modules: the output must sit where node finds them.
if (path.relative(server, dist).startsWith('..')) throw new Error(`--outdir must be inside ${server}`);

const templateKey = pgliteTemplateKey();
const keptTemplate = keepTemplate(templateKey);
fs.rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: {
    main: path.join(server, 'src/main.ts'),
    'encoder-worker': path.join(server, 'src/recordings/live/encoder-worker.ts'),
    'pglite-template': path.join(server, 'src/db/pglite-template.ts'),
  },
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
const templateDir = path.join(dist, 'pglite-template');
if (keptTemplate) {
  fs.renameSync(keptTemplate, templateDir);
} else {
  // The bundled module, so the template is made by the very code (and migrations copy) that will start from it.
  const { buildPGliteTemplate } = await import(path.join(dist, 'pglite-template.mjs'));
  await buildPGliteTemplate(templateDir);
}
fs.writeFileSync(path.join(dist, 'pglite-template.json'), `${JSON.stringify({ key: templateKey })}\n`);
process.stdout.write(`built ${path.relative(process.cwd(), dist)}/main.mjs\n`);

/** Changes whenever the template would: the migrations, or the PGlite that wrote the data folder. */
function pgliteTemplateKey() {
  const hash = createHash('sha256');
  // Where the built server will import it from (its package.json is not in the package's exports).
  hash.update(fs.readFileSync(path.join(server, 'node_modules/@electric-sql/pglite/package.json')));
  const drizzle = path.join(server, '../drizzle');
  for (const file of [...fs.readdirSync(drizzle).filter((name) => name.endsWith('.sql')).sort(), 'meta/_journal.json']) {
    hash.update(file).update(fs.readFileSync(path.join(drizzle, file)));
  }
  return hash.digest('hex');
}

/** Moves the previous build's template out of the way of rmSync when it is still current; returns where. */
function keepTemplate(key) {
  const previous = path.join(dist, 'pglite-template');
  try {
    if (JSON.parse(fs.readFileSync(path.join(dist, 'pglite-template.json'), 'utf8')).key !== key) return null;
    if (!fs.existsSync(path.join(previous, 'PG_VERSION'))) return null;
  } catch {
    return null;
  }
  const aside = path.join(server, `.pglite-template-${process.pid}`);
  fs.renameSync(previous, aside);
  return aside;
}
