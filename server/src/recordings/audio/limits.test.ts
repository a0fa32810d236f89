import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOMB_PACKET, oggBomb, oggOpusStream, webmOpusStream } from '../../../../test/helpers/opus-streams';
import { BatchEncoderCore } from '../live/batch';
import { createLiveEncoder } from './encoder';
import { createFileTranscoder } from './file-transcoder';
import { assertWithinLimits, DEFAULT_AUDIO_LIMITS, durationBound, type AudioLimits } from './limits';

const LIMITS: AudioLimits = { ...DEFAULT_AUDIO_LIMITS, maxDurationMs: 10 * 60_000 };

/** Pushes input in chunks; returns the bytes taken (refused chunks don't count) and what was charged. */
function pushAll(format: 'ogg' | 'webm', input: Buffer, chunkSizes: number[], limits = LIMITS) {
  const encoder = createLiveEncoder({ inputFormat: format, limits });
  let taken = 0;
  let refused = 0;
  let at = 0;
  for (let i = 0; at < input.length; i++) {
    const chunk = input.subarray(at, at + chunkSizes[i % chunkSizes.length]!);
    at += chunk.length;
    try {
      encoder.push(chunk);
      taken += chunk.length;
    } catch (error) {
      expect((error as { key?: string }).key).toMatch(/AUDIO_TOO_DENSE|RECORDING_TOO_LONG|UNSUPPORTED_MEDIA/);
      refused++;
      break; // a live client gets an error for the frame; an upload stops here
    }
  }
  return { encoder, taken, refused };
}

describe('audio limits', () => {
  it('bound the playing time charged by the bytes seen, and by the ceiling', () => {
    expect(durationBound(LIMITS, 0)).toBe(LIMITS.allowanceMs);
    expect(durationBound(LIMITS, 1000)).toBe(LIMITS.allowanceMs + 1000 * LIMITS.msPerInputByte);
    expect(durationBound(LIMITS, 1e9)).toBe(LIMITS.maxDurationMs);
    expect(() => assertWithinLimits(LIMITS, 1000, 10_000)).not.toThrow();
    expect(() => assertWithinLimits(LIMITS, 1000, 30_000)).toThrow(expect.objectContaining({ key: 'AUDIO_TOO_DENSE' }));
    expect(() => assertWithinLimits(LIMITS, 1e9, LIMITS.maxDurationMs + 1)).toThrow(expect.objectContaining({ key: 'RECORDING_TOO_LONG' }));
  });

  it('refuse the 31 KB Ogg bomb (255 packets E3 30 per page) before decoding it', () => {
    const bomb = oggBomb();
    expect(bomb.length).toBeGreaterThan(30_000);
    expect(bomb.length).toBeLessThan(33_000);
    const { encoder, refused } = pushAll('ogg', bomb, [bomb.length]);
    expect(refused).toBe(1);
    expect(encoder.chargedMs).toBe(0);
    const upload = createFileTranscoder('ogg-opus', LIMITS);
    expect(() => upload.push(bomb)).toThrow(expect.objectContaining({ key: 'AUDIO_TOO_DENSE' }));
  });

  it('refuse the same bomb fed in small chunks once it claims more than its bytes allow', () => {
    const bomb = oggBomb();
    const { encoder, taken, refused } = pushAll('ogg', bomb, [800]);
    expect(refused).toBe(1);
    expect(encoder.chargedMs).toBeLessThanOrEqual(durationBound(LIMITS, taken));
  });

  it('refuse a recording longer than the ceiling even when its bytes would allow it', () => {
    const packets = Array.from({ length: 40 }, () => Array.from({ length: 50 }, () => Buffer.concat([Buffer.from([0x48]), Buffer.alloc(40, 7)])));
    const { encoder, refused } = pushAll('ogg', oggOpusStream(packets), [2000], { ...LIMITS, maxDurationMs: 5000 });
    expect(refused).toBe(1);
    expect(encoder.chargedMs).toBeLessThanOrEqual(5000);
  });

  it('property: over Ogg and WebM streams of random TOC bytes and page layouts, the charge never exceeds the bound', () => {
    // A small ceiling keeps each run's decoding short; the per-byte bound is the server's.
    const limits = { ...LIMITS, maxDurationMs: 30_000 };
    const packet = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 0, maxLength: 3 })).map(([toc, rest]) => Buffer.concat([Buffer.from([toc]), Buffer.from(rest)]));
    const layout = fc.array(fc.array(packet, { minLength: 1, maxLength: 255 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(layout, fc.constantFrom<'ogg' | 'webm'>('ogg', 'webm'), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }), (pages, format, chunkSizes) => {
        const input = format === 'ogg' ? oggOpusStream(pages) : webmOpusStream(pages);
        // As on the server: a refused frame leaves the encoder as it was after the last batch.
        const core = new BatchEncoderCore(format, null, limits);
        let at = 0;
        for (let i = 0; at < input.length; i++) {
          const size = chunkSizes[i % chunkSizes.length]!;
          const result = core.encode([input.subarray(at, at + size)]);
          at += size;
          const state = result.state;
          if (!state) continue;
          expect(state.chargedMs ?? 0).toBeLessThanOrEqual(durationBound(limits, state.inputBytes ?? 0));
          expect(result.durationMs).toBeLessThanOrEqual(durationBound(limits, state.inputBytes ?? 0) + 120);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('let real low-bitrate speech and silence through (a 1-byte-per-packet DTX stream included)', () => {
    const silence = Array.from({ length: 20 }, () => Array.from({ length: 50 }, () => Buffer.from([0x08])));
    const { refused } = pushAll('ogg', oggOpusStream(silence), [4096]);
    expect(refused).toBe(0);
    expect(BOMB_PACKET.length).toBe(2);
  });
});
