// The Opus encoder and decoder of the stored format, from @discordjs/opus through prism-media.
// prism's stream classes are used for their setup (module loading, CTLs) but called
// synchronously, frame by frame: live recording needs the packets before it acks a frame.
import prism from 'prism-media';
import { ENCODER_COMPLEXITY, FRAME_SAMPLES, STORED_BITRATE, STORED_SAMPLE_RATE } from './formats';
import { int16ToBuffer, toInt16 } from './pcm';

const OPUS_SET_VBR = 4006;
const OPUS_SET_COMPLEXITY = 4010;

type SyncOpusStream = { _encode(pcm: Buffer): Buffer; _decode(packet: Buffer): Buffer; setBitrate(bitrate: number): void; encoder: { applyEncoderCTL(ctl: number, value: number): void } };

export type SpeechEncoder = { encode(frame: Int16Array): Buffer };

/** 16 kHz mono, 24 kbit/s VBR, one 20 ms frame per call. */
export function createSpeechEncoder(options: { complexity?: number } = {}): SpeechEncoder {
  const stream = new prism.opus.Encoder({ rate: STORED_SAMPLE_RATE, channels: 1, frameSize: FRAME_SAMPLES }) as unknown as SyncOpusStream;
  stream.setBitrate(STORED_BITRATE);
  stream.encoder.applyEncoderCTL(OPUS_SET_VBR, 1);
  stream.encoder.applyEncoderCTL(OPUS_SET_COMPLEXITY, options.complexity ?? ENCODER_COMPLEXITY);
  return {
    encode(frame) {
      if (frame.length !== FRAME_SAMPLES) throw new Error(`Opus frames are ${FRAME_SAMPLES} samples`);
      return stream._encode(int16ToBuffer(frame));
    },
  };
}

export type SpeechDecoder = { decode(packet: Buffer): Int16Array };

/** Decodes any Opus packet (mono or stereo) straight to 16 kHz mono: libopus downmixes and resamples. */
export function createSpeechDecoder(): SpeechDecoder {
  const stream = new prism.opus.Decoder({ rate: STORED_SAMPLE_RATE, channels: 1, frameSize: FRAME_SAMPLES }) as unknown as SyncOpusStream;
  return {
    decode(packet) {
      const pcm = stream._decode(packet);
      return toInt16(pcm);
    },
  };
}
