// The embedded database's start, phase by phase, in a process of its own (argv[2]: data folder,
// argv[3]: the template to seed it from, or '' for a restart): PGlite's module load, compiling its
// WASM, seeding the folder from the template, PGlite.create (instantiate, file-system bundle,
// postgres start), the migrations (a no-op check once applied) and the first query. The same steps
// and settings as server/src/db/client.ts, timed apart. Prints one JSON line of milliseconds.
import fs from 'node:fs';
import { drizzle } from 'drizzle-orm/pglite';
import { PGLITE_SETTINGS, type DatabaseHandle, useBaselineWasmCompiler } from '../../server/src/db/client';
import { migrateDatabase } from '../../server/src/db/migrate';
import { seedFromTemplate } from '../../server/src/db/pglite-template';

const [dir, template] = process.argv.slice(2) as [string, string];
const ms: Record<string, number> = {};
let t = performance.now();
const lap = (name: string) => {
  const now = performance.now();
  ms[name] = Math.round(now - t);
  t = now;
};

useBaselineWasmCompiler();
const { PGlite } = await import('@electric-sql/pglite');
lap('module');
const wasm = new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite'));
const module = await WebAssembly.compile(fs.readFileSync(wasm));
lap('wasmCompile');
if (template) await seedFromTemplate(template, dir);
lap('seed');
const pglite = await PGlite.create(dir, { pgliteWasmModule: module, startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] });
lap('init');
const handle = { db: drizzle(pglite), kind: 'pglite', pglite } as unknown as DatabaseHandle;
await migrateDatabase(handle);
lap('migrations');
await pglite.query('select 1 from sessions limit 1');
lap('firstQuery');
await pglite.close();
process.stdout.write(`${JSON.stringify(ms)}\n`);
