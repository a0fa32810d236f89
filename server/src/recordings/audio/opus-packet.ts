// Reads the table-of-contents byte of an Opus packet (RFC 6716 §3.1): how many 48 kHz samples
// the packet decodes to (the granule arithmetic of Ogg needs it) and whether it is stereo/wideband.

/** Frame duration in 48 kHz samples for each of the 32 TOC configurations. */
const FRAME_SAMPLES_48K: readonly number[] = [
  // SILK NB, MB, WB: 10, 20, 40, 60 ms
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880,
  // Hybrid SWB, FB: 10, 20 ms
  480, 960, 480, 960,
  // CELT NB, WB, SWB, FB: 2.5, 5, 10, 20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960,
];

export type OpusBandwidth = 'narrowband' | 'mediumband' | 'wideband' | 'superwideband' | 'fullband';

/** Samples (at 48 kHz) one Opus packet holds, or null when the packet is malformed. */
export function readOpusPacketSamples(packet: Uint8Array): number | null {
  if (packet.length < 1) return null;
  const toc = packet[0]!;
  const frameSamples = FRAME_SAMPLES_48K[toc >> 3]!;
  const code = toc & 0x03;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else {
    if (packet.length < 2) return null;
    frames = packet[1]! & 0x3f;
    if (frames === 0) return null;
  }
  const samples = frames * frameSamples;
  // RFC 6716: a packet never holds more than 120 ms.
  return samples > 5760 ? null : samples;
}

export function isStereoOpusPacket(packet: Uint8Array): boolean {
  return packet.length > 0 && (packet[0]! & 0x04) !== 0;
}

export function readOpusPacketBandwidth(packet: Uint8Array): OpusBandwidth {
  const config = packet[0]! >> 3;
  if (config < 12) return (['narrowband', 'mediumband', 'wideband'] as const)[Math.floor(config / 4)]!;
  if (config < 16) return config < 14 ? 'superwideband' : 'fullband';
  return (['narrowband', 'wideband', 'superwideband', 'fullband'] as const)[Math.floor((config - 16) / 4)]!;
}
