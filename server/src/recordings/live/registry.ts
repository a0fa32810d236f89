// The live recordings open on this instance, whether a socket is attached or not. A recording
// whose socket dropped stays open for a quick resume until RECORDING_IDLE_TIMEOUT, then is
// finalized. Recordings left live by a crashed instance are finalized by the idle sweep. Every
// CHECKPOINT_INTERVAL_MS the rows of the open recordings catch up with their live journals.
import { and, eq, inArray, lt } from 'drizzle-orm';
import { recordings } from '../../db/schema/index';
import { AppError } from '../../errors';
import { requireOrgMembership, type RecordingRow } from '../access';
import { deleteRecording, newLiveRecordingRow, type NewRecording } from '../catalog';
import { audioLimitsOf } from '../audio/limits';
import type { ResumeState } from './encoding';
import { LiveRowWriter } from './row-writer';
import { type LiveDeps, LiveRecording } from './session';

/** How stale a live recording's row (durationMs, bytes in recordings.get) may get. */
const CHECKPOINT_INTERVAL_MS = 2000;

export type LiveProgress = { nextSeq: number; durationMs: number; bytes: number };

type Entry = { recording: LiveRecording; detach: (() => void) | null; idleTimer: NodeJS.Timeout | null };

export class LiveRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly opening = new Map<string, Promise<LiveRecording>>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private checkpointing = false;
  private readonly rows: LiveRowWriter;

  constructor(private readonly deps: LiveDeps) {
    this.rows = new LiveRowWriter(deps.db);
  }

  /** Every format is decoded and encoded in the encoder threads, under the audio limits. */
  private readonly openEncoder = async (format: string, state: ResumeState | null) =>
    this.deps.audioThreads.open(format, state, audioLimitsOf(this.deps.config));

  get size(): number {
    return this.entries.size;
  }

  /** What the open recording id has acknowledged so far (its row catches up at checkpoints). */
  progressOf(id: string): LiveProgress | null {
    const recording = this.entries.get(id)?.recording;
    return recording ? { nextSeq: recording.durableNext, durationMs: recording.durationMs, bytes: recording.bytes } : null;
  }

  /** Creates the row of a new live recording (batched with other recorders starting meanwhile). */
  async create(ownerId: string, input: NewRecording): Promise<RecordingRow> {
    if (input.orgId) await requireOrgMembership(this.deps.db, input.orgId, ownerId);
    return this.rows.create(newLiveRecordingRow(ownerId, input));
  }

  /**
   * The open recording for row, attached to a new connection. A connection still attached is
   * told to go (the client reconnected before the old socket noticed it was dead).
   */
  async attach(row: RecordingRow, detach: () => void): Promise<LiveRecording> {
    let entry = this.entries.get(row.id);
    if (!entry) {
      let opening = this.opening.get(row.id);
      if (!opening) {
        opening = LiveRecording.open(this.deps, row, this.rows, this.openEncoder);
        this.opening.set(row.id, opening);
        opening.finally(() => this.opening.delete(row.id)).catch(() => {});
      }
      const recording = await opening;
      entry = this.entries.get(row.id);
      if (!entry) {
        entry = { recording, detach: null, idleTimer: null };
        this.entries.set(row.id, entry);
        this.deps.metrics.recordingsActive.inc();
      }
    }
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = null;
    const previous = entry.detach;
    entry.detach = detach;
    previous?.();
    await entry.recording.drain();
    return entry.recording;
  }

  /** The connection went away without stop: keep the recording resumable until the idle timeout. */
  detach(recording: LiveRecording, detach: () => void): void {
    const entry = this.entries.get(recording.id);
    if (!entry || entry.detach !== detach) return;
    entry.detach = null;
    entry.recording.acker = null;
    entry.idleTimer = setTimeout(() => void this.finalizeIdle(recording.id), this.deps.config.recordingIdleTimeoutMs);
    entry.idleTimer.unref();
  }

  private forget(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    this.entries.delete(id);
    this.deps.metrics.recordingsActive.dec();
    return entry;
  }

  async finish(recording: LiveRecording): Promise<{ durationMs: number; bytes: number }> {
    this.forget(recording.id);
    return recording.finish();
  }

  /** The row of a compatibility-mode recording once its first chunk showed the container. */
  async setFormat(row: RecordingRow, format: string): Promise<RecordingRow> {
    const [updated] = await this.deps.db.update(recordings).set({ format }).where(and(eq(recordings.id, row.id), eq(recordings.status, 'live'))).returning();
    if (!updated) throw new AppError('RECORDING_NOT_LIVE');
    return updated;
  }

  /** A recording whose audio was refused before anything was written: row and file go. */
  async removeEmpty(row: RecordingRow, live?: LiveRecording): Promise<void> {
    if (live) await this.discard(live);
    await deleteRecording(this.deps.db, this.deps.recordingStorage, row);
  }

  /** Drops a recording whose writes failed (deleted or finalized elsewhere). */
  async discard(recording: LiveRecording): Promise<void> {
    if (this.entries.get(recording.id)?.recording === recording) this.forget(recording.id);
    await recording.release().catch(() => {});
  }

  private async finalizeIdle(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry || entry.detach) return;
    this.forget(id);
    await entry.recording.finish().catch((error) => {
      if (error instanceof AppError && error.key === 'RECORDING_NOT_LIVE') return;
      this.deps.logger.warn({ err: error, recordingId: id }, 'finalizing an idle recording failed');
    });
  }

  /**
   * Live recordings nobody wrote to for longer than the idle timeout (their instance died, or
   * the client never came back) are finalized from their durable state.
   */
  async sweepAbandoned(): Promise<number> {
    const cutoff = new Date(Date.now() - this.deps.config.recordingIdleTimeoutMs);
    const rows = await this.deps.db
      .select()
      .from(recordings)
      .where(and(eq(recordings.status, 'live'), lt(recordings.updatedAt, cutoff)))
      .limit(100);
    let finalized = 0;
    for (const row of rows) {
      if (this.entries.has(row.id) || this.opening.has(row.id)) continue;
      try {
        const recording = await LiveRecording.open(this.deps, row, this.rows, this.openEncoder);
        await recording.finish();
        finalized++;
      } catch (error) {
        this.deps.logger.warn({ err: error, recordingId: row.id }, 'finalizing an abandoned recording failed');
      }
    }
    return finalized;
  }

  /**
   * Recordings open here are ours to finalize: keep their updated_at fresh so another
   * instance's sweep never takes a quiet (paused) recording for an abandoned one.
   */
  private async touchOpen(): Promise<void> {
    const ids = [...this.entries.keys()];
    if (!ids.length) return;
    await this.deps.db
      .update(recordings)
      .set({ updatedAt: new Date() })
      .where(and(inArray(recordings.id, ids), eq(recordings.status, 'live')));
  }

  /** One statement (per 500) for every open recording whose row lags its journal. */
  private async checkpointAll(): Promise<void> {
    if (this.checkpointing) return;
    this.checkpointing = true;
    try {
      const results = await Promise.allSettled([...this.entries.values()].map((entry) => entry.recording.checkpoint()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) this.deps.logger.warn({ err: failed.reason }, 'live recording checkpoint failed; the journals keep the state');
    } finally {
      this.checkpointing = false;
    }
  }

  startSweeping(): void {
    this.checkpointTimer = setInterval(() => void this.checkpointAll(), CHECKPOINT_INTERVAL_MS);
    this.checkpointTimer.unref();
    const every = Math.min(60_000, Math.max(1000, Math.floor(this.deps.config.recordingIdleTimeoutMs / 3)));
    const run = () =>
      void this.touchOpen()
        .then(() => this.sweepAbandoned())
        .catch((error) => this.deps.logger.warn({ err: error }, 'recording sweep failed'));
    run();
    this.sweepTimer = setInterval(run, every);
    this.sweepTimer.unref();
  }

  /** Graceful shutdown: every open recording becomes a valid Ogg file and stays resumable. */
  async suspendAll(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    const entries = [...this.entries.keys()].map((id) => this.forget(id)!);
    await Promise.allSettled(
      entries.map(async (entry) => {
        entry.detach?.();
        await entry.recording.suspend();
      }),
    );
  }
}
