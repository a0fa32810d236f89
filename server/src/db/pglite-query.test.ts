import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSingleTripQuery } from './pglite-query';

// The same statements through PGlite's own query() and through the single-trip one must give the
// same rows, the same errors (with their SQLSTATE) and leave the session usable.
describe('single-trip PGlite queries', () => {
  let stock: PGlite;
  let fast: PGlite;

  beforeAll(async () => {
    // One initdb (seconds of WebAssembly); the second instance starts from a snapshot of the first.
    stock = await PGlite.create('memory://');
    fast = await PGlite.create('memory://', { loadDataDir: await stock.dumpDataDir('none') });
    installSingleTripQuery(fast);
    for (const db of [stock, fast]) {
      await db.exec(`create table t (id int primary key, name text not null, at timestamptz, ok boolean, data bytea, n bigint, doc jsonb, tags text[])`);
    }
  }, 120_000); // PGlite starts (initdb in WebAssembly)
  afterAll(async () => {
    await Promise.all([stock?.close(), fast?.close()]);
  });

  const both = async <T>(run: (db: PGlite) => Promise<T>) => [await run(stock), await run(fast)] as const;

  it('binds strings, numbers, bigints, booleans, dates, bytes and null as PGlite does, and reads them back the same', async () => {
    const params = [1, 'Ann "A"\n', new Date('2026-01-02T03:04:05.678Z'), true, new Uint8Array([0, 1, 254, 255]), 2n ** 60n, null];
    const insert = `insert into t (id, name, at, ok, data, n, doc) values ($1, $2, $3, $4, $5, $6, $7) returning *`;
    const [a, b] = await both((db) => db.query(insert, params));
    expect(b.rows).toEqual(a.rows);
    expect(b.fields).toEqual(a.fields);
    expect(b.affectedRows).toBe(a.affectedRows);
    const [c, d] = await both((db) => db.query(`select * from t where id = $1 and ok = $2`, [1, true]));
    expect(d.rows).toEqual(c.rows);
    expect(d.rows).toHaveLength(1);
  });

  it('leaves arrays and objects to PGlite, which knows the described type', async () => {
    const [a, b] = await both((db) => db.query(`insert into t (id, name, tags, doc) values ($1, $2, $3, $4) returning tags, doc`, [2, 'x', ['a', 'b,c'], { k: [1, 2] }]));
    expect(b.rows).toEqual(a.rows);
    expect(b.rows[0]).toEqual({ tags: ['a', 'b,c'], doc: { k: [1, 2] } });
  });

  it('throws the database error with its code, and the same statement works again afterwards', async () => {
    const insert = `insert into t (id, name) values ($1, $2)`;
    await fast.query(insert, [10, 'first']);
    await expect(fast.query(insert, [10, 'again'])).rejects.toMatchObject({ code: '23505' });
    await expect(fast.query(insert, [11, 'nul \u0000'])).rejects.toMatchObject({ code: '22021' });
    await expect(fast.query(`select * from nowhere where id = $1`, [1])).rejects.toMatchObject({ code: '42P01' });
    await fast.query(insert, [11, 'second']);
    expect((await fast.query<{ n: number }>(`select count(*)::int as n from t where id in (10, 11)`)).rows[0]!.n).toBe(2);
    expect(fast.isInTransaction()).toBe(false);
  });

  it('keeps working past its prepared-statement cap with many distinct statements', async () => {
    for (let i = 0; i < 520; i++) {
      const { rows } = await fast.query<{ v: number }>(`select $1::int + ${i} as v`, [1]);
      expect(rows[0]!.v).toBe(1 + i);
    }
    const { rows } = await fast.query<{ n: number }>(`select count(*)::int as n from pg_prepared_statements`);
    expect(rows[0]!.n).toBeLessThanOrEqual(501);
  });

  it('waits for a transaction to finish instead of running inside it', async () => {
    const order: string[] = [];
    const tx = fast.transaction(async (t) => {
      await t.query(`insert into t (id, name) values (20, 'in tx')`);
      await new Promise((r) => setTimeout(r, 50));
      order.push('tx done');
    });
    const outside = fast.query(`select count(*)::int as n from t where id = 20`).then((r) => order.push(`outside saw ${(r.rows[0] as { n: number }).n}`));
    await Promise.all([tx, outside]);
    expect(order).toEqual(['tx done', 'outside saw 1']);
  });
});
