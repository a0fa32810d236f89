// PGlite queries through PGlite's own query() (six calls per query) ÷ Parley's single-trip query
// with reused prepared statements (server/src/db/pglite-query.ts): CPU per query, two in-memory
// databases in this process, rounds alternating between them, medians. The statements are the
// shapes Parley runs most: a trivial select, a membership lookup, the room-message insert.
// Run: node --import tsx bench/run.ts pglite
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { useBaselineWasmCompiler } from '../server/src/db/client';
import { installSingleTripQuery } from '../server/src/db/pglite-query';
import { median } from './support/stats';
import type { BenchRow } from './types';

const ROUNDS = 6;
const PER_ROUND = 100;

async function open(singleTrip: boolean) {
  useBaselineWasmCompiler(); // as the server runs PGlite
  const pg = await PGlite.create('memory://');
  if (singleTrip) installSingleTripQuery(pg);
  await pg.exec(`
    create table rooms (id text primary key, last bigint not null default 0);
    create table members (room_id text references rooms(id), user_id text, primary key (room_id, user_id));
    create table messages (room_id text references rooms(id), id bigint, sender text, body text, created_at timestamptz default now(), primary key (room_id, id));
    insert into rooms (id) values ('r'); insert into members values ('r', 'u');`);
  return { pg, db: drizzle(pg) };
}

type Db = Awaited<ReturnType<typeof open>>;
const queries: [string, (x: Db) => Promise<unknown>][] = [
  ['select 1', (x) => x.pg.query('select 1')],
  ['membership lookup (2 parameters)', (x) => x.pg.query('select 1 from members where room_id = $1 and user_id = $2', ['r', 'u'])],
  [
    'room message insert (drizzle, as rooms.send)',
    (x) =>
      x.db.execute(sql`with next as (update rooms set last = last + 1 where id = ${'r'} and exists (select 1 from members where room_id = ${'r'} and user_id = ${'u'}) returning last)
        insert into messages (room_id, id, sender, body) select ${'r'}, next.last, ${'u'}, ${'hello'} from next returning room_id, id, created_at`),
  ],
];


export async function run(): Promise<BenchRow[]> {
  const stock = await open(false);
  const fast = await open(true);
  const rows: BenchRow[] = [];
  try {
    for (const [name, query] of queries) {
      const samples = { stock: [] as number[], fast: [] as number[] };
      for (const db of [stock, fast]) for (let i = 0; i < PER_ROUND; i++) await query(db); // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        for (const [db, out] of [[stock, samples.stock], [fast, samples.fast]] as const) {
          const before = process.cpuUsage();
          for (let i = 0; i < PER_ROUND; i++) await query(db);
          const used = process.cpuUsage(before);
          out.push((used.user + used.system) / PER_ROUND);
        }
      }
      const s = median(samples.stock);
      const f = median(samples.fast);
      rows.push({
        measure: `PGlite CPU per query, ${name}: PGlite's query() ÷ single trip + prepared`,
        parley: `${f.toFixed(0)} µs`,
        baseline: `${s.toFixed(0)} µs`,
        ratio: Math.round((s / f) * 100) / 100,
        target: '> 1',
        met: s > f,
      });
    }
  } finally {
    await Promise.all([stock.pg.close(), fast.pg.close()]);
  }
  return rows;
}
