import { describe, expect, it } from 'vitest';
import { createOggOpusMuxer, OGG_PAGE_FLAGS } from './ogg-opus-muxer';
import { readOggPages } from './ogg-pages';

/** 20 ms CELT fullband mono packets (TOC 0xF8) of n bytes each. */
const packet = (n: number, fill = 1) => Buffer.concat([Buffer.from([0xf8]), Buffer.alloc(n - 1, fill)]);

function stream(packets: Buffer[], maxPacketsPerPage = 50): Buffer {
  const muxer = createOggOpusMuxer({ channels: 1, preSkip: 312, inputSampleRate: 48000 }, { maxPacketsPerPage, serial: 7 });
  const out: Buffer[] = [];
  for (const p of packets) out.push(...muxer.addPacket(p));
  return Buffer.concat([...out, ...muxer.finish()]);
}

describe('readOggPages', () => {
  it('reads back the headers, packets, granules, sequence numbers and a valid CRC on every page', () => {
    const packets = Array.from({ length: 12 }, (_, i) => packet(20 + i, i));
    const pages = readOggPages(stream(packets, 5));
    expect(pages.every((p) => p.crcValid && p.serial === 7)).toBe(true);
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i));
    expect(pages[0]!.flags & OGG_PAGE_FLAGS.bos).toBeTruthy();
    expect(pages[0]!.packets[0]!.toString('latin1', 0, 8)).toBe('OpusHead');
    expect(pages[1]!.packets[0]!.toString('latin1', 0, 8)).toBe('OpusTags');
    expect(pages.slice(2).flatMap((p) => p.packets)).toEqual(packets);
    expect(pages.at(-1)!.flags & OGG_PAGE_FLAGS.eos).toBeTruthy();
    expect(pages.at(-1)!.granulePosition).toBe(BigInt(12 * 960));
  });

  it('reads packets of 255 bytes and more (lacing values of 255 continue a packet)', () => {
    const packets = [packet(255), packet(510), packet(600), packet(1)];
    expect(readOggPages(stream(packets)).slice(2).flatMap((p) => p.packets)).toEqual(packets);
  });

  it('stops at the first incomplete page, so a file cut mid-page keeps its intact pages', () => {
    const whole = stream(Array.from({ length: 30 }, () => packet(40)), 10);
    const pages = readOggPages(whole);
    const cut = whole.subarray(0, pages.at(-1)!.offset + 10);
    expect(readOggPages(cut)).toHaveLength(pages.length - 1);
    expect(readOggPages(Buffer.concat([cut, Buffer.from('garbage')]))).toHaveLength(pages.length - 1);
  });

  it('flags a page whose bytes changed (CRC mismatch) without dropping it', () => {
    const file = Buffer.from(stream([packet(40), packet(40)]));
    const last = readOggPages(file).at(-1)!;
    file[last.offset + last.length - 1] = file[last.offset + last.length - 1]! ^ 0xff;
    const after = readOggPages(file);
    expect(after.at(-1)!.crcValid).toBe(false);
    expect(after.slice(0, -1).every((p) => p.crcValid)).toBe(true);
  });

  it('finds nothing in bytes that are not Ogg', () => {
    expect(readOggPages(Buffer.from('not an ogg file at all, just text'))).toEqual([]);
    expect(readOggPages(Buffer.alloc(0))).toEqual([]);
  });
});
