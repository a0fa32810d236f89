// Global setup of the 'pglite' project: one migrated PGlite data folder for the whole run, which every
// test database starts as a copy of (test/helpers/server.ts), instead of paying PGlite's initdb (seconds)
// and the migrations on each of them. The servers still run the migrations on the copy, as they would
// on any existing DATA_DIR.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildPGliteTemplate } from '../../server/src/db/pglite-template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string | null;
  }
}

export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-pglite-template-'));
  const template = path.join(dir, 'db');
  await buildPGliteTemplate(template);
  project.provide('pgliteTemplate', template);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
