// Hand-built Opus streams for the audio-limit tests: Ogg pages and WebM blocks around packets the
// test chooses (e.g. the "decompression bomb": 2-byte packets `E3 30` that each claim 120 ms).
// Only the containers are built here; the packets are whatever bytes the caller gives.
import { encodeOpusHead } from '../../server/src/recordings/audio/ogg-opus-muxer';
import { computeOggCrc } from '../../server/src/recordings/audio/ogg-crc';

/** The packet of the bomb in the security report: TOC 0xE3 (CELT FB 2.5 ms, code 3) + 48 frames = 120 ms. */
export const BOMB_PACKET = Buffer.from([0xe3, 0x30]);

function oggPage(packets: Buffer[], serial: number, sequence: number, granule: number, flags: number): Buffer {
  const lacing: number[] = [];
  for (const p of packets) {
    for (let n = p.length; ; n -= 255) {
      lacing.push(Math.min(n, 255));
      if (n < 255) break;
    }
  }
  if (lacing.length > 255) throw new Error('too many segments for one page');
  const body = Buffer.concat(packets);
  const page = Buffer.alloc(27 + lacing.length + body.length);
  page.write('OggS', 0, 'latin1');
  page[5] = flags;
  page.writeUInt32LE(granule % 0x1_0000_0000, 6);
  page.writeUInt32LE(Math.floor(granule / 0x1_0000_0000), 10);
  page.writeUInt32LE(serial, 14);
  page.writeUInt32LE(sequence, 18);
  page[26] = lacing.length;
  Buffer.from(lacing).copy(page, 27);
  body.copy(page, 27 + lacing.length);
  page.writeUInt32LE(computeOggCrc(page), 22);
  return page;
}

const OPUS_TAGS = Buffer.concat([Buffer.from('OpusTags'), Buffer.from([6, 0, 0, 0]), Buffer.from('parley'), Buffer.alloc(4)]);

/** An Ogg/Opus stream: header pages, then one page per group of packets (granules are not checked by readers we test). */
export function oggOpusStream(pages: Buffer[][], options: { channels?: 1 | 2; inputSampleRate?: number } = {}): Buffer {
  const head = encodeOpusHead({ channels: options.channels ?? 1, preSkip: 312, inputSampleRate: options.inputSampleRate ?? 48000 });
  const out = [oggPage([head], 1, 0, 0, 2), oggPage([OPUS_TAGS], 1, 1, 0, 0)];
  let granule = 0;
  pages.forEach((packets, i) => {
    granule += packets.length * 960;
    out.push(oggPage(packets, 1, i + 2, granule, i === pages.length - 1 ? 4 : 0));
  });
  return Buffer.concat(out);
}

/** The 31 KB bomb of the report: pages of 255 two-byte packets `E3 30`. */
export function oggBomb(pageCount = 39): Buffer {
  return oggOpusStream(Array.from({ length: pageCount }, () => Array.from({ length: 255 }, () => BOMB_PACKET)));
}

function ebmlSize(n: number): Buffer {
  // 8-byte size vint: enough for anything here.
  const out = Buffer.alloc(8);
  out[0] = 0x01;
  out.writeUIntBE(n, 2, 6);
  return out;
}

function element(id: number[], data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(id), ebmlSize(data.length), data]);
}

const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** A WebM/Opus stream as MediaRecorder shapes it (unknown-size segment and clusters), blocks as given. */
export function webmOpusStream(clusters: Buffer[][]): Buffer {
  const head = encodeOpusHead({ channels: 1, preSkip: 312, inputSampleRate: 48000 });
  const ebml = element([0x1a, 0x45, 0xdf, 0xa3], Buffer.concat([element([0x42, 0x82], Buffer.from('webm')), element([0x42, 0x87], Buffer.from([4])), element([0x42, 0x85], Buffer.from([2]))]));
  const track = element([0xae], Buffer.concat([element([0xd7], Buffer.from([1])), element([0x83], Buffer.from([2])), element([0x86], Buffer.from('A_OPUS')), element([0x63, 0xa2], head)]));
  const parts = [ebml, Buffer.from([0x18, 0x53, 0x80, 0x67]), UNKNOWN_SIZE, element([0x16, 0x54, 0xae, 0x6b], track)];
  clusters.forEach((blocks, c) => {
    parts.push(Buffer.from([0x1f, 0x43, 0xb6, 0x75]), UNKNOWN_SIZE, element([0xe7], Buffer.from([c])));
    blocks.forEach((packet, i) => {
      const header = Buffer.from([0x81, (i * 20) >> 8, (i * 20) & 0xff, 0x80]);
      parts.push(element([0xa3], Buffer.concat([header, packet])));
    });
  });
  return Buffer.concat(parts);
}
