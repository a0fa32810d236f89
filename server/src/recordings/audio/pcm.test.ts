import { describe, expect, it } from 'vitest';
import { createFramer, createPcmReader, createResampler, downmixToMono, int16ToBuffer } from './pcm';

function sine(freq: number, rate: number, samples: number, amplitude = 10000): Int16Array {
  return Int16Array.from({ length: samples }, (_, n) => Math.round(amplitude * Math.sin((2 * Math.PI * freq * n) / rate)));
}

function rms(samples: Int16Array, skip = 0): number {
  let sum = 0;
  for (let i = skip; i < samples.length - skip; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / (samples.length - 2 * skip));
}

function resampleInChunks(input: Int16Array, inRate: number, outRate: number, chunk: number): Int16Array {
  const resampler = createResampler(inRate, outRate);
  const parts: number[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(...resampler.process(input.subarray(i, i + chunk)));
  parts.push(...resampler.end());
  return Int16Array.from(parts);
}

describe('PCM framing and downmix', () => {
  it('averages stereo channels into mono', () => {
    expect([...downmixToMono(Int16Array.from([100, 300, -50, 50, 32767, 32767]), 2)]).toEqual([200, 0, 32767]);
  });

  it('reads s16le bytes split anywhere, even inside a sample frame', () => {
    const reader = createPcmReader(2);
    const bytes = int16ToBuffer(Int16Array.from([10, 20, 30, 40, 50, 70]));
    const out = [...reader.read(bytes.subarray(0, 3)), ...reader.read(bytes.subarray(3, 9)), ...reader.read(bytes.subarray(9))];
    expect(out).toEqual([15, 35, 60]);
    expect(reader.leftover().length).toBe(0);
  });

  it('cuts samples into fixed frames and keeps the remainder', () => {
    const framer = createFramer(4);
    expect(framer.push(Int16Array.from([1, 2, 3])).length).toBe(0);
    const frames = framer.push(Int16Array.from([4, 5, 6, 7, 8, 9]));
    expect(frames.map((f) => [...f])).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect([...framer.remainder()]).toEqual([9]);
  });
});

describe('createResampler', () => {
  it('passes 16 kHz through untouched', () => {
    const input = sine(440, 16000, 1000);
    expect(createResampler(16000, 16000).process(input)).toBe(input);
  });

  it('turns one second at 48 kHz into exactly one second at 16 kHz, keeping a 1 kHz tone', () => {
    const out = resampleInChunks(sine(1000, 48000, 48000), 48000, 16000, 4800);
    expect(out.length).toBe(16000);
    expect(rms(out, 100) / rms(sine(1000, 16000, 16000), 100)).toBeCloseTo(1, 1);
  });

  it('removes what 16 kHz cannot hold instead of aliasing it (12 kHz tone at 48 kHz)', () => {
    const out = resampleInChunks(sine(12000, 48000, 48000), 48000, 16000, 960);
    expect(rms(out, 100)).toBeLessThan(rms(sine(12000, 48000, 48000)) / 300); // < -50 dB
  });

  it('upsamples 8 kHz and converts 44.1 kHz with the exact number of samples', () => {
    expect(resampleInChunks(sine(500, 8000, 8000), 8000, 16000, 333).length).toBe(16000);
    expect(resampleInChunks(sine(500, 44100, 44100), 44100, 16000, 4410).length).toBe(16000);
    expect(resampleInChunks(sine(500, 24000, 2401), 24000, 16000, 100).length).toBe(1601);
  });

  it('gives the same samples however the input is chunked', () => {
    const input = sine(700, 48000, 9600);
    expect([...resampleInChunks(input, 48000, 16000, 7)]).toEqual([...resampleInChunks(input, 48000, 16000, 9600)]);
  });

  it('continues from a saved state without a seam', () => {
    const input = sine(300, 24000, 24000);
    const whole = resampleInChunks(input, 24000, 16000, 24000);
    const first = createResampler(24000, 16000);
    const a = first.process(input.subarray(0, 10001));
    const second = createResampler(24000, 16000, JSON.parse(JSON.stringify(first.state())));
    const b = second.process(input.subarray(10001));
    const joined = [...a, ...b, ...second.end()];
    expect(joined).toEqual([...whole]);
  });
});
