// Global setup of the 'postgres' project: TEST_DATABASE_URL when set, otherwise a throwaway
// cluster; with neither, the project's tests skip with a visible notice. Either way it migrates one
// template database that every test database is created from (CREATE DATABASE … TEMPLATE), so each
// server's own migration run finds nothing left to do.
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from '../helpers/postgres-cluster';
import { createPostgresTemplate } from '../helpers/database-template';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
    /** The migrated database test databases are copies of (null: none, migrate each). */
    postgresTemplate: string | null;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    console.log('[postgres] running the suite on TEST_DATABASE_URL');
    project.provide('postgresUrl', process.env.TEST_DATABASE_URL);
    const template = await createPostgresTemplate(process.env.TEST_DATABASE_URL);
    project.provide('postgresTemplate', template.name);
    return () => template.drop();
  }
  const cluster = await startPostgresCluster();
  if (!cluster) {
    console.warn('\n[postgres] NOTICE: PostgreSQL server binaries not found (pg_config --bindir) and no TEST_DATABASE_URL: the postgres project is SKIPPED.\n');
    project.provide('postgresUrl', null);
    project.provide('postgresTemplate', null);
    return;
  }
  console.log(`[postgres] running the suite on a throwaway PostgreSQL cluster, port ${cluster.port}`);
  project.provide('postgresUrl', cluster.url);
  try {
    project.provide('postgresTemplate', (await createPostgresTemplate(cluster.url)).name);
  } catch (error) {
    cluster.destroy();
    throw error;
  }
  return () => cluster.destroy();
}
