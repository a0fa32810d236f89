// The migrated PGlite template (server/src/db/pglite-template.ts) that the build ships and the test
// setup makes: a fresh data folder starts as its copy, and the migrations still run after the copy.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { openDatabase } from '../server/src/db/client';
import { migrationsFolder } from '../server/src/db/migrate';
import { buildPGliteTemplate, seedFromTemplate } from '../server/src/db/pglite-template';
import { createTestDatabase, describeOnce, tempDir } from './helpers/server';

type Journal = { entries: { tag: string; when: number }[] };
const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as Journal;

/** The 8-byte system identifier initdb gave a data folder: a copy keeps it, a new initdb makes another. */
const systemIdentifier = (dataDir: string) => fs.readFileSync(path.join(dataDir, 'global/pg_control')).subarray(0, 8).toString('hex');

describeOnce('the PGlite template', () => {
  const scratch = tempDir('parley-template-test-');
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('brings a template older than the migrations fully up to date, by the usual migration run', async () => {
    // The template of a release that had only the first migration.
    const oldMigrations = path.join(scratch, 'old-migrations');
    fs.cpSync(migrationsFolder, oldMigrations, { recursive: true });
    fs.writeFileSync(path.join(oldMigrations, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }));
    const oldTemplate = path.join(scratch, 'old-template');
    await buildPGliteTemplate(oldTemplate, { migrationsFolder: oldMigrations });

    const dataDir = path.join(scratch, 'upgraded', 'db');
    const handle = await openDatabase({ pgliteDir: dataDir, template: oldTemplate });
    try {
      const applied = await handle.pglite!.query<{ created_at: string }>('select created_at from drizzle.__drizzle_migrations order by created_at');
      // Every migration of the journal, once (compared as sets: drizzle stores each one's `when`).
      const sorted = (values: number[]) => [...values].sort((x, y) => x - y);
      expect(sorted(applied.rows.map((row) => Number(row.created_at)))).toEqual(sorted(journal.entries.map((entry) => entry.when)));
    } finally {
      await handle.close();
    }
    expect(systemIdentifier(dataDir)).toBe(systemIdentifier(oldTemplate));
  });

  it("makes each new test database a copy of the run's template, and an empty one on request", async () => {
    const template = inject('pgliteTemplate')!;
    const seeded = await createTestDatabase();
    const empty = await createTestDatabase({ empty: true });
    try {
      expect(systemIdentifier(path.join(seeded.dataDir, 'db'))).toBe(systemIdentifier(template));
      expect(fs.readdirSync(empty.dataDir)).toEqual([]);
    } finally {
      await seeded.drop();
      await empty.drop();
    }
  });

  it('leaves an existing data folder alone', async () => {
    const template = inject('pgliteTemplate')!;
    const dataDir = path.join(scratch, 'existing');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'PG_VERSION'), '17\n');
    expect(await seedFromTemplate(template, dataDir)).toBe(false);
    expect(fs.readdirSync(dataDir)).toEqual(['PG_VERSION']);
    // And an empty or missing one is seeded, with no staging folder left beside it.
    const fresh = path.join(scratch, 'fresh', 'db');
    expect(await seedFromTemplate(template, fresh)).toBe(true);
    expect(systemIdentifier(fresh)).toBe(systemIdentifier(template));
    expect(fs.readdirSync(path.dirname(fresh))).toEqual(['db']);
  });
});
