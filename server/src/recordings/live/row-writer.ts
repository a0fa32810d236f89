// The rows of live recordings, written in batches: every recording waiting for the same kind of
// write joins the next statement (group commit across recordings). On PGlite a statement costs
// ~1 ms of main-thread CPU whatever its size, a row ~0.1 ms: one statement per recording made a
// burst of hundreds of recorders starting or stopping stall every other socket for seconds.
// Durable state goes to the row only at checkpoints (see journal.ts).
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { recordings } from '../../db/schema/index';
import type { RecordingRow } from '../access';

export type LiveRowUpdate = { id: string; nextSeq: number; bytes: number; durationMs: number; resumeState: string };
export type LiveRowFinish = { id: string; bytes: number; durationMs: number };
export type NewLiveRow = typeof recordings.$inferInsert & { id: string };

/**
 * Rows per statement. PGlite runs a statement synchronously on the main thread: a checkpoint of
 * 1,000 recordings as two 500-row statements held every socket for a few hundred ms; 100-row
 * statements with a turn of the event loop between them keep each pause short.
 */
const MAX_BATCH = 100;

/** One statement for everything queued while the previous statement ran. */
class GroupCommit<T, R> {
  private waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<R[]>) {}

  run(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.writeAll();
    });
  }

  private async writeAll(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        try {
          const results = await this.write(batch.map((w) => w.item));
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (error) {
          if (batch.length === 1) batch[0]!.reject(error);
          // One bad row must not fail the others: each on its own then.
          else for (const w of batch) await this.write([w.item]).then(([result]) => w.resolve(result!), w.reject);
        }
        if (this.waiting.length) await new Promise<void>((resolve) => setImmediate(resolve)); // let sockets in between
      }
    } finally {
      this.writing = false;
    }
  }
}

export class LiveRowWriter {
  private readonly saves: GroupCommit<LiveRowUpdate, boolean>;
  private readonly creates: GroupCommit<NewLiveRow, RecordingRow>;
  private readonly finishes: GroupCommit<LiveRowFinish, boolean>;

  constructor(private readonly db: Database) {
    this.saves = new GroupCommit((updates) => this.writeSaves(updates));
    this.creates = new GroupCommit(async (rows) => {
      const created = await this.db.insert(recordings).values(rows).returning();
      const byId = new Map(created.map((row) => [row.id, row]));
      return rows.map((row) => byId.get(row.id)!);
    });
    this.finishes = new GroupCommit((finals) => this.writeFinishes(finals));
  }

  /** Resolves true once the row holds update, false when the recording is no longer live. */
  save(update: LiveRowUpdate): Promise<boolean> {
    return this.saves.run(update);
  }

  create(row: NewLiveRow): Promise<RecordingRow> {
    return this.creates.run(row);
  }

  /** Marks the recording finished with its final size; false when it was not live (anymore). */
  finish(final: LiveRowFinish): Promise<boolean> {
    return this.finishes.run(final);
  }

  private async writeSaves(updates: LiveRowUpdate[]): Promise<boolean[]> {
    const values = sql.join(
      updates.map((u) => sql`(${u.id}::text, ${u.nextSeq}::bigint, ${u.bytes}::bigint, ${u.durationMs}::integer, ${u.resumeState}::text)`),
      sql`, `,
    );
    const updated = await this.ids(sql`
      update recordings as r
      set next_seq = v.next_seq, bytes = v.bytes, duration_ms = v.duration_ms, resume_state = v.resume_state, updated_at = now()
      from (values ${values}) as v(id, next_seq, bytes, duration_ms, resume_state)
      where r.id = v.id and r.status = 'live'
      returning r.id`);
    return updates.map((u) => updated.has(u.id));
  }

  private async writeFinishes(finals: LiveRowFinish[]): Promise<boolean[]> {
    const values = sql.join(finals.map((f) => sql`(${f.id}::text, ${f.bytes}::bigint, ${f.durationMs}::integer)`), sql`, `);
    const updated = await this.ids(sql`
      update recordings as r
      set status = 'finished', bytes = v.bytes, duration_ms = v.duration_ms, resume_state = null, updated_at = date_trunc('milliseconds', now()), finished_at = date_trunc('milliseconds', now())
      from (values ${values}) as v(id, bytes, duration_ms)
      where r.id = v.id
      returning r.id`);
    return finals.map((f) => updated.has(f.id));
  }

  private async ids(query: ReturnType<typeof sql>): Promise<Set<string>> {
    const result = await this.db.execute(query);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { id: string }[];
    return new Set(rows.map((row) => row.id));
  }
}
