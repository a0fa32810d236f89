// PGlite answers one parameterized query in ONE trip through its WebAssembly Postgres instead of six.
// PGlite 0.5's query() sends Parse, Describe (to learn the parameter types), Bind, Describe, Execute
// and Sync as six separate calls, each parsed and dispatched on its own: for Parley's short queries
// that plumbing costs more than the query (bench: rooms.send, login). Postgres infers the parameter
// types at Parse either way (PGlite sends no types unless asked), so sending all six messages in
// one batch with the values in text form gives the server the same statement; only the client side
// differs — the values are written from their JavaScript type instead of from the described type.
// Anything this does not cover (arrays, blobs, explicit parameter types) goes through the original.
import { type PGlite, parse, protocol, type QueryOptions, type Results } from '@electric-sql/pglite';

/** The parts of PGlite's own query machinery used here (public members, named with a leading _). */
type PGliteInternals = {
  _checkReady(): Promise<void>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  execProtocolStream(message: Uint8Array, options: { syncToFs?: boolean }): Promise<Parameters<typeof parse.parseResults>[0]>;
  syncToFs(): Promise<void>;
  parsers: Parameters<typeof parse.parseResults>[1];
};

const { serialize } = protocol;
const SYNC = serialize.sync();
const DESCRIBE_PORTAL = serialize.describe({ type: 'P' });
const EXECUTE = serialize.execute({});

/** Text form of a parameter as PGlite's own serializers would write it; undefined: not handled here. */
function toText(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  return undefined; // arrays and objects need the described type: leave them to PGlite
}

type Parsers = Parameters<typeof parse.parseResults>[1];
const overlays = new WeakMap<object, Parsers>();

/** defaults with the query's own parsers on top: a prototype chain instead of a copied table. */
function overlay(defaults: Parsers, own: NonNullable<QueryOptions['parsers']>): Parsers {
  let merged = overlays.get(own);
  if (!merged) overlays.set(own, (merged = Object.assign(Object.create(defaults) as Parsers, own)));
  return merged;
}

/** Prepared statements kept by the session; a query seen again skips parsing and, after a few runs, planning. */
const MAX_STATEMENTS = 500;

export function installSingleTripQuery(pglite: PGlite): void {
  const original = pglite.query.bind(pglite);
  const internals = pglite as unknown as PGliteInternals;
  const statements = new Map<string, string>(); // SQL text → statement name, oldest first
  let toClose: string[] = [];
  let counter = 0;
  pglite.query = async function query<T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    if (options?.blob || options?.paramTypes || options?.serializers) return original<T>(text, params, options);
    const values: (string | null)[] = new Array(params.length);
    for (let i = 0; i < params.length; i++) {
      const value = toText(params[i]);
      if (value === undefined) return original<T>(text, params, options);
      values[i] = value;
    }
    await internals._checkReady();
    return internals._runExclusiveTransaction(() =>
      internals._runExclusiveQuery(async () => {
        const parts: Uint8Array[] = [];
        for (const name of toClose) parts.push(serialize.close({ type: 'S', name }));
        toClose = [];
        let statement = statements.get(text);
        const fresh = statement === undefined;
        if (statement === undefined) {
          statement = `parley_${++counter}`;
          parts.push(serialize.parse({ name: statement, text }));
        }
        parts.push(serialize.bind({ statement, values }), DESCRIBE_PORTAL, EXECUTE, SYNC);
        let messages;
        try {
          // Throws the first DatabaseError (with its SQLSTATE code) after the whole batch, Sync included, ran.
          messages = await internals.execProtocolStream(Buffer.concat(parts), { syncToFs: false });
        } catch (error) {
          // Parsed or not, this name is not trusted again (closing an unknown name is no error).
          if (fresh) toClose.push(statement);
          else forget(text);
          throw error;
        }
        if (fresh) {
          statements.set(text, statement);
          if (statements.size > MAX_STATEMENTS) forget(statements.keys().next().value!);
        }
        await internals.syncToFs();
        // PGlite merges per-query parsers into a copy of its whole parser table (hundreds of types)
        // on every call; drizzle passes some on every query. A cached overlay does the same lookups.
        const parsers = options?.parsers ? overlay(internals.parsers, options.parsers) : internals.parsers;
        return parse.parseResults(messages, parsers, options?.rowMode ? { rowMode: options.rowMode } : undefined)[0] as Results<T>;
      }),
    );
  } as PGlite['query'];

  function forget(text: string): void {
    const name = statements.get(text);
    if (name === undefined) return;
    statements.delete(text);
    toClose.push(name);
  }
}
