// How much audio a stream may claim, charged before any of it is decoded: an Opus packet of two
// bytes can claim 120 ms, so a small file of such packets ("decompression bomb") would otherwise
// cost minutes of decoding and encoding. The charge is the playing time the input declares
// (Opus TOC bytes, or PCM byte counts), checked against its size and a ceiling per recording.
import { AppError } from '../../errors';

export type AudioLimits = {
  /** Longest recording or upload, in milliseconds (RECORDING_MAX_DURATION). */
  maxDurationMs: number;
  /**
   * Playing time allowed per input byte. Real Opus stays far below: 6 kbit/s speech is
   * ~1.3 ms/byte, silence with 1-byte DTX packets in Ogg ~10 ms/byte; the 2-byte 120 ms bomb
   * packets claim ~40 ms/byte.
   */
  msPerInputByte: number;
  /** Granted before any byte counts (headers, a first short packet). */
  allowanceMs: number;
};

export const DEFAULT_AUDIO_LIMITS: AudioLimits = { maxDurationMs: 8 * 3_600_000, msPerInputByte: 16, allowanceMs: 2000 };

/** The server's limits: the per-byte bound is fixed, the ceiling is RECORDING_MAX_DURATION. */
export function audioLimitsOf(config: { recordingMaxDurationMs: number }): AudioLimits {
  return { ...DEFAULT_AUDIO_LIMITS, maxDurationMs: config.recordingMaxDurationMs };
}

/** The most a stream of `inputBytes` may claim under `limits`. */
export function durationBound(limits: AudioLimits, inputBytes: number): number {
  return Math.min(limits.maxDurationMs, limits.allowanceMs + inputBytes * limits.msPerInputByte);
}

/** Throws when `chargedMs` (everything claimed so far, this chunk included) is over the bound. */
export function assertWithinLimits(limits: AudioLimits, inputBytes: number, chargedMs: number): void {
  if (chargedMs > limits.allowanceMs + inputBytes * limits.msPerInputByte) {
    throw new AppError('AUDIO_TOO_DENSE', {
      message: `The audio claims ${Math.round(chargedMs / 1000)} s of sound in ${inputBytes} bytes, more than any real Opus stream; it was refused`,
    });
  }
  if (chargedMs > limits.maxDurationMs) {
    const hours = Math.round((limits.maxDurationMs / 3_600_000) * 100) / 100;
    throw new AppError('RECORDING_TOO_LONG', { message: `A recording may be at most ${hours} h long` });
  }
}
