// `pnpm bench [name...]`: runs bench/*.bench.ts (or those whose file name contains a given word)
// one after another and prints one markdown table of Parley against baselines measured in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './types';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
/** Cheap, fast benches first; the request path before everything that loads the machine for long. */
const ORDER = ['startup', 'memory', 'http', 'login', 'ingest', 'rooms', 'connections', 'scaleout', 'audio', 'recordings'];

function discover(filters: string[]): string[] {
  const files = fs.readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts'));
  const rank = (f: string) => {
    const i = ORDER.indexOf(f.replace(/\.bench\.ts$/, ''));
    return i < 0 ? ORDER.length : i;
  };
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return filters.length ? files.filter((f) => filters.some((w) => f.includes(w))) : files;
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function formatTable(rows: BenchRow[]): string {
  const lines = ['| measure | Parley | baseline | ratio | target | met |', '|---|---|---|---|---|---|'];
  const notes: string[] = [];
  for (const row of rows) {
    let measure = cell(row.measure);
    if (row.note) {
      notes.push(row.note);
      measure += ` [${notes.length}]`;
    }
    const ratio = row.ratio === null || !Number.isFinite(row.ratio) ? '—' : row.ratio.toFixed(2);
    const met = metCell(row);
    lines.push(`| ${measure} | ${cell(row.parley)} | ${cell(row.baseline)} | ${ratio} | ${cell(row.target)} | ${met} |`);
  }
  if (notes.length) lines.push('', ...notes.map((n, i) => `[${i + 1}] ${n}`));
  return lines.join('\n');
}

/** yes / **no** against the row's target; a row without one says why (info, skipped, failed). */
export function metCell(row: BenchRow): string {
  if (row.met !== null) return row.met ? 'yes' : '**no**';
  if (row.parley === 'failed') return '**failed**';
  if (row.parley === 'skipped') return 'skipped';
  return 'info';
}

/** The wall time of each bench file and of the whole run, the figure `pnpm bench` must keep under ten minutes. */
export function formatTimes(times: [string, number][], totalSeconds: number): string {
  const lines = ['| bench | wall time |', '|---|---|'];
  for (const [file, seconds] of times) lines.push(`| ${file.replace(/\.bench\.ts$/, '')} | ${seconds.toFixed(0)} s |`);
  lines.push(`| **whole run** (build and every server start included) | **${totalSeconds.toFixed(0)} s** (target ≤ 600 s: ${totalSeconds <= 600 ? 'met' : '**not met**'}) |`);
  return lines.join('\n');
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.availableParallelism()} cores (nproc), ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

async function main() {
  const files = discover(process.argv.slice(2));
  if (!files.length) throw new Error('no bench/*.bench.ts matches');
  const started = Date.now();
  const loadBefore = os.loadavg()[0]!;
  const rows: BenchRow[] = [];
  const times: [string, number][] = [];
  for (const file of files) {
    const t0 = Date.now();
    process.stderr.write(`bench: ${file} ...\n`);
    try {
      const mod = (await import(pathToFileURL(path.join(benchDir, file)).href)) as { run?: () => Promise<BenchRow[]> };
      if (typeof mod.run !== 'function') throw new Error('exports no run()');
      rows.push(...(await mod.run()));
    } catch (error) {
      rows.push({ measure: file, parley: 'failed', baseline: '—', ratio: null, target: '—', met: null, note: `${file} failed: ${(error as Error).message}` });
    }
    const took = (Date.now() - t0) / 1000;
    times.push([file, took]);
    process.stderr.write(`bench: ${file} took ${took.toFixed(0)} s (load average ${os.loadavg()[0]!.toFixed(1)})\n`);
  }
  const total = (Date.now() - started) / 1000;
  const seconds = total.toFixed(0);
  process.stdout.write(`Machine: ${machine()}\nCommand: pnpm bench ${process.argv.slice(2).join(' ')}`.trimEnd() + `\nDate: ${new Date().toISOString()}, whole run ${seconds} s, load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} (a busy machine shrinks every ratio)\n\n`);
  process.stdout.write(`${formatTable(rows)}\n\n${formatTimes(times, total)}\n`);
  // Child processes (servers, load generators) are ended by each bench; don't wait on stray handles.
  process.exit(0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
    process.exit(1);
  });
}
