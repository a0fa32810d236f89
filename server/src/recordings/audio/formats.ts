// The input formats a client may declare (recordings.start `format`, /ws/record metadata) and
// the constants of the stored format: Ogg/Opus, 16 kHz mono, 24 kbit/s VBR, 20 ms frames.

export const STORED_SAMPLE_RATE = 16_000;
export const STORED_BITRATE = 24_000;
/**
 * libopus complexity (0–10). At 16 kHz the encoder runs SILK, where 8–10 cost the same and 7
 * is ~1.3× faster for a barely different result at this bitrate (same file size in our
 * measurements). Live recording re-encodes every PCM stream in real time — ≥ 100 streams on
 * 2 cores — so the speed matters more than the last fraction of quality.
 */
export const ENCODER_COMPLEXITY = 7;
/** 20 ms at 16 kHz. */
export const FRAME_SAMPLES = 320;
/**
 * libopus lookahead in 48 kHz samples for the "audio" application: 2.5 ms + 4 ms delay
 * compensation = 6.5 ms, the same at every encoder rate. @discordjs/opus can't query
 * OPUS_GET_LOOKAHEAD (it only sets CTLs), so it is written down here; a test checks it.
 */
export const ENCODER_PRE_SKIP = 312;

/** Rates a live PCM stream may declare: Opus's own rates plus CD audio. */
export const LIVE_PCM_RATES = [8000, 12000, 16000, 24000, 44100, 48000] as const;

export type InputFormat =
  | { kind: 'pcm'; sampleRate: number; channels: number }
  | { kind: 'webm' }
  | { kind: 'ogg' };

/**
 * Parses `pcm_s16le_<rate>_<mono|stereo>` (e.g. `pcm_s16le_16000_mono`), `webm` (WebM/Opus as
 * MediaRecorder makes it) or `ogg` (Ogg/Opus). Returns null for anything else.
 */
export function parseInputFormat(format: string): InputFormat | null {
  if (format === 'webm' || format === 'ogg') return { kind: format };
  const match = /^pcm_s16le_(\d+)_(mono|stereo)$/.exec(format);
  if (!match) return null;
  const sampleRate = Number(match[1]);
  if (!(LIVE_PCM_RATES as readonly number[]).includes(sampleRate)) return null;
  return { kind: 'pcm', sampleRate, channels: match[2] === 'mono' ? 1 : 2 };
}

export function formatToString(format: InputFormat): string {
  if (format.kind !== 'pcm') return format.kind;
  return `pcm_s16le_${format.sampleRate}_${format.channels === 1 ? 'mono' : format.channels === 2 ? 'stereo' : `${format.channels}ch`}`;
}

/** Bytes per second of a PCM format, e.g. to size frames (100 ms of 16 kHz mono = 3200 bytes). */
export function pcmBytesPerSecond(format: { sampleRate: number; channels: number }): number {
  return format.sampleRate * format.channels * 2;
}
