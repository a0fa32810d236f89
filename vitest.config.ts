import { defineConfig } from 'vitest/config';

// Three projects: unit tests beside the code; the integration suite in test/ on embedded
// PGlite; and the same suite again on a real PostgreSQL that test/setup/postgres.ts starts.
const integration = {
  include: ['test/**/*.test.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  teardownTimeout: 30_000,
};

export default defineConfig({
  test: {
    // vitest's default is one worker per core but one (1 on a 2-core machine), so every file waited for
    // the one before. The integration files mostly wait on servers, child processes, ffmpeg and timers,
    // not on the CPU: three files at a time keep both cores busy (override with --maxWorkers).
    maxWorkers: 3,
    projects: [
      {
        test: { name: 'unit', include: ['server/src/**/*.test.ts', 'sdk/src/**/*.test.ts', 'bench/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        test: { ...integration, name: 'pglite', env: { PARLEY_TEST_DB: 'pglite' }, globalSetup: ['test/setup/pglite.ts'], setupFiles: ['test/setup/rest-contract.ts'] },
      },
      {
        test: { ...integration, name: 'postgres', env: { PARLEY_TEST_DB: 'postgres' }, globalSetup: ['test/setup/postgres.ts'], setupFiles: ['test/setup/rest-contract.ts'] },
      },
    ],
  },
});
