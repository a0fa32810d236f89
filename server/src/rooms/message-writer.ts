// Stores sent messages in batches: every send that reaches the database within one turn of the event
// loop, across rooms, is inserted by ONE statement (insertMessagesAsMembers), and each caller is
// answered once its own row is stored. On PGlite a statement's fixed cost (executor start, commit,
// WAL write) was most of a send's database time; a batch pays it once. Ids stay gapless and in
// order per room: the statement bumps each room's counter under its row lock by the number of rows
// it inserts there and numbers them in the order the sends arrived.
import { type Database, isDatabaseUnavailable } from '../db/client';
import { insertMessageAsMember, insertMessagesAsMembers, type MessageRow, type NewMessage } from './messages';

/** Rows per statement, and characters of message bodies per statement (one JSON parameter). */
export const MAX_BATCH_ROWS = 256;
const MAX_BATCH_BODY_CHARS = 1 << 20;

type Pending = NewMessage & { resolve(row: MessageRow | null): void; reject(error: unknown): void };

export class MessageWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  /** One batch at a time: the next one gathers while this one is stored (group commit). */
  private writing = false;

  constructor(
    private readonly db: Database,
    /** Lock each batch's rooms in id order (PostgreSQL, where batches may run at once; see insertMessagesAsMembers). */
    private readonly lockInOrder: boolean,
  ) {}

  /**
   * Stores the message if the sender is a member of the room (checked in the same statement);
   * resolves with the stored row, or null when nothing was inserted (unknown room, not a member).
   */
  insert(message: NewMessage): Promise<MessageRow | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...message, resolve, reject });
      if (this.scheduled || this.writing) return;
      this.scheduled = true;
      // After this turn's I/O callbacks: every send parsed in this turn is queued by then.
      setImmediate(() => {
        this.scheduled = false;
        void this.writeAll();
      });
    });
  }

  private async writeAll(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) await this.write(this.takeBatch());
    } finally {
      this.writing = false;
    }
  }

  private takeBatch(): Pending[] {
    let chars = 0;
    let n = 0;
    while (n < this.queue.length && n < MAX_BATCH_ROWS && (n === 0 || chars + this.queue[n]!.body.length <= MAX_BATCH_BODY_CHARS)) {
      chars += this.queue[n]!.body.length;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.writeOne(batch[0]!);
    let rows: (MessageRow | null)[];
    try {
      rows = await insertMessagesAsMembers(this.db, batch, { lockInOrder: this.lockInOrder });
    } catch (error) {
      if (!rolledBack(error)) {
        // The outcome is unknown (the connection dropped): storing again could store twice.
        for (const pending of batch) pending.reject(error);
        return;
      }
      // One message the database refuses (text it cannot store, say) must fail only its own sender:
      // each alone, in arrival order, gets its own outcome.
      for (const pending of batch) await this.writeOne(pending);
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(rows[i] ?? null);
  }

  private async writeOne(pending: Pending): Promise<void> {
    try {
      pending.resolve(await insertMessageAsMember(this.db, pending.senderId, pending.roomId, pending.body));
    } catch (error) {
      pending.reject(error);
    }
  }
}

/** True when the database answered the statement with an error (so it stored nothing) and is up. */
function rolledBack(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return false;
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
