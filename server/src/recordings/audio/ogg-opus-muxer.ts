// Writes Opus packets as an Ogg Opus stream (RFC 7845 over RFC 3533): OpusHead and OpusTags
// pages, audio pages with granule positions in 48 kHz samples, page CRCs and a final EOS page.
// Its whole state is a small JSON object, so a recording can keep appending to the same file
// after the process restarts: pages already returned are the durable part of the stream.
import { randomInt } from 'node:crypto';
import { computeOggCrc } from './ogg-crc';
import { readOpusPacketSamples } from './opus-packet';

const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
const MAX_SEGMENTS = 255;
/** About one second of 20 ms packets: bounds both page size and seek granularity. */
const DEFAULT_MAX_PACKETS_PER_PAGE = 50;
const VENDOR = 'Parley (libopus via @discordjs/opus)';

export type OggOpusHeader = {
  channels: 1 | 2;
  /** Samples (48 kHz) the decoder drops at the start: the encoder's lookahead. */
  preSkip: number;
  /** Informational only (RFC 7845 §5.1): the rate of the audio before encoding. */
  inputSampleRate: number;
};

export type OggMuxerState = OggOpusHeader & {
  serial: number;
  /** Sequence number of the next page to write. */
  pageSequence: number;
  /** Granule position (48 kHz samples, pre-skip included) after every packet added so far. */
  granulePosition: number;
  /** Bytes of every page returned so far: the length the file must have to append to it. */
  bytes: number;
  headersWritten: boolean;
  finished: boolean;
  /** Packets added but not yet in a page (base64). Empty right after flush(). */
  pendingPackets: string[];
};

export type OggOpusMuxer = {
  /** Queues a packet; returns pages that became full. Throws on a malformed packet. */
  addPacket(packet: Buffer): Buffer[];
  /** Puts every queued packet in pages (plus the headers on first use). */
  flush(): Buffer[];
  /** Writes the last page with the EOS flag. `finalGranule` trims the end (RFC 7845 §4.4). */
  finish(finalGranule?: number): Buffer[];
  state(): OggMuxerState;
  readonly granulePosition: number;
  readonly bytes: number;
  readonly preSkip: number;
};

export function createOggOpusMuxer(
  header: OggOpusHeader,
  options: {
    resumeFrom?: OggMuxerState;
    serial?: number;
    maxPacketsPerPage?: number;
    /**
     * flush() keeps the newest packet back (it stays in state()), so the EOS page always has a
     * packet: when nothing can be added at the end (packets copied from a client) an empty EOS
     * page would be legal Ogg but opusinfo and some players complain about it.
     */
    holdLastPacket?: boolean;
  } = {},
): OggOpusMuxer {
  const maxPackets = options.maxPacketsPerPage ?? DEFAULT_MAX_PACKETS_PER_PAGE;
  const resume = options.resumeFrom;
  const serial = resume?.serial ?? options.serial ?? randomInt(1, 0xffffffff);
  let pageSequence = resume?.pageSequence ?? 0;
  let pagedGranule = resume ? resume.granulePosition : 0;
  let bytes = resume?.bytes ?? 0;
  let headersWritten = resume?.headersWritten ?? false;
  let finished = resume?.finished ?? false;
  let pending: Buffer[] = [];
  let pendingSegments = 0;
  let pendingSamples = 0;
  const head = resume ? { channels: resume.channels, preSkip: resume.preSkip, inputSampleRate: resume.inputSampleRate } : header;

  // Hot on the live path (a page per acknowledged batch, thousands per second): one allocation,
  // lacing written in place, no intermediate arrays.
  function page(packets: Buffer[], granule: number, flags: number): Buffer {
    let segments = 0;
    let bodyLength = 0;
    for (const packet of packets) {
      segments += segmentCount(packet.length);
      bodyLength += packet.length;
    }
    const out = Buffer.allocUnsafe(27 + segments + bodyLength);
    out.write('OggS', 0, 'latin1');
    out[4] = 0;
    out[5] = flags;
    // Granule positions stay far below 2^53: two 32-bit halves instead of a BigInt.
    out.writeUInt32LE(granule % 0x1_0000_0000, 6);
    out.writeUInt32LE(Math.floor(granule / 0x1_0000_0000), 10);
    out.writeUInt32LE(serial, 14);
    out.writeUInt32LE(pageSequence++, 18);
    out.writeUInt32LE(0, 22); // CRC, computed over the page with this field zero
    out[26] = segments;
    let lacing = 27;
    for (const packet of packets) {
      const full = Math.floor(packet.length / 255);
      out.fill(255, lacing, lacing + full);
      out[lacing + full] = packet.length % 255;
      lacing += full + 1;
    }
    let offset = lacing;
    for (const packet of packets) offset += packet.copy(out, offset);
    out.writeUInt32LE(computeOggCrc(out), 22);
    bytes += out.length;
    return out;
  }

  function headerPages(): Buffer[] {
    if (headersWritten) return [];
    headersWritten = true;
    return [page([encodeOpusHead(head)], 0, FLAG_BOS), page([encodeOpusTags()], 0, 0)];
  }

  function takePending(flags: number, granule?: number): Buffer {
    pagedGranule += pendingSamples;
    const out = page(pending, granule ?? pagedGranule, flags);
    pending = [];
    pendingSegments = 0;
    pendingSamples = 0;
    return out;
  }

  function addPacket(packet: Buffer): Buffer[] {
    if (finished) throw new Error('The Ogg stream is already finished');
    if (headersWritten) return queue(packet);
    return [...headerPages(), ...queue(packet)];
  }

  function queue(packet: Buffer): Buffer[] {
    const samples = readOpusPacketSamples(packet);
    if (samples === null) throw new Error('Malformed Opus packet');
    const segments = segmentCount(packet.length);
    const pages: Buffer[] = pending.length > 0 && (pendingSegments + segments > MAX_SEGMENTS || pending.length >= maxPackets) ? [takePending(0)] : NO_PAGES;
    pending.push(packet);
    pendingSegments += segments;
    pendingSamples += samples;
    return pages;
  }

  for (const packet of resume?.pendingPackets ?? []) queue(Buffer.from(packet, 'base64'));

  return {
    addPacket,
    flush() {
      const pages = finished ? [] : headerPages();
      if (!options.holdLastPacket) {
        if (pending.length > 0) pages.push(takePending(0));
        return pages;
      }
      if (pending.length < 2) return pages;
      const last = pending.pop()!;
      const lastSamples = readOpusPacketSamples(last)!;
      pendingSamples -= lastSamples;
      pendingSegments -= segmentCount(last.length);
      pages.push(takePending(0));
      pending.push(last);
      pendingSamples = lastSamples;
      pendingSegments = segmentCount(last.length);
      return pages;
    },
    finish(finalGranule) {
      if (finished) return [];
      const pages = headerPages();
      const end = pagedGranule + pendingSamples;
      // The end may only be trimmed within the last page's packets (RFC 7845 §4.4).
      const granule = finalGranule === undefined ? end : Math.min(end, Math.max(pagedGranule, finalGranule));
      pages.push(takePending(FLAG_EOS, granule));
      finished = true;
      return pages;
    },
    state: () => ({
      ...head,
      serial,
      pageSequence,
      granulePosition: pagedGranule,
      bytes,
      headersWritten,
      finished,
      pendingPackets: pending.map((p) => p.toString('base64')),
    }),
    get granulePosition() {
      return pagedGranule + pendingSamples;
    },
    get bytes() {
      return bytes;
    },
    preSkip: head.preSkip,
  };
}

/** Ogg lacing: a packet is cut in 255-byte segments ended by one shorter (possibly empty) one. */
function segmentCount(length: number): number {
  return Math.floor(length / 255) + 1;
}

/** Shared empty result of queue() (callers only read or spread it). */
const NO_PAGES = Object.freeze([]) as unknown as Buffer[];

export function encodeOpusHead(head: OggOpusHeader): Buffer {
  const out = Buffer.alloc(19);
  out.write('OpusHead', 0, 'latin1');
  out[8] = 1; // version
  out[9] = head.channels;
  out.writeUInt16LE(head.preSkip, 10);
  out.writeUInt32LE(head.inputSampleRate, 12);
  out.writeInt16LE(0, 16); // output gain
  out[18] = 0; // channel mapping family 0: mono or stereo, no table
  return out;
}

export function decodeOpusHead(packet: Buffer): OggOpusHeader & { mappingFamily: number; channelCount: number } {
  if (packet.length < 19 || packet.toString('latin1', 0, 8) !== 'OpusHead') throw new Error('Not an OpusHead packet');
  const channelCount = packet[9]!;
  return {
    channels: channelCount === 1 ? 1 : 2,
    channelCount,
    preSkip: packet.readUInt16LE(10),
    inputSampleRate: packet.readUInt32LE(12),
    mappingFamily: packet[18]!,
  };
}

function encodeOpusTags(): Buffer {
  const vendor = Buffer.from(VENDOR, 'utf8');
  const comment = Buffer.from('ENCODER=Parley', 'utf8');
  const out = Buffer.alloc(8 + 4 + vendor.length + 4 + 4 + comment.length);
  out.write('OpusTags', 0, 'latin1');
  out.writeUInt32LE(vendor.length, 8);
  vendor.copy(out, 12);
  out.writeUInt32LE(1, 12 + vendor.length);
  out.writeUInt32LE(comment.length, 16 + vendor.length);
  comment.copy(out, 20 + vendor.length);
  return out;
}

export const OGG_PAGE_FLAGS = { continued: FLAG_CONTINUED, bos: FLAG_BOS, eos: FLAG_EOS } as const;
