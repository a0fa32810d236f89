// The live journal: where a live recording's durable state (next seq, duration, encoder/muxer
// resume state) is written after every batch, before the batch is acked. It is a side file next
// to the audio with two slots written in turn, each record with a counter and a CRC: a write cut
// short by a crash damages only the slot being written, and the other still holds the state of
// the last acknowledged batch. The database row gets the same state only every few seconds
// (checkpoints, one statement for all recordings): a row write per frame cost ~0.1–1.5 ms of
// main-thread CPU on PGlite, more than everything else a frame needs together.
import { crc32 } from 'node:zlib';
import type { ResumeState } from './encoding';
import type { RecordingStorage, SideFile } from '../storage';

const MAGIC = 0x504c4a31; // "PLJ1"
const HEADER_BYTES = 16;
/** Slot 1 starts here (the file is sparse: only the written bytes take space). */
const SLOT_BYTES = 256 * 1024;

export type DurableState = { nextSeq: number; durationMs: number; bytes: number; state: ResumeState | null };

export class LiveJournal {
  private constructor(
    private readonly file: SideFile,
    private counter: number,
  ) {}

  /** Opens the journal of a recording file and reads the newest intact record in it. */
  static async open(storage: RecordingStorage, filename: string): Promise<{ journal: LiveJournal; latest: DurableState | null }> {
    const file = await storage.openSideFile(filename);
    try {
      const slots = await Promise.all([readSlot(file, 0), readSlot(file, SLOT_BYTES)]);
      const newest = slots.filter((s) => s !== null).sort((a, b) => b.counter - a.counter)[0] ?? null;
      return { journal: new LiveJournal(file, newest?.counter ?? 0), latest: newest?.record ?? null };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Writes record over the older slot; false when it is too large for a slot (nothing written). */
  async save(record: DurableState): Promise<boolean> {
    const payload = Buffer.from(JSON.stringify(record));
    if (HEADER_BYTES + payload.length > SLOT_BYTES) return false;
    const counter = this.counter + 1;
    const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(counter, 4);
    out.writeUInt32LE(payload.length, 8);
    out.writeUInt32LE(crc32(payload), 12);
    payload.copy(out, HEADER_BYTES);
    await this.file.write(out, (counter % 2) * SLOT_BYTES);
    this.counter = counter;
    return true;
  }

  close(): Promise<void> {
    return this.file.close();
  }

  /** The recording is finished: the row holds everything, the journal goes. */
  remove(): Promise<void> {
    return this.file.remove();
  }
}

async function readSlot(file: SideFile, position: number): Promise<{ counter: number; record: DurableState } | null> {
  const header = await file.read(position, HEADER_BYTES);
  if (header.length < HEADER_BYTES || header.readUInt32LE(0) !== MAGIC) return null;
  const length = header.readUInt32LE(8);
  if (length > SLOT_BYTES - HEADER_BYTES) return null;
  const payload = await file.read(position + HEADER_BYTES, length);
  if (payload.length < length || crc32(payload) !== header.readUInt32LE(12)) return null;
  try {
    return { counter: header.readUInt32LE(4), record: JSON.parse(payload.toString()) as DurableState };
  } catch {
    return null;
  }
}

/** The newer of two durable states: the one further along the stream (the row may lag the journal). */
export function newerState(a: DurableState, b: DurableState | null): DurableState {
  return b && b.nextSeq > a.nextSeq ? b : a;
}
