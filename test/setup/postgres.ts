// Global setup of the 'postgres' project: TEST_DATABASE_URL when set, otherwise a throwaway
// cluster; with neither, the project's tests skip with a visible notice.
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from '../helpers/postgres-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    console.log('[postgres] running the suite on TEST_DATABASE_URL');
    project.provide('postgresUrl', process.env.TEST_DATABASE_URL);
    return;
  }
  const cluster = await startPostgresCluster();
  if (!cluster) {
    console.warn('\n[postgres] NOTICE: PostgreSQL server binaries not found (pg_config --bindir) and no TEST_DATABASE_URL: the postgres project is SKIPPED.\n');
    project.provide('postgresUrl', null);
    return;
  }
  console.log(`[postgres] running the suite on a throwaway PostgreSQL cluster, port ${cluster.port}`);
  project.provide('postgresUrl', cluster.url);
  return () => cluster.destroy();
}
