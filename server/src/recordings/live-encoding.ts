// The seam between recordings and the audio pipeline (audio/): a live encoder whose state can be
// saved after every durable batch, and the whole-file transcoder for uploads.
import type { Readable } from 'node:stream';

export type LiveEncoder = {
  push(payload: Buffer): void;
  /** Ogg pages for everything pushed so far, the state to resume from, the duration so far. */
  flush(): { bytes: Buffer; state: string; durationMs: number };
  /** The last pages, with EOS. */
  finish(): { bytes: Buffer; durationMs: number };
};

export function openLiveEncoder(_format: string, _state: string | null): LiveEncoder {
  throw new Error('live encoder not wired yet');
}

export function encodeUploadedFile(_body: Readable, _options: { contentType: string | null }): {
  pages: AsyncIterable<Buffer>;
  result: Promise<{ durationMs: number; format: string }>;
} {
  throw new Error('file transcoder not wired yet');
}
