import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from './formats';
import { createSpeechDecoder, createSpeechEncoder } from './opus-codec';
import { isStereoOpusPacket, readOpusPacketBandwidth, readOpusPacketSamples } from './opus-packet';

function tone(frames: number, hz = 440): Int16Array {
  const out = new Int16Array(frames * FRAME_SAMPLES);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 16000));
  return out;
}

describe('the speech encoder and decoder', () => {
  it('encode 20 ms of 16 kHz mono into one mono wideband packet of 20 ms', () => {
    const encoder = createSpeechEncoder();
    const packets = [];
    const input = tone(50);
    for (let at = 0; at < input.length; at += FRAME_SAMPLES) packets.push(encoder.encode(input.subarray(at, at + FRAME_SAMPLES)));
    for (const packet of packets) {
      expect(readOpusPacketSamples(packet)).toBe(960);
      expect(isStereoOpusPacket(packet)).toBe(false);
      expect(['narrowband', 'mediumband', 'wideband']).toContain(readOpusPacketBandwidth(packet));
    }
    const bits = packets.reduce((n, p) => n + p.length, 0) * 8;
    expect(bits / 1).toBeLessThan(40_000); // one second at 24 kbit/s VBR, with room for a tone's peaks
  });

  it('refuse a frame that is not 20 ms', () => {
    expect(() => createSpeechEncoder().encode(new Int16Array(100))).toThrow(/320 samples/);
  });

  it('decode what they encode back to 320 samples of 16 kHz per packet, with the tone audible', () => {
    const encoder = createSpeechEncoder();
    const decoder = createSpeechDecoder();
    const input = tone(25);
    let energy = 0;
    for (let at = 0; at < input.length; at += FRAME_SAMPLES) {
      const pcm = decoder.decode(encoder.encode(input.subarray(at, at + FRAME_SAMPLES)));
      expect(pcm.length).toBe(FRAME_SAMPLES);
      for (const sample of pcm) energy += sample * sample;
    }
    expect(Math.sqrt(energy / input.length)).toBeGreaterThan(1000);
  });

  it('decode a packet of any length the TOC claims (a 120 ms code-3 packet gives 1920 samples at 16 kHz)', () => {
    const decoder = createSpeechDecoder();
    expect(decoder.decode(Buffer.from([0xe3, 0x30])).length).toBe(1920);
  });
});
