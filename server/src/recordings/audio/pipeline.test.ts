import { Readable, Writable } from 'node:stream';
import prism from 'prism-media';
import { describe, expect, it } from 'vitest';
import { oggBomb } from '../../../../test/helpers/opus-streams';
import { DEFAULT_AUDIO_LIMITS } from './limits';
import { createOggOpusMuxer, decodeOpusHead } from './ogg-opus-muxer';
import { readOggPages } from './ogg-pages';
import { sniffContainer, transcodeToOggOpus } from './pipeline';

function sink(): { stream: Writable; bytes(): Buffer } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
  });
  return { stream, bytes: () => Buffer.concat(parts) };
}

/** Two seconds of a tone as mono Ogg/Opus at `bitrate`, 48 kHz input. */
function toneOgg(bitrate: number): Buffer {
  const opus = new prism.opus.Encoder({ rate: 48000, channels: 1, frameSize: 960 }) as unknown as { _encode(b: Buffer): Buffer; setBitrate(b: number): void };
  opus.setBitrate(bitrate);
  const muxer = createOggOpusMuxer({ channels: 1, preSkip: 312, inputSampleRate: 48000 });
  const out: Buffer[] = [];
  for (let f = 0; f < 100; f++) {
    const pcm = Buffer.alloc(1920);
    for (let i = 0; i < 960; i++) pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 330 * (f * 960 + i)) / 48000)), i * 2);
    out.push(...muxer.addPacket(opus._encode(pcm)));
  }
  return Buffer.concat([...out, ...muxer.finish()]);
}

const chunked = (bytes: Buffer, size = 1000) => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

describe('sniffContainer', () => {
  it('recognises WAV, Ogg/Opus and WebM/Opus from the first bytes, and nothing else', () => {
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt ')]);
    expect(sniffContainer(wav)).toBe('wav');
    expect(sniffContainer(toneOgg(24000))).toBe('ogg-opus');
    expect(sniffContainer(Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.from('....A_OPUS....OpusHead')]))).toBe('webm-opus');
    expect(sniffContainer(Buffer.from('ID3\u0004 an mp3'))).toBe('other');
    expect(sniffContainer(Buffer.from('OggS but too short'))).toBe('other');
  });
});

describe('transcodeToOggOpus (inline transcoder)', () => {
  it('copies mono Opus at the stored bitrate and re-encodes it above, both as valid Ogg/Opus', async () => {
    for (const [bitrate, rate] of [[16000, 48000], [96000, 16000]] as const) {
      const out = sink();
      const result = await transcodeToOggOpus(chunked(toneOgg(bitrate)), {}, out.stream);
      const pages = readOggPages(out.bytes());
      expect(pages.every((p) => p.crcValid)).toBe(true);
      expect(decodeOpusHead(pages[0]!.packets[0]!)).toMatchObject({ channelCount: 1, inputSampleRate: rate });
      expect(result.bytes).toBe(out.bytes().length);
      expect(Math.abs(result.durationMs - 2000)).toBeLessThanOrEqual(20);
    }
  });

  it('refuses an empty file, a text file and the Opus bomb with a clear error', async () => {
    await expect(transcodeToOggOpus(Readable.from([]), {}, sink().stream)).rejects.toMatchObject({ key: 'UNSUPPORTED_MEDIA', message: 'The file is empty' });
    await expect(transcodeToOggOpus(Readable.from([Buffer.from('hello, these are my notes\n'.repeat(20))]), {}, sink().stream)).rejects.toMatchObject({
      message: 'This file is not audio',
    });
    await expect(transcodeToOggOpus(chunked(oggBomb(), 4096), {}, sink().stream, { limits: DEFAULT_AUDIO_LIMITS })).rejects.toMatchObject({ key: 'AUDIO_TOO_DENSE' });
  });
});
