import { describe, expect, it } from 'vitest';
import { createOpusDemuxer } from './demux';
import { createOggOpusMuxer } from './ogg-opus-muxer';
import { readOggPages } from './ogg-pages';

function oggWith(packets: Buffer[]): Buffer {
  const muxer = createOggOpusMuxer({ channels: 1, preSkip: 312, inputSampleRate: 16000 }, { maxPacketsPerPage: 7 });
  const out: Buffer[] = [];
  for (const p of packets) out.push(...muxer.addPacket(p));
  return Buffer.concat([...out, ...muxer.finish()]);
}

const packets = Array.from({ length: 40 }, (_, i) => Buffer.concat([Buffer.from([0x48]), Buffer.alloc(30 + (i % 9), i)]));

describe('createOpusDemuxer (Ogg)', () => {
  it('gives every packet and the OpusHead, whatever the chunk boundaries', () => {
    const file = oggWith(packets);
    for (const size of [1, 13, 100, 4096]) {
      const demuxer = createOpusDemuxer('ogg');
      const out: Buffer[] = [];
      for (let at = 0; at < file.length; at += size) out.push(...demuxer.push(file.subarray(at, at + size)));
      expect(out).toEqual(packets);
      expect(demuxer.head?.toString('latin1', 0, 8)).toBe('OpusHead');
    }
  });

  it('continues from a saved state (JSON) in the middle of a page', () => {
    const file = oggWith(packets);
    const first = createOpusDemuxer('ogg');
    const out = first.push(file.subarray(0, 333));
    const second = createOpusDemuxer('ogg', JSON.parse(JSON.stringify(first.state())));
    out.push(...second.push(file.subarray(333)));
    expect(out).toEqual(packets);
  });

  it('refuses bytes that are not Ogg with UNSUPPORTED_MEDIA and is unchanged afterwards', () => {
    const file = oggWith(packets);
    const boundary = readOggPages(file)[3]!.offset;
    const demuxer = createOpusDemuxer('ogg');
    const out = demuxer.push(file.subarray(0, boundary));
    expect(() => demuxer.push(Buffer.from('definitely not an ogg page here'))).toThrow(expect.objectContaining({ key: 'UNSUPPORTED_MEDIA' }));
    out.push(...demuxer.push(file.subarray(boundary)));
    expect(out).toEqual(packets);
  });
});

describe('createOpusDemuxer (WebM)', () => {
  it('waits for more bytes on a partial EBML header instead of failing, and saves that as state', () => {
    const demuxer = createOpusDemuxer('webm');
    expect(demuxer.push(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))).toEqual([]);
    expect(demuxer.head).toBeNull();
    expect(JSON.parse(JSON.stringify(demuxer.state()))).toMatchObject({ kind: 'webm', head: null });
  });
});
