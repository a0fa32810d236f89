// Encoding a live recording batch by batch, in an encoder thread (libopus costs ~1/60 of real
// time per stream, and a hostile stream could claim far more: nothing of it may run on the main
// thread) or, in unit tests, on the calling thread. Each batch ends with flushed pages, so the
// state returned with it is what the journal saves before the batch is acknowledged.
import { AppError, type ErrorKey } from '../../errors';
import type { AudioLimits } from '../audio/limits';
import { openLiveEncoder, type LiveEncoder, type ResumeState } from './encoding';

export type BatchResult = {
  /** The Ogg pages to append, in order. */
  bytes: Uint8Array;
  /** Payloads taken (the first `accepted` of the batch); the rest were dropped. */
  accepted: number;
  /** Why payload `accepted` was refused (undecodable WebM/Ogg, over the audio limits), or null. */
  rejection: string | null;
  /** The catalogue key of that refusal. */
  rejectionKey?: ErrorKey;
  state: ResumeState | null;
  durationMs: number;
};

/** One recording's encoder, wherever it runs. */
export type BatchEncoder = {
  encode(payloads: Uint8Array[]): Promise<BatchResult>;
  /** The last pages (EOS) and the final duration; the encoder is done afterwards. */
  finish(): Promise<{ bytes: Uint8Array; durationMs: number }>;
  close(): void;
};

export class BatchEncoderCore {
  private encoder: LiveEncoder;

  constructor(
    private readonly format: string,
    /** The state after the last batch: where to start over after a refused payload. */
    private saved: ResumeState | null,
    private readonly limits?: AudioLimits,
  ) {
    this.encoder = openLiveEncoder(format, saved, limits);
  }

  encode(payloads: Uint8Array[]): BatchResult {
    const pages: Buffer[] = [];
    for (let i = 0; i < payloads.length; i++) {
      const payload = payloads[i]!;
      try {
        pages.push(...this.encoder.push(Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)));
      } catch (error) {
        this.encoder = openLiveEncoder(this.format, this.saved, this.limits);
        const rejection = error instanceof AppError ? error.message : 'This frame could not be decoded';
        const rejectionKey: ErrorKey = error instanceof AppError ? error.key : 'UNSUPPORTED_MEDIA';
        if (i === 0) return { bytes: new Uint8Array(0), accepted: 0, rejection, rejectionKey, state: this.saved, durationMs: this.encoder.durationMs };
        return { ...this.encode(payloads.slice(0, i)), rejection, rejectionKey };
      }
    }
    pages.push(...this.encoder.flush());
    this.saved = this.encoder.state();
    return { bytes: Buffer.concat(pages), accepted: payloads.length, rejection: null, state: this.saved, durationMs: this.encoder.durationMs };
  }

  finish(): { bytes: Uint8Array; durationMs: number } {
    const bytes = Buffer.concat(this.encoder.finish());
    return { bytes, durationMs: this.encoder.durationMs };
  }
}

/** The encoder on the calling thread (tests, and the equivalence check against the threads). */
export function createInlineEncoder(format: string, state: ResumeState | null, limits?: AudioLimits): BatchEncoder {
  const core = new BatchEncoderCore(format, state, limits);
  return {
    encode: async (payloads) => core.encode(payloads),
    finish: async () => core.finish(),
    close: () => {},
  };
}
