import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { readOggPages } from '../audio/ogg-pages';
import { EncoderPool } from './encoder-pool';
import { createInlineEncoder } from './batch';
import { AppError } from '../../errors';
import { DEFAULT_AUDIO_LIMITS } from '../audio/limits';
import { oggBomb } from '../../../../test/helpers/opus-streams';

/** Two seconds of a gliding tone, as 100 ms frames of 16 kHz mono s16le. */
function frames(): Buffer[] {
  const out: Buffer[] = [];
  for (let f = 0; f < 20; f++) {
    const frame = Buffer.alloc(3200);
    for (let i = 0; i < 1600; i++) {
      const t = (f * 1600 + i) / 16000;
      frame.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * (200 + 100 * t) * t)), i * 2);
    }
    out.push(frame);
  }
  return out;
}

const packetsOf = (bytes: Uint8Array[]) => readOggPages(Buffer.concat(bytes)).flatMap((page) => page.packets.map((p) => p.toString('hex')));

describe('the encoder threads', () => {
  const pool = new EncoderPool(2, pino({ level: 'silent' }));
  afterAll(() => pool.close());

  it('make the same Opus packets, duration and resume state as encoding on the main thread', async () => {
    const inThread = await pool.open('pcm_s16le_16000_mono', null);
    const inline = createInlineEncoder('pcm_s16le_16000_mono', null);
    const a: Uint8Array[] = [];
    const b: Uint8Array[] = [];
    const input = frames();
    for (let i = 0; i < input.length; i += 4) {
      const batch = input.slice(i, i + 4);
      const [x, y] = await Promise.all([inThread.encode(batch), inline.encode(batch)]);
      expect(x.accepted).toBe(batch.length);
      expect(x.durationMs).toBe(y.durationMs);
      expect({ ...x.state, muxer: { ...x.state!.muxer, serial: 0 } }).toEqual({ ...y.state, muxer: { ...y.state!.muxer, serial: 0 } });
      a.push(x.bytes);
      b.push(y.bytes);
    }
    const [endA, endB] = await Promise.all([inThread.finish(), inline.finish()]);
    expect(endA.durationMs).toBe(2000);
    expect(endB.durationMs).toBe(2000);
    expect(packetsOf([...a, endA.bytes])).toEqual(packetsOf([...b, endB.bytes]));
  });

  it('share recordings that open at the same moment evenly between the threads', async () => {
    const pool = new EncoderPool(2, pino({ level: 'silent' }));
    try {
      const encoders = await Promise.all(Array.from({ length: 10 }, () => pool.open('pcm_s16le_16000_mono', null)));
      expect(pool.load()).toEqual([5, 5]);
      for (const encoder of encoders.slice(0, 4)) encoder.close();
      const more = await Promise.all(Array.from({ length: 2 }, () => pool.open('pcm_s16le_16000_mono', null)));
      expect(pool.load().reduce((a, b) => a! + b!, 0)).toBe(8);
      expect(Math.abs(pool.load()[0]! - pool.load()[1]!)).toBeLessThanOrEqual(2);
      for (const encoder of [...encoders.slice(4), ...more]) encoder.close();
      expect(pool.load()).toEqual([0, 0]);
    } finally {
      await pool.close();
    }
  });

  it('survive a crashed thread: its encoders fail, new ones work', async () => {
    const before = await pool.open('pcm_s16le_16000_mono', null);
    pool.crashThreads();
    await expect(before.encode(frames().slice(0, 1))).rejects.toThrow('The audio encoder stopped');
    const after = await pool.open('pcm_s16le_16000_mono', null);
    const result = await after.encode(frames().slice(0, 5));
    expect(result.durationMs).toBe(500);
    after.close();
  });

  it('transcode uploads in a thread too, and bring a refusal back as the same AppError', async () => {
    const wav = Buffer.alloc(44 + 32000);
    wav.write('RIFF', 0, 'latin1');
    wav.writeUInt32LE(36 + 32000, 4);
    wav.write('WAVEfmt ', 8, 'latin1');
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(16000, 24);
    wav.writeUInt32LE(32000, 28);
    wav.writeUInt16LE(2, 32);
    wav.writeUInt16LE(16, 34);
    wav.write('data', 36, 'latin1');
    wav.writeUInt32LE(32000, 40);
    Buffer.concat(frames().slice(0, 10)).copy(wav, 44);
    const upload = await pool.openFile('wav', DEFAULT_AUDIO_LIMITS);
    const pages = [await upload.push(wav.subarray(0, 1000)), await upload.push(wav.subarray(1000))];
    const end = await upload.finish();
    expect(end.durationMs).toBe(1000);
    expect(readOggPages(Buffer.concat([...pages, end.bytes])).every((page) => page.crcValid)).toBe(true);

    const bomb = await pool.openFile('ogg-opus', DEFAULT_AUDIO_LIMITS);
    const refusal = await bomb.push(oggBomb()).then(() => null, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ key: 'AUDIO_TOO_DENSE' });
    bomb.close();
    expect(pool.load().every((n) => n === null || n === 0)).toBe(true);
  });
});
