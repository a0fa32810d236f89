// One live recording being written on this instance: frames in seq order go through the live
// encoder into the file; after each batch the Ogg pages are appended and the durable state
// (next seq, duration, resume state) written to the recording's live journal — only then are
// the frames acknowledged. A batch is everything that arrived while the previous one was being
// written (group commit), so a slow disk means fewer, larger commits rather than a growing
// backlog. The row gets the durable state at checkpoints (the registry's timer, one statement for
// all recordings), on suspend and on finish; opening takes the newer of row and journal.
import type { CoreDeps } from '../../deps';
import type { RecordingStorage } from '../storage';

/** What a live recording is built from: the infrastructure and where files go. */
export type LiveDeps = Pick<CoreDeps, 'bus' | 'config' | 'db' | 'logger' | 'metrics'> & { recordingStorage: RecordingStorage; audioThreads: EncoderPool };
import { AppError, type ErrorKey } from '../../errors';
import type { RecordingRow } from '../access';
import type { BatchEncoder } from './batch';
import type { EncoderPool } from './encoder-pool';
import { durableBytesOf, parseResumeState, type ResumeState } from './encoding';
import { LiveJournal, newerState, type DurableState } from './journal';
import { PROGRESS_INTERVAL_MS, publishRecordingEvent } from '../progress';
import type { LiveRowUpdate, LiveRowWriter } from './row-writer';
import type { AppendHandle } from '../storage';

export type Frame = { seq: number; payload: Buffer };
/** Where a recording's encoder runs (an encoder thread for PCM, this thread for Opus input). */
export type EncoderOpener = (format: string, state: ResumeState | null) => Promise<BatchEncoder>;
export type Acker = (seqs: number[]) => void;
/** A frame the encoder refused (undecodable WebM/Ogg): it and the frames after it were dropped. */
export type Rejecter = (seq: number, message: string, key: ErrorKey) => void;

export class LiveRecording {
  private queue: Frame[] = [];
  private writing: Promise<void> | null = null;
  private lastProgressAt = 0;
  private closed = false;
  /** A checkpoint found the row no longer live (deleted or finalized elsewhere). */
  private notLive = false;
  /** The state of the last acknowledged batch, and the one the row holds. */
  private durable: DurableState;
  private checkpointed: DurableState;
  /** Seq of the next frame to accept into the queue (≥ durable next seq). */
  receivedNext: number;
  /** Frames below this seq are in the file and the row: acknowledged. */
  durableNext: number;
  durationMs: number;
  bytes: number;
  acker: Acker | null = null;
  rejecter: Rejecter | null = null;
  onFailure: ((error: Error) => void) | null = null;

  private constructor(
    private readonly deps: LiveDeps,
    readonly row: RecordingRow,
    private readonly encoder: BatchEncoder,
    private readonly file: AppendHandle,
    private readonly journal: LiveJournal,
    private readonly rows: LiveRowWriter,
    opened: { durable: DurableState; fromRow: DurableState },
  ) {
    this.durable = opened.durable;
    this.checkpointed = opened.fromRow;
    this.receivedNext = this.durable.nextSeq;
    this.durableNext = this.durable.nextSeq;
    this.durationMs = this.durable.durationMs;
    this.bytes = file.size;
  }

  /** Opens a live recording where its last durable batch ended (bytes after it are cut off). */
  static async open(deps: LiveDeps, row: RecordingRow, rows: LiveRowWriter, openEncoder: EncoderOpener): Promise<LiveRecording> {
    const { journal, latest } = await LiveJournal.open(deps.recordingStorage, row.filename);
    const fromRow: DurableState = { nextSeq: row.nextSeq, durationMs: row.durationMs, bytes: row.bytes, state: parseResumeState(row.resumeState) };
    const durable = newerState(fromRow, latest);
    let file: AppendHandle | null = null;
    try {
      file = await deps.recordingStorage.openAppend(row.filename, { truncateTo: durableBytesOf(durable.state) });
      const encoder = await openEncoder(row.format, durable.state);
      return new LiveRecording(deps, row, encoder, file, journal, rows, { durable, fromRow });
    } catch (error) {
      await file?.close();
      await journal.close();
      throw error;
    }
  }

  get id(): string {
    return this.row.id;
  }

  /** Queues the frame when it is the next one; true when it was taken. */
  accept(frame: Frame): boolean {
    if (this.closed || frame.seq !== this.receivedNext) return false;
    this.queue.push(frame);
    this.receivedNext++;
    this.writing ??= this.writeBatches();
    return true;
  }

  /** Resolves when every queued frame is durable (or the write failed). */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeBatches(): Promise<void> {
    try {
      while (this.queue.length && !this.closed) {
        const batch = this.queue;
        this.queue = [];
        await this.commit(batch);
      }
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.writing = null;
    }
  }

  private async commit(frames: Frame[]): Promise<void> {
    if (this.notLive) throw new AppError('RECORDING_NOT_LIVE');
    const encoded = await this.encoder.encode(frames.map((f) => f.payload));
    if (encoded.rejection !== null) {
      // The refused frame and everything after it are dropped; the client resends from there.
      const refused = frames[encoded.accepted]!.seq;
      this.receivedNext = refused;
      this.queue = [];
      this.rejecter?.(refused, encoded.rejection, encoded.rejectionKey ?? 'UNSUPPORTED_MEDIA');
    }
    const batch = frames.slice(0, encoded.accepted);
    if (!batch.length || this.closed) return;
    const bytes = encoded.bytes;
    if (bytes.length) {
      // write() is enough to survive a crash of this process (the page cache keeps it); fsync per
      // batch would cost one disk flush per stream per frame, so it happens on finish/suspend.
      await this.file.append(bytes);
      this.deps.metrics.recordingBytes.inc(bytes.length);
    }
    const nextSeq = batch.at(-1)!.seq + 1;
    const durable: DurableState = { nextSeq, durationMs: encoded.durationMs, bytes: this.file.size, state: encoded.state };
    if (!(await this.journal.save(durable))) {
      // Too large for a journal slot (a huge incomplete WebM element held by the demuxer): the row then.
      if (!(await this.rows.save(this.rowUpdate(durable)))) throw new AppError('RECORDING_NOT_LIVE');
      this.checkpointed = durable;
    }
    this.durable = durable;
    this.durableNext = nextSeq;
    this.durationMs = durable.durationMs;
    this.bytes = durable.bytes;
    this.acker?.(batch.map((f) => f.seq));
    const now = Date.now();
    if (now - this.lastProgressAt >= PROGRESS_INTERVAL_MS) {
      this.lastProgressAt = now;
      void publishRecordingEvent(this.deps.bus, { type: 'progress', id: this.id, durationMs: this.durationMs, bytes: this.bytes, nextSeq }).catch(() => {});
    }
  }

  private rowUpdate(durable: DurableState): LiveRowUpdate {
    return { id: this.id, nextSeq: durable.nextSeq, bytes: durable.bytes, durationMs: durable.durationMs, resumeState: JSON.stringify(durable.state) };
  }

  /**
   * Gives the row the last acknowledged state when it lags behind. Throws when the database
   * fails (the journal still has everything: the next checkpoint tries again).
   */
  async checkpoint(): Promise<void> {
    const durable = this.durable;
    if (this.closed || durable.nextSeq <= this.checkpointed.nextSeq) return;
    const stillLive = await this.rows.save(this.rowUpdate(durable));
    if (stillLive) {
      if (durable.nextSeq > this.checkpointed.nextSeq) this.checkpointed = durable;
      return;
    }
    // Deleted or finalized meanwhile: fail between batches, never under a write in flight.
    this.notLive = true;
    await this.drain();
    if (!this.closed) this.fail(new AppError('RECORDING_NOT_LIVE'));
  }

  private fail(error: Error): void {
    this.closed = true;
    this.queue = [];
    this.deps.logger.warn({ err: error, recordingId: this.id }, 'live recording write failed');
    this.onFailure?.(error);
  }

  /** Ends the recording: last packets, the EOS page, status finished. */
  async finish(): Promise<{ durationMs: number; bytes: number }> {
    await this.drain();
    if (this.closed) throw new AppError('RECORDING_NOT_LIVE');
    this.closed = true;
    const final = await this.encoder.finish();
    await this.file.append(final.bytes);
    await this.file.sync();
    await this.file.close();
    this.deps.metrics.recordingBytes.inc(final.bytes.length);
    this.durationMs = final.durationMs;
    this.bytes = this.file.size;
    await this.rows.finish({ id: this.id, durationMs: this.durationMs, bytes: this.bytes });
    await this.journal.remove().catch(() => {});
    await publishRecordingEvent(this.deps.bus, { type: 'finished', id: this.id, durationMs: this.durationMs, bytes: this.bytes }).catch(() => {});
    return { durationMs: this.durationMs, bytes: this.bytes };
  }

  /**
   * Shutdown: the file becomes a complete Ogg stream (EOS page after the durable part) while the
   * row stays live and resumable: resuming cuts the EOS page off again and continues.
   */
  async suspend(): Promise<void> {
    await this.drain();
    if (this.closed) return;
    this.closed = true;
    try {
      await this.file.append((await this.encoder.finish()).bytes);
      await this.file.sync();
    } finally {
      await this.file.close();
      await this.journal.close();
    }
    // The row catches up with the journal when it can; resuming reads both anyway.
    if (this.durable.nextSeq > this.checkpointed.nextSeq) await this.rows.save(this.rowUpdate(this.durable)).catch(() => {});
  }

  /** Lets go of the file without writing anything more (the row already holds the durable state). */
  async release(): Promise<void> {
    this.closed = true;
    this.encoder.close();
    await this.file.close();
    await this.journal.close();
  }
}
