import { describe, expect, it } from 'vitest';
import { bytesPerSecondOf, encodeFrame, FrameCutter } from './recording-frames';

describe('encodeFrame', () => {
  it('puts seq as uint32 big-endian before the payload', () => {
    expect([...encodeFrame(258, new Uint8Array([9, 8]))]).toEqual([0, 0, 1, 2, 9, 8]);
    expect([...encodeFrame(2 ** 32 - 1, new Uint8Array())]).toEqual([255, 255, 255, 255]);
  });
});

describe('FrameCutter', () => {
  it('cuts frames of at most maxBytes that never split a 16-bit stereo sample, and flushes the rest', () => {
    const cutter = new FrameCutter(10);
    const frames = cutter.push(new Uint8Array(27).map((_, i) => i));
    expect(frames.map((f) => f.byteLength)).toEqual([8, 8, 8]);
    expect(frames.every((f) => f.byteLength % 4 === 0)).toBe(true);
    expect(cutter.push(new Uint8Array([27]))).toEqual([new Uint8Array([24, 25, 26, 27])]);
    expect(cutter.push(new Uint8Array([28, 29]))).toEqual([]);
    expect(cutter.flush()).toEqual([new Uint8Array([28, 29])]);
    expect(cutter.flush()).toEqual([]);
  });

  it('keeps every byte in order across odd chunk sizes', () => {
    const cutter = new FrameCutter(16);
    const input = new Uint8Array(1000).map((_, i) => i % 251);
    const out: number[] = [];
    for (let offset = 0; offset < input.length; offset += 7) for (const frame of cutter.push(input.slice(offset, offset + 7))) out.push(...frame);
    for (const frame of cutter.flush()) out.push(...frame);
    expect(out).toEqual([...input]);
  });
});

describe('bytesPerSecondOf', () => {
  it('reads PCM formats by name and WAV by its header; unknown for compressed audio', () => {
    expect(bytesPerSecondOf('pcm_s16le_16000_mono')).toBe(32_000);
    expect(bytesPerSecondOf('pcm_s16le_48000_stereo')).toBe(192_000);
    const wav = new Uint8Array(44);
    new DataView(wav.buffer).setUint32(28, 88_200, true);
    expect(bytesPerSecondOf('wav', wav)).toBe(88_200);
    expect(bytesPerSecondOf('wav', new Uint8Array(10))).toBeNull();
    expect(bytesPerSecondOf('webm')).toBeNull();
  });
});
