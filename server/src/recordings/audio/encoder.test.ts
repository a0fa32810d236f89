import prism from 'prism-media';
import { describe, expect, it } from 'vitest';
import { createLiveEncoder, type LiveEncoder } from './encoder';
import { ENCODER_PRE_SKIP, parseInputFormat } from './formats';
import { createOggOpusMuxer, decodeOpusHead, OGG_PAGE_FLAGS } from './ogg-opus-muxer';
import { readOggPages } from './ogg-pages';
import { int16ToBuffer } from './pcm';

/** A second of a gliding tone with a little noise: enough like speech to exercise the encoder. */
function testSignal(rate: number, seconds: number, channels = 1): Buffer {
  const frames = rate * seconds;
  const out = new Int16Array(frames * channels);
  for (let n = 0; n < frames; n++) {
    const t = n / rate;
    const v = 8000 * Math.sin(2 * Math.PI * (200 + 100 * Math.sin(t)) * t) + 500 * (Math.random() - 0.5);
    for (let c = 0; c < channels; c++) out[n * channels + c] = Math.round(v);
  }
  return int16ToBuffer(out);
}

function pushInFrames(encoder: LiveEncoder, input: Buffer, frameBytes: number, from = 0, to = input.length): Buffer[] {
  const out: Buffer[] = [];
  for (let i = from; i < to; i += frameBytes) {
    out.push(...encoder.push(input.subarray(i, Math.min(i + frameBytes, to))));
    out.push(...encoder.flush());
  }
  return out;
}

function decodeTo48k(file: Buffer): Int16Array {
  const decoder = new prism.opus.Decoder({ rate: 48000, channels: 1, frameSize: 960 }) as unknown as { _decode(p: Buffer): Buffer };
  const parts = readOggPages(file).slice(2).flatMap((page) => page.packets.map((p) => decoder._decode(p)));
  const pcm = Buffer.concat(parts);
  return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
}

describe('parseInputFormat', () => {
  it('accepts pcm_s16le_<rate>_<mono|stereo>, webm and ogg', () => {
    expect(parseInputFormat('pcm_s16le_16000_mono')).toEqual({ kind: 'pcm', sampleRate: 16000, channels: 1 });
    expect(parseInputFormat('pcm_s16le_48000_stereo')).toEqual({ kind: 'pcm', sampleRate: 48000, channels: 2 });
    expect(parseInputFormat('webm')).toEqual({ kind: 'webm' });
    expect(parseInputFormat('ogg')).toEqual({ kind: 'ogg' });
    expect(parseInputFormat('pcm_s16le_11025_mono')).toBeNull();
    expect(parseInputFormat('mp3')).toBeNull();
  });

  it('refuses an unknown format when creating an encoder', () => {
    expect(() => createLiveEncoder({ inputFormat: 'flac' })).toThrow(/Unknown audio format/);
  });
});

describe('createLiveEncoder (PCM)', () => {
  it('makes 20 ms mono Opus packets in a valid Ogg stream with the full duration', () => {
    const encoder = createLiveEncoder({ inputFormat: 'pcm_s16le_16000_mono' });
    const input = testSignal(16000, 3);
    const file = Buffer.concat([...pushInFrames(encoder, input, 3200), ...encoder.finish()]);
    const pages = readOggPages(file);
    expect(pages.every((p) => p.crcValid)).toBe(true);
    expect(decodeOpusHead(pages[0]!.packets[0]!)).toMatchObject({ channelCount: 1, inputSampleRate: 16000, preSkip: ENCODER_PRE_SKIP });
    expect(pages.at(-1)!.flags & OGG_PAGE_FLAGS.eos).toBeTruthy();
    expect(pages.at(-1)!.granulePosition).toBe(BigInt(ENCODER_PRE_SKIP + 3 * 48000));
    expect(encoder.durationMs).toBe(3000);
    expect(encoder.bytes).toBe(file.length);
    const bitrate = (file.length * 8) / 3;
    expect(bitrate).toBeGreaterThan(12000);
    expect(bitrate).toBeLessThan(36000);
  });

  it("delays audio by exactly the pre-skip it declares (the encoder's lookahead)", () => {
    const click = new Int16Array(16000);
    click[8000] = 30000;
    const encoder = createLiveEncoder({ inputFormat: 'pcm_s16le_16000_mono' });
    const file = Buffer.concat([...encoder.push(int16ToBuffer(click)), ...encoder.finish()]);
    const decoded = decodeTo48k(file);
    let peak = 0;
    for (let i = 1; i < decoded.length; i++) if (Math.abs(decoded[i]!) > Math.abs(decoded[peak]!)) peak = i;
    expect(Math.abs(peak - ENCODER_PRE_SKIP - 8000 * 3)).toBeLessThanOrEqual(6);
  });

  it('downmixes and resamples 48 kHz stereo to the same stored format', () => {
    const encoder = createLiveEncoder({ inputFormat: 'pcm_s16le_48000_stereo' });
    const input = testSignal(48000, 2, 2);
    const file = Buffer.concat([...pushInFrames(encoder, input, 19200 + 2), ...encoder.finish()]);
    expect(decodeOpusHead(readOggPages(file)[0]!.packets[0]!)).toMatchObject({ channelCount: 1, inputSampleRate: 16000 });
    expect(encoder.durationMs).toBe(2000);
  });

  it('resumes from a JSON state into the same file: full duration, continuous pages', () => {
    const input = testSignal(24000, 4);
    const first = createLiveEncoder({ inputFormat: 'pcm_s16le_24000_mono' });
    const half = pushInFrames(first, input, 4801, 0, 96_001); // odd sizes: a sample split across the cut
    const state = JSON.parse(JSON.stringify(first.state()));
    expect(state.muxer.bytes).toBe(Buffer.concat(half).length);
    const second = createLiveEncoder({ inputFormat: 'pcm_s16le_24000_mono', resumeState: state });
    const rest = [...pushInFrames(second, input, 4801, 96_001), ...second.finish()];
    const pages = readOggPages(Buffer.concat([...half, ...rest]));
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i));
    expect(new Set(pages.map((p) => p.serial)).size).toBe(1);
    expect(pages.every((p) => p.crcValid)).toBe(true);
    expect(second.durationMs).toBe(4000);
    expect(pages.at(-1)!.granulePosition).toBe(BigInt(ENCODER_PRE_SKIP + 4 * 48000));
  });
});

describe('createLiveEncoder (Opus input)', () => {
  function oggOf(channels: 1 | 2, seconds: number, bitrate = 20_000): Buffer {
    const opus = new prism.opus.Encoder({ rate: 48000, channels, frameSize: 960 }) as unknown as { _encode(b: Buffer): Buffer; setBitrate(b: number): void };
    opus.setBitrate(bitrate);
    const muxer = createOggOpusMuxer({ channels, preSkip: 312, inputSampleRate: 48000 });
    const pcm = testSignal(48000, seconds, channels);
    const out: Buffer[] = [];
    for (let i = 0; i + 1920 * channels <= pcm.length; i += 1920 * channels) out.push(...muxer.addPacket(opus._encode(pcm.subarray(i, i + 1920 * channels))));
    return Buffer.concat([...out, ...muxer.finish()]);
  }

  it('copies mono Opus packets untouched (passthrough), in chunks of any size', () => {
    const source = oggOf(1, 2);
    const encoder = createLiveEncoder({ inputFormat: 'ogg' });
    const out = pushInFrames(encoder, source, 777);
    out.push(...encoder.finish());
    expect(encoder.mode).toBe('passthrough');
    const packets = (file: Buffer) => readOggPages(file).slice(2).flatMap((p) => p.packets.map((x) => x.toString('hex')));
    expect(packets(Buffer.concat(out))).toEqual(packets(source));
    expect(encoder.durationMs).toBe(Math.round((2 * 48000 - 312) / 48)); // the source's packets minus its pre-skip
  });

  it('resumes an Ogg/Opus passthrough stream cut in the middle of a page', () => {
    const source = oggOf(1, 2);
    const first = createLiveEncoder({ inputFormat: 'ogg' });
    const half = pushInFrames(first, source, 1000, 0, 7000);
    const second = createLiveEncoder({ inputFormat: 'ogg', resumeState: JSON.parse(JSON.stringify(first.state())) });
    const rest = [...pushInFrames(second, source, 1000, 7000), ...second.finish()];
    const pages = readOggPages(Buffer.concat([...half, ...rest]));
    expect(pages.every((p) => p.crcValid)).toBe(true);
    expect(pages.at(-1)!.granulePosition).toBe(BigInt(2 * 48000)); // 100 packets of 20 ms, as in the source
  });

  it('re-encodes mono Opus above the stored bitrate to 16 kHz mono', () => {
    const encoder = createLiveEncoder({ inputFormat: 'ogg' });
    const file = Buffer.concat([...pushInFrames(encoder, oggOf(1, 2, 96_000), 4096), ...encoder.finish()]);
    expect(encoder.mode).toBe('encode');
    expect(decodeOpusHead(readOggPages(file)[0]!.packets[0]!)).toMatchObject({ channelCount: 1, inputSampleRate: 16000 });
    expect(Math.abs(encoder.durationMs - 2000)).toBeLessThanOrEqual(10);
  });

  it('turns to re-encoding, in the same Ogg stream, a copied stream whose bitrate rises above the stored one', () => {
    const opus = new prism.opus.Encoder({ rate: 48000, channels: 1, frameSize: 960 }) as unknown as { _encode(b: Buffer): Buffer; setBitrate(b: number): void };
    const muxer = createOggOpusMuxer({ channels: 1, preSkip: 312, inputSampleRate: 48000 });
    const pcm = testSignal(48000, 6);
    const source: Buffer[] = [];
    for (let f = 0; f < 300; f++) {
      opus.setBitrate(f < 100 ? 16_000 : 128_000);
      source.push(...muxer.addPacket(opus._encode(pcm.subarray(f * 1920, (f + 1) * 1920))));
    }
    source.push(...muxer.finish());
    const encoder = createLiveEncoder({ inputFormat: 'ogg' });
    const out = pushInFrames(encoder, Buffer.concat(source), 2000);
    const resumed = createLiveEncoder({ inputFormat: 'ogg', resumeState: JSON.parse(JSON.stringify(encoder.state())) });
    const file = Buffer.concat([...out, ...resumed.finish()]);
    expect(resumed.mode).toBe('encode');
    const pages = readOggPages(file);
    expect(pages.every((p) => p.crcValid)).toBe(true);
    expect(Math.abs(resumed.durationMs - 6000)).toBeLessThanOrEqual(40);
    const bitrate = (file.length * 8) / 6;
    expect(bitrate).toBeLessThan(40_000); // 128 kbit/s copied for 4 s would be ~90 kbit/s overall
  });

  it('re-encodes stereo Opus to 16 kHz mono', () => {
    const encoder = createLiveEncoder({ inputFormat: 'ogg' });
    const file = Buffer.concat([...pushInFrames(encoder, oggOf(2, 2), 4096), ...encoder.finish()]);
    expect(encoder.mode).toBe('encode');
    expect(decodeOpusHead(readOggPages(file)[0]!.packets[0]!)).toMatchObject({ channelCount: 1, inputSampleRate: 16000 });
    expect(Math.abs(encoder.durationMs - 2000)).toBeLessThanOrEqual(10);
  });

  it('rejects data that is not Ogg with UNSUPPORTED_MEDIA', () => {
    const encoder = createLiveEncoder({ inputFormat: 'ogg' });
    expect(() => encoder.push(Buffer.from('this is not an ogg stream at all'))).toThrow(expect.objectContaining({ key: 'UNSUPPORTED_MEDIA' }));
  });
});

describe('createLiveEncoder (bad frames)', () => {
  it('rejects a garbage Ogg chunk without losing the stream around it', () => {
    const opus = new prism.opus.Encoder({ rate: 16000, channels: 1, frameSize: 320 }) as unknown as { _encode(b: Buffer): Buffer };
    const muxer = createOggOpusMuxer({ channels: 1, preSkip: 312, inputSampleRate: 16000 });
    const pcm = Buffer.alloc(640);
    const pages: Buffer[] = [];
    for (let i = 0; i < 50; i++) pages.push(...muxer.addPacket(opus._encode(pcm)));
    const source = Buffer.concat([...pages, ...muxer.finish()]);
    const encoder = createLiveEncoder({ inputFormat: 'ogg' });
    const out = [...encoder.push(source.subarray(0, 1000))];
    expect(() => encoder.push(Buffer.from('garbage garbage garbage garbage'))).toThrow(expect.objectContaining({ key: 'UNSUPPORTED_MEDIA' }));
    out.push(...encoder.push(source.subarray(1000)), ...encoder.finish());
    const packets = readOggPages(Buffer.concat(out)).slice(2).flatMap((p) => p.packets);
    expect(packets).toHaveLength(50);
  });
});
