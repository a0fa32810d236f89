import { describe, expect, it } from 'vitest';
import { createOggOpusMuxer, decodeOpusHead, OGG_PAGE_FLAGS } from './ogg-opus-muxer';
import { readOggPages } from './ogg-pages';

const HEAD = { channels: 1 as const, preSkip: 312, inputSampleRate: 16000 };

/** A fake 20 ms SILK wideband mono packet (TOC config 9, code 0) of `size` bytes. */
function packet20ms(size = 60, fill = 0x55): Buffer {
  const p = Buffer.alloc(size, fill);
  p[0] = 9 << 3;
  return p;
}

describe('createOggOpusMuxer', () => {
  it('starts with an OpusHead page (BOS) and an OpusTags page, both at granule 0', () => {
    const muxer = createOggOpusMuxer(HEAD, { serial: 1234 });
    const pages = readOggPages(Buffer.concat([...muxer.addPacket(packet20ms()), ...muxer.flush()]));
    expect(pages[0]!.flags).toBe(OGG_PAGE_FLAGS.bos);
    expect(pages[0]!.granulePosition).toBe(0n);
    expect(decodeOpusHead(pages[0]!.packets[0]!)).toMatchObject({ channelCount: 1, preSkip: 312, inputSampleRate: 16000, mappingFamily: 0 });
    expect(pages[1]!.packets[0]!.toString('latin1', 0, 8)).toBe('OpusTags');
    expect(pages[1]!.granulePosition).toBe(0n);
    expect(pages.map((p) => p.sequence)).toEqual([0, 1, 2]);
    expect(pages.every((p) => p.serial === 1234 && p.crcValid)).toBe(true);
  });

  it('sets each page granule to the 48 kHz samples of every packet completed so far', () => {
    const muxer = createOggOpusMuxer(HEAD);
    const out: Buffer[] = [];
    for (let i = 0; i < 3; i++) out.push(...muxer.addPacket(packet20ms()));
    out.push(...muxer.flush());
    for (let i = 0; i < 2; i++) out.push(...muxer.addPacket(packet20ms()));
    out.push(...muxer.flush());
    const audio = readOggPages(Buffer.concat(out)).slice(2);
    expect(audio.map((p) => p.granulePosition)).toEqual([2880n, 4800n]);
    expect(audio.map((p) => p.packets.length)).toEqual([3, 2]);
  });

  it('laces packets of 255 bytes and more with a terminating segment', () => {
    const muxer = createOggOpusMuxer(HEAD);
    const sizes = [254, 255, 510, 600];
    const out = sizes.flatMap((size) => muxer.addPacket(packet20ms(size)));
    out.push(...muxer.flush());
    const audio = readOggPages(Buffer.concat(out))[2]!;
    expect(audio.packets.map((p) => p.length)).toEqual(sizes);
    expect(audio.crcValid).toBe(true);
  });

  it('starts a new page before 255 lacing values or the packet limit', () => {
    const muxer = createOggOpusMuxer(HEAD, { maxPacketsPerPage: 1000 });
    const out: Buffer[] = [];
    for (let i = 0; i < 100; i++) out.push(...muxer.addPacket(packet20ms(600))); // 3 lacing values each
    out.push(...muxer.flush());
    const audio = readOggPages(Buffer.concat(out)).slice(2);
    expect(audio.map((p) => p.packets.length)).toEqual([85, 15]);

    const limited = createOggOpusMuxer(HEAD);
    const pages = Array.from({ length: 120 }, () => limited.addPacket(packet20ms())).flat();
    expect(readOggPages(Buffer.concat(pages)).slice(2).map((p) => p.packets.length)).toEqual([50, 50]);
  });

  it('ends with an EOS page whose granule trims the padding of the last packet', () => {
    const muxer = createOggOpusMuxer(HEAD);
    const out = [...muxer.addPacket(packet20ms()), ...muxer.addPacket(packet20ms())];
    out.push(...muxer.finish(312 + 1000));
    const pages = readOggPages(Buffer.concat(out));
    const last = pages.at(-1)!;
    expect(last.flags & OGG_PAGE_FLAGS.eos).toBe(OGG_PAGE_FLAGS.eos);
    expect(last.granulePosition).toBe(1312n);
    expect(muxer.flush()).toEqual([]);
    expect(() => muxer.addPacket(packet20ms())).toThrow();
  });

  it('writes a valid stream (headers + EOS page) even when no audio was added', () => {
    const pages = readOggPages(Buffer.concat(createOggOpusMuxer(HEAD).finish()));
    expect(pages).toHaveLength(3);
    expect(pages.at(-1)!.flags).toBe(OGG_PAGE_FLAGS.eos);
  });

  it('continues the same stream from a JSON state, byte for byte as if never interrupted', () => {
    const run = (interrupt: boolean): Buffer => {
      let muxer = createOggOpusMuxer(HEAD, { serial: 77 });
      const out: Buffer[] = [];
      for (let i = 0; i < 120; i++) {
        out.push(...muxer.addPacket(packet20ms(40 + (i % 7), i)));
        if (i % 10 === 9) out.push(...muxer.flush());
        if (interrupt && i === 64) {
          const state = JSON.parse(JSON.stringify(muxer.state()));
          expect(state.bytes).toBe(Buffer.concat(out).length);
          muxer = createOggOpusMuxer(HEAD, { resumeFrom: state });
        }
      }
      out.push(...muxer.finish());
      return Buffer.concat(out);
    };
    const continuous = run(false);
    expect(run(true).equals(continuous)).toBe(true);
    const pages = readOggPages(continuous);
    expect(pages.every((p) => p.crcValid)).toBe(true);
    expect(pages.at(-1)!.granulePosition).toBe(120n * 960n);
  });

  it('can hold the newest packet back on flush so the EOS page always carries audio', () => {
    const muxer = createOggOpusMuxer(HEAD, { holdLastPacket: true });
    const out = [...muxer.addPacket(packet20ms()), ...muxer.addPacket(packet20ms()), ...muxer.flush()];
    expect(muxer.state().pendingPackets).toHaveLength(1);
    out.push(...muxer.finish());
    const audio = readOggPages(Buffer.concat(out)).slice(2);
    expect(audio.map((p) => [p.packets.length, p.granulePosition])).toEqual([[1, 960n], [1, 1920n]]);
    expect(audio[1]!.flags).toBe(OGG_PAGE_FLAGS.eos);
  });

  it('refuses malformed packets', () => {
    const muxer = createOggOpusMuxer(HEAD);
    expect(() => muxer.addPacket(Buffer.alloc(0))).toThrow(/Malformed/);
  });
});
