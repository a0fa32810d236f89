// The pieces of /ws/record that are plain data: frame encoding, the window of unacknowledged
// frames, and how long the audio sent so far lasts.

/** Formats /ws/record streams live: raw PCM as pcm_s16le_<rate>_<mono|stereo>, WebM/Opus, Ogg/Opus. */
export type RecordingFormat = `pcm_s16le_${8000 | 12000 | 16000 | 24000 | 44100 | 48000}_${'mono' | 'stereo'}` | 'webm' | 'ogg' | (string & {});

/** A frame on the wire: seq as uint32 big-endian, then the payload. */
export function encodeFrame(seq: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + payload.byteLength);
  new DataView(frame.buffer).setUint32(0, seq >>> 0, false);
  frame.set(payload, 4);
  return frame;
}

export type PendingFrame = { seq: number; payload: Uint8Array };

/**
 * Cuts a byte stream into frames of at most `maxBytes`, each a multiple of 4 bytes (whole PCM
 * samples in mono and stereo) but the very last, so raw audio never splits inside a sample.
 */
export class FrameCutter {
  private rest: Uint8Array = new Uint8Array(0);
  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): Uint8Array[] {
    const data = this.rest.byteLength ? concat(this.rest, chunk) : chunk;
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (data.byteLength - offset >= 4) {
      const size = Math.min(this.maxBytes, data.byteLength - offset);
      const aligned = size - (size % 4);
      frames.push(data.slice(offset, offset + aligned));
      offset += aligned;
    }
    this.rest = data.slice(offset);
    return frames;
  }

  flush(): Uint8Array[] {
    const last = this.rest;
    this.rest = new Uint8Array(0);
    return last.byteLength ? [last] : [];
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/** Bytes per second of a PCM format, from its name or a WAV header; null when unknown (WebM, Ogg). */
export function bytesPerSecondOf(format: string, firstBytes?: Uint8Array): number | null {
  const pcm = /^pcm_s16le_(\d+)_(mono|stereo)$/.exec(format);
  if (pcm) return Number(pcm[1]) * (pcm[2] === 'stereo' ? 2 : 1) * 2;
  if (format === 'wav' && firstBytes && firstBytes.byteLength >= 36) {
    const view = new DataView(firstBytes.buffer, firstBytes.byteOffset, firstBytes.byteLength);
    const byteRate = view.getUint32(28, true);
    return byteRate > 0 ? byteRate : null;
  }
  return null;
}
