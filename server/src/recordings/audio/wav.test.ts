import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors';
import { createWavReader } from './wav';

function wav(options: { tag?: number; channels?: number; rate?: number; bits: number; data: Buffer; extra?: Buffer; extensible?: boolean }): Buffer {
  const channels = options.channels ?? 1;
  const rate = options.rate ?? 16000;
  const fmt = Buffer.alloc(options.extensible ? 40 : 16);
  fmt.writeUInt16LE(options.extensible ? 0xfffe : (options.tag ?? 1), 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE((rate * channels * options.bits) / 8, 8);
  fmt.writeUInt16LE((channels * options.bits) / 8, 12);
  fmt.writeUInt16LE(options.bits, 14);
  if (options.extensible) fmt.writeUInt16LE(options.tag ?? 1, 24);
  const chunk = (id: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(body.length, 4);
    return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), options.extra ?? Buffer.alloc(0), chunk('data', options.data)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

function readAll(file: Buffer, step = file.length): { samples: number[]; reader: ReturnType<typeof createWavReader> } {
  const reader = createWavReader();
  const samples: number[] = [];
  for (let i = 0; i < file.length; i += step) {
    const out = reader.read(file.subarray(i, i + step));
    for (let j = 0; j < out.length; j += 2) samples.push(out.readInt16LE(j));
  }
  return { samples, reader };
}

const s16 = (values: number[]) => Buffer.from(Int16Array.from(values).buffer);

describe('createWavReader', () => {
  it('reads 16-bit PCM fed one byte at a time, skipping other chunks (odd sizes padded)', () => {
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.alloc(1)]);
    const { samples, reader } = readAll(wav({ bits: 16, data: s16([1, -2, 300, -32768]), extra: list }), 1);
    expect(samples).toEqual([1, -2, 300, -32768]);
    expect(reader.format).toEqual({ sampleRate: 16000, channels: 1, bitsPerSample: 16, encoding: 'int' });
  });

  it('converts 8-, 24- and 32-bit integer and 32-bit float samples to 16 bits', () => {
    expect(readAll(wav({ bits: 8, data: Buffer.from([128, 255, 0]) })).samples).toEqual([0, 127 << 8, -32768]);
    const s24 = Buffer.from([0x00, 0x00, 0x40, 0xff, 0xff, 0xff]); // 0x400000, -1
    expect(readAll(wav({ bits: 24, data: s24 }), 4).samples).toEqual([0x4000, -1]);
    const s32 = Buffer.alloc(8);
    s32.writeInt32LE(0x12345678, 0);
    s32.writeInt32LE(-0x80000000, 4);
    expect(readAll(wav({ bits: 32, data: s32 })).samples).toEqual([0x1234, -32768]);
    const f32 = Buffer.alloc(12);
    [0.5, -1, 2].forEach((v, i) => f32.writeFloatLE(v, i * 4));
    expect(readAll(wav({ tag: 3, bits: 32, data: f32, extensible: true }), 5).samples).toEqual([16384, -32767, 32767]);
  });

  it('stops at the end of the data chunk and ignores what follows', () => {
    const file = Buffer.concat([wav({ bits: 16, data: s16([5, 6]) }), Buffer.from('JUNK\x04\x00\x00\x00abcd', 'latin1')]);
    expect(readAll(file, 3).samples).toEqual([5, 6]);
  });

  it('reports stereo and the sample rate for the PCM stage', () => {
    const { reader, samples } = readAll(wav({ bits: 16, channels: 2, rate: 48000, data: s16([1, 2, 3, 4]) }));
    expect(reader.format).toMatchObject({ channels: 2, sampleRate: 48000 });
    expect(samples).toEqual([1, 2, 3, 4]);
  });

  it('refuses what is not a WAV or not PCM, with a message saying why', () => {
    const err = (file: Buffer) => {
      try {
        readAll(file);
      } catch (error) {
        return error as AppError;
      }
      throw new Error('expected an error');
    };
    expect(err(Buffer.from('RIFX....WAVEfmt '))).toMatchObject({ key: 'UNSUPPORTED_MEDIA', message: 'Not a RIFF/WAVE file' });
    expect(err(wav({ tag: 2, bits: 4, data: Buffer.alloc(4) })).message).toMatch(/encoding 2 is not supported/);
    expect(err(wav({ tag: 3, bits: 16, data: Buffer.alloc(4) })).message).toMatch(/16-bit float/);
  });
});
