// Raw SQL against a test server's own database (PGlite or Postgres), for checking what is stored
// and for moving stored times, without importing the server's ORM into the test tree.
import type { ParleyServer } from '../../server/src/app';

export async function queryDatabase<Row = Record<string, unknown>>(server: ParleyServer, text: string, params: unknown[] = []): Promise<Row[]> {
  const { database } = server.deps;
  if (database.pglite) return (await database.pglite.query<Row>(text, params)).rows;
  return (await database.sql!.unsafe(text, params as never[])) as unknown as Row[];
}
