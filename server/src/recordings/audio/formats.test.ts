import { describe, expect, it } from 'vitest';
import { formatToString, LIVE_PCM_RATES, parseInputFormat, pcmBytesPerSecond } from './formats';

describe('input formats', () => {
  it('round-trips every live PCM format string', () => {
    for (const rate of LIVE_PCM_RATES) {
      for (const layout of ['mono', 'stereo'] as const) {
        const text = `pcm_s16le_${rate}_${layout}`;
        const format = parseInputFormat(text)!;
        expect(format).toEqual({ kind: 'pcm', sampleRate: rate, channels: layout === 'mono' ? 1 : 2 });
        expect(formatToString(format)).toBe(text);
      }
    }
    expect(formatToString({ kind: 'webm' })).toBe('webm');
    expect(formatToString({ kind: 'ogg' })).toBe('ogg');
  });

  it('refuses rates and encodings it cannot take, and anything that is not a format string', () => {
    for (const bad of ['pcm_s16le_22050_mono', 'pcm_s24le_16000_mono', 'pcm_s16le_16000_5ch', 'PCM', '', 'wav', 'ogg ', 'pcm_s16le_16000_mono_x']) {
      expect(parseInputFormat(bad), bad).toBeNull();
    }
  });

  it('gives the bytes per second of a PCM format (100 ms of 16 kHz mono is 3200 bytes)', () => {
    expect(pcmBytesPerSecond({ sampleRate: 16000, channels: 1 }) / 10).toBe(3200);
    expect(pcmBytesPerSecond({ sampleRate: 48000, channels: 2 })).toBe(192_000);
  });
});
