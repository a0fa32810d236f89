// Hot queries built once per database instead of on every call: drizzle's query builder costs more
// CPU than PGlite spends running a short statement (bench: login, guest sign-in, session lookup).
// The same SQL text every time also lets the driver reuse its server-side prepared statement.
import type { Database } from './client';

export function preparedPerDatabase<Q>(build: (db: Database) => Q): (db: Database) => Q {
  const built = new WeakMap<Database, Q>();
  return (db) => {
    let query = built.get(db);
    if (!query) built.set(db, (query = build(db)));
    return query;
  };
}
