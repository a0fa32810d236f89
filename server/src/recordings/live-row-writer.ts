// Saves the durable state of many live recordings in one UPDATE: every recording waiting for its
// row to be written joins the next statement (group commit across recordings), so the database
// sees one statement per checkpoint however many streams are live (see live-journal.ts).
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

export type LiveRowUpdate = { id: string; nextSeq: number; bytes: number; durationMs: number; resumeState: string };

type Waiting = { update: LiveRowUpdate; resolve: (stillLive: boolean) => void; reject: (error: unknown) => void };

export class LiveRowWriter {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly db: Database) {}

  /** Resolves true once the row holds update, false when the recording is no longer live. */
  save(update: LiveRowUpdate): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ update, resolve, reject });
      if (!this.writing) void this.writeAll();
    });
  }

  private async writeAll(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, 500);
        try {
          const updated = await this.write(batch.map((w) => w.update));
          for (const w of batch) w.resolve(updated.has(w.update.id));
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(updates: LiveRowUpdate[]): Promise<Set<string>> {
    const values = sql.join(
      updates.map((u) => sql`(${u.id}::text, ${u.nextSeq}::bigint, ${u.bytes}::bigint, ${u.durationMs}::integer, ${u.resumeState}::text)`),
      sql`, `,
    );
    const result = await this.db.execute(sql`
      update recordings as r
      set next_seq = v.next_seq, bytes = v.bytes, duration_ms = v.duration_ms, resume_state = v.resume_state, updated_at = now()
      from (values ${values}) as v(id, next_seq, bytes, duration_ms, resume_state)
      where r.id = v.id and r.status = 'live'
      returning r.id`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { id: string }[];
    return new Set(rows.map((row) => row.id));
  }
}
