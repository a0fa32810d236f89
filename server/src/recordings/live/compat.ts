// Compatibility mode of /ws/record for the old recorder: metadata without `format`, then raw
// binary chunks without seq. The container is recognised from the first chunk's bytes (Ogg
// `OggS`, WebM/Matroska EBML); anything else is refused, never guessed as PCM, and nothing is
// stored. Chunks are numbered here in arrival order and go through the same durable path as the
// new protocol (acks are still sent; old clients ignore them); closing the socket finishes it.
import type { RecordingRow } from '../access';
import { sniffChunk } from './protocol';
import type { LiveRegistry } from './registry';
import type { LiveRecording } from './session';

export const COMPAT_REFUSAL =
  'Without "format" in the metadata the audio must be Ogg/Opus or WebM/Opus, starting with its header; ' +
  'for raw PCM declare a format such as "pcm_s16le_16000_mono" and send seq-numbered frames';

export type CompatHooks = {
  /** Passed to the registry: another connection took the recording over. */
  detach: () => void;
  /** The recording is open: acks and refusals go to the socket from now on. */
  attach: (live: LiveRecording) => void;
  /** The stream is not audio this mode takes: tell the client and close. */
  refuse: (message: string) => void;
  fail: (error: unknown) => void;
};

export class CompatStream {
  private live: LiveRecording | null = null;
  private opening: Promise<LiveRecording | null> | null = null;
  private pending: Buffer[] = [];
  private nextSeq = 0;
  private stopped = false;

  constructor(
    private readonly registry: LiveRegistry,
    private readonly row: RecordingRow,
    private readonly hooks: CompatHooks,
  ) {}

  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    if (this.live) return this.accept(chunk);
    this.pending.push(chunk);
    // The container's magic is 4 bytes: a client may split even those.
    const head = Buffer.concat(this.pending);
    if (!this.opening && head.length >= 4) this.opening = this.open(head);
  }

  private async open(first: Buffer): Promise<LiveRecording | null> {
    const kind = sniffChunk(first);
    if (kind !== 'ogg' && kind !== 'webm') {
      this.stopped = true;
      this.pending = [];
      await this.registry.removeEmpty(this.row).catch(() => {});
      this.hooks.refuse(COMPAT_REFUSAL);
      return null;
    }
    try {
      const row = kind === this.row.format ? this.row : await this.registry.setFormat(this.row, kind);
      const live = await this.registry.attach(row, this.hooks.detach);
      this.live = live;
      this.hooks.attach(live);
      for (const chunk of this.pending.splice(0)) this.accept(chunk);
      return live;
    } catch (error) {
      this.stopped = true;
      this.hooks.fail(error);
      return null;
    }
  }

  private accept(chunk: Buffer): void {
    if (this.live!.accept({ seq: this.nextSeq, payload: chunk })) this.nextSeq++;
    else this.stopped = true; // refused earlier (the socket is closing): nothing after it is kept
  }

  /**
   * No more chunks: the open recording once everything received is queued (the caller finishes
   * it), or null when no audio came — then the empty recording is removed.
   */
  async end(): Promise<LiveRecording | null> {
    this.stopped = true;
    if (!this.opening && this.pending.length) this.opening = this.open(Buffer.concat(this.pending));
    if (!this.opening) {
      await this.registry.removeEmpty(this.row).catch(() => {});
      return null;
    }
    return this.opening;
  }
}
