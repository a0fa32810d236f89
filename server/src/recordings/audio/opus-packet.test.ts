import { describe, expect, it } from 'vitest';
import { isStereoOpusPacket, readOpusPacketBandwidth, readOpusPacketSamples } from './opus-packet';

const toc = (config: number, stereo: boolean, code: number) => (config << 3) | (stereo ? 4 : 0) | code;

describe('Opus packet TOC', () => {
  it('counts 48 kHz samples per packet from the configuration and frame count', () => {
    expect(readOpusPacketSamples(Buffer.from([toc(9, false, 0), 0]))).toBe(960); // SILK WB 20 ms
    expect(readOpusPacketSamples(Buffer.from([toc(31, false, 1), 0]))).toBe(1920); // CELT FB 2 × 20 ms
    expect(readOpusPacketSamples(Buffer.from([toc(16, false, 2), 0]))).toBe(240); // CELT NB 2 × 2.5 ms
    expect(readOpusPacketSamples(Buffer.from([toc(3, false, 3), 2]))).toBe(5760); // SILK 2 × 60 ms
    expect(readOpusPacketSamples(Buffer.from([toc(3, false, 3), 3]))).toBeNull(); // > 120 ms
    expect(readOpusPacketSamples(Buffer.alloc(0))).toBeNull();
  });

  it('reads the stereo flag and the audio bandwidth', () => {
    expect(isStereoOpusPacket(Buffer.from([toc(31, true, 0)]))).toBe(true);
    expect(isStereoOpusPacket(Buffer.from([toc(31, false, 0)]))).toBe(false);
    expect(readOpusPacketBandwidth(Buffer.from([toc(9, false, 0)]))).toBe('wideband');
    expect(readOpusPacketBandwidth(Buffer.from([toc(13, false, 0)]))).toBe('superwideband');
    expect(readOpusPacketBandwidth(Buffer.from([toc(15, false, 0)]))).toBe('fullband');
    expect(readOpusPacketBandwidth(Buffer.from([toc(21, false, 0)]))).toBe('wideband');
    expect(readOpusPacketBandwidth(Buffer.from([toc(31, false, 0)]))).toBe('fullband');
  });
});
