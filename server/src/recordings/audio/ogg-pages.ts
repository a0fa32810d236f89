// Reads Ogg pages back (header fields, packets, CRC check): used to verify what the muxer wrote
// and to find the last intact page of a file whose writer died mid-page.
import { computeOggCrc } from './ogg-crc';

export type OggPage = {
  offset: number;
  length: number;
  flags: number;
  granulePosition: bigint;
  serial: number;
  sequence: number;
  crcValid: boolean;
  /** Packets completed on this page (this muxer never splits a packet across pages). */
  packets: Buffer[];
};

/** Parses consecutive pages; stops at the first incomplete or non-Ogg bytes. */
export function readOggPages(data: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let at = 0;
  while (at + 27 <= data.length && data.toString('latin1', at, at + 4) === 'OggS') {
    const segments = data[at + 26]!;
    if (at + 27 + segments > data.length) break;
    const lacing = data.subarray(at + 27, at + 27 + segments);
    const bodyLength = lacing.reduce((n, v) => n + v, 0);
    const length = 27 + segments + bodyLength;
    if (at + length > data.length) break;
    const page = Buffer.from(data.subarray(at, at + length));
    const storedCrc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    const packets: Buffer[] = [];
    let start = 27 + segments;
    let size = 0;
    for (const value of lacing) {
      size += value;
      if (value < 255) {
        packets.push(page.subarray(start, start + size));
        start += size;
        size = 0;
      }
    }
    pages.push({
      offset: at,
      length,
      flags: page[5]!,
      granulePosition: page.readBigInt64LE(6),
      serial: page.readUInt32LE(14),
      sequence: page.readUInt32LE(18),
      crcValid: computeOggCrc(page) === storedCrc,
      packets,
    });
    at += length;
  }
  return pages;
}
