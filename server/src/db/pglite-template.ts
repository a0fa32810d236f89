// A migrated PGlite data folder, made once (by the build, and by the test setup) and copied to seed a
// fresh one: PGlite's initdb costs seconds on every new DATA_DIR, a copy of the folder a tenth of one.
// The copy is only a head start: openDatabase still runs the migrations after it, so a template older
// than the migrations ends up fully migrated by the usual code path.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundled } from '../bundled';

/** Where server/scripts/build.mjs puts the template: beside main.mjs (none when running from the sources). */
export const bundledTemplateDir: string | undefined = bundled ? fileURLToPath(new URL('./pglite-template', import.meta.url)) : undefined;

/** Makes a migrated PGlite data folder at dir (replacing whatever is there). */
export async function buildPGliteTemplate(dir: string, options: { migrationsFolder?: string } = {}): Promise<void> {
  const { openDatabase } = await import('./client');
  const { migrateDatabase } = await import('./migrate');
  await fs.rm(dir, { recursive: true, force: true });
  const handle = await openDatabase({ pgliteDir: dir, migrate: false, template: null });
  try {
    await migrateDatabase(handle, undefined, options);
    // A clean shutdown checkpoints, so the copies start without WAL to replay.
  } finally {
    await handle.close();
  }
}

/**
 * Copies the template to dataDir when dataDir does not exist yet or is empty, and says whether it did.
 * The copy goes to a sibling first and is renamed into place, so a crash mid-copy never leaves a
 * half-made data folder that would be taken for a database.
 */
export async function seedFromTemplate(templateDir: string | undefined, dataDir: string): Promise<boolean> {
  if (!templateDir || !(await isDataFolder(templateDir))) return false;
  if ((await fs.readdir(dataDir).catch(() => [])).length > 0) return false;
  const staging = `${dataDir}.seeding-${process.pid}-${Date.now().toString(36)}`;
  try {
    await fs.cp(templateDir, staging, { recursive: true });
    await fs.rm(dataDir, { recursive: true, force: true }); // an empty folder, checked above
    await fs.rename(staging, dataDir);
    return true;
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
    // Another process seeded (or created) the folder meanwhile: theirs stands.
    if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function isDataFolder(dir: string): Promise<boolean> {
  return fs.stat(path.join(dir, 'PG_VERSION')).then(
    (stat) => stat.isFile(),
    () => false,
  );
}
