// The live encoder behind /ws/record: takes the client's frames in its declared format and
// returns finished Ogg pages to append to the recording's file. PCM is downmixed, resampled to
// 16 kHz when needed and encoded; Opus input (WebM from MediaRecorder, Ogg) keeps its packets
// when they are mono and otherwise is decoded to 16 kHz mono and re-encoded.
// Durability: after flush() the caller appends the pages and saves state(); everything pushed
// so far is then either in the file or in that state, so every frame pushed can be acked.
import { AppError } from '../../errors';
import { createOpusDemuxer, type DemuxerState, type OpusDemuxer } from './demux';
import { ENCODER_PRE_SKIP, FRAME_SAMPLES, formatToString, parseInputFormat, STORED_SAMPLE_RATE, type InputFormat } from './formats';
import { createOggOpusMuxer, decodeOpusHead, type OggMuxerState, type OggOpusMuxer } from './ogg-opus-muxer';
import { createSpeechDecoder, createSpeechEncoder, type SpeechDecoder, type SpeechEncoder } from './opus-codec';
import { isStereoOpusPacket, readOpusPacketBandwidth, readOpusPacketSamples } from './opus-packet';
import { createFramer, createPcmReader, createResampler, toInt16, int16ToBuffer, type Resampler, type ResamplerState } from './pcm';

/**
 * When Opus packets are copied instead of re-encoded: `mono` — any mono stream (live default:
 * browsers' packets pass through untouched, which is what lets one server take ~1,000 streams);
 * `stored-format` — only mono ≤ wideband 20 ms packets, i.e. already what a 16 kHz encoder makes
 * (uploads' default); `never` — always re-encode.
 */
export type PassthroughPolicy = 'mono' | 'stored-format' | 'never';

export type ResumeState = {
  version: 1;
  format: string;
  passthrough: PassthroughPolicy;
  /** Decided at the first Opus packet for WebM/Ogg input; always 'encode' for PCM. */
  mode: 'encode' | 'passthrough' | null;
  muxer: OggMuxerState | null;
  /** 16 kHz samples handed to the encoder (encode mode), for the duration and the end trim. */
  encodedInputSamples: number;
  /** Incomplete PCM sample frame (base64 bytes). */
  pcmLeftover: string;
  resampler: ResamplerState | null;
  /** Samples waiting for a full 20 ms frame (base64 s16le, 16 kHz mono). */
  framerRemainder: string;
  /** Decoded samples still to drop at the start of re-encoded Opus input (its pre-skip). */
  decoderSkip: number;
  demuxer: DemuxerState | null;
};

export type LiveEncoder = {
  /** Feeds the next chunk of input; returns Ogg pages completed meanwhile (append them in order). */
  push(chunk: Buffer): Buffer[];
  /** Pages holding everything pushed so far: append them, save state(), then ack. */
  flush(): Buffer[];
  /** Encodes the tail and returns the last pages (EOS). The encoder can't be used afterwards. */
  finish(): Buffer[];
  state(): ResumeState;
  /** Audio pushed so far, in milliseconds. */
  readonly durationMs: number;
  /** Bytes of all pages returned so far: the file's length at the last returned page. */
  readonly bytes: number;
  readonly mode: 'encode' | 'passthrough' | null;
};

export type LiveEncoderOptions = {
  inputFormat: string | InputFormat;
  resumeState?: ResumeState;
  passthrough?: PassthroughPolicy;
};

export function createLiveEncoder(options: LiveEncoderOptions): LiveEncoder {
  const format = typeof options.inputFormat === 'string' ? parseInputFormat(options.inputFormat) : options.inputFormat;
  if (!format) throw new AppError('UNSUPPORTED_MEDIA', { message: `Unknown audio format "${String(options.inputFormat)}"` });
  const saved = options.resumeState;
  const passthrough = saved?.passthrough ?? options.passthrough ?? 'mono';
  let mode = saved?.mode ?? (format.kind === 'pcm' ? 'encode' : null);
  let muxer: OggOpusMuxer | null = saved?.muxer
    ? createOggOpusMuxer(saved.muxer, { resumeFrom: saved.muxer, holdLastPacket: saved.mode === 'passthrough' })
    : null;
  let encodedInputSamples = saved?.encodedInputSamples ?? 0;
  let decoderSkip = saved?.decoderSkip ?? 0;
  const framer = createFramer(FRAME_SAMPLES, saved ? toInt16(Buffer.from(saved.framerRemainder, 'base64')) : undefined);
  const pcmReader = format.kind === 'pcm' ? createPcmReader(format.channels, saved ? Buffer.from(saved.pcmLeftover, 'base64') : undefined) : null;
  const resampler: Resampler | null =
    format.kind === 'pcm' ? createResampler(format.sampleRate, STORED_SAMPLE_RATE, saved?.resampler ?? undefined) : null;
  const demuxer: OpusDemuxer | null = format.kind === 'pcm' ? null : createOpusDemuxer(format.kind, saved?.demuxer ?? undefined);
  let encoder: SpeechEncoder | null = null;
  let decoder: SpeechDecoder | null = null;
  let finished = false;

  function encodeMuxer(): OggOpusMuxer {
    muxer ??= createOggOpusMuxer({ channels: 1, preSkip: ENCODER_PRE_SKIP, inputSampleRate: STORED_SAMPLE_RATE });
    return muxer;
  }

  function encodeSamples(samples: Int16Array): Buffer[] {
    encodedInputSamples += samples.length;
    const pages: Buffer[] = [];
    const out = encodeMuxer();
    encoder ??= createSpeechEncoder();
    for (const frame of framer.push(samples)) pages.push(...out.addPacket(encoder.encode(frame)));
    return pages;
  }

  function choosePassthrough(head: Buffer, packet: Buffer): boolean {
    const info = decodeOpusHead(head);
    if (passthrough === 'never' || info.channelCount !== 1 || info.mappingFamily !== 0 || isStereoOpusPacket(packet)) return false;
    if (passthrough === 'mono') return true;
    const bandwidth = readOpusPacketBandwidth(packet);
    return readOpusPacketSamples(packet) === 960 && ['narrowband', 'mediumband', 'wideband'].includes(bandwidth);
  }

  function handlePackets(packets: Buffer[]): Buffer[] {
    const pages: Buffer[] = [];
    for (const packet of packets) {
      if (readOpusPacketSamples(packet) === null) continue; // empty or malformed packet: nothing to keep
      const head = demuxer!.head;
      if (!head) throw new AppError('UNSUPPORTED_MEDIA', { message: 'Opus audio without an OpusHead' });
      if (mode === null) {
        const info = decodeOpusHead(head);
        if (choosePassthrough(head, packet)) {
          mode = 'passthrough';
          muxer = createOggOpusMuxer(
            { channels: 1, preSkip: info.preSkip, inputSampleRate: info.inputSampleRate || 48_000 },
            { holdLastPacket: true },
          );
        } else {
          if (info.mappingFamily !== 0) throw new AppError('UNSUPPORTED_MEDIA', { message: 'Multichannel Opus is not supported' });
          mode = 'encode';
          decoderSkip = Math.round((info.preSkip * STORED_SAMPLE_RATE) / 48_000);
        }
      }
      if (mode === 'passthrough') {
        pages.push(...muxer!.addPacket(packet));
        continue;
      }
      decoder ??= createSpeechDecoder();
      let pcm = decoder.decode(packet);
      if (decoderSkip > 0) {
        const drop = Math.min(decoderSkip, pcm.length);
        decoderSkip -= drop;
        pcm = pcm.subarray(drop);
      }
      if (pcm.length > 0) pages.push(...encodeSamples(pcm));
    }
    return pages;
  }

  function assertOpen(): void {
    if (finished) throw new Error('The live encoder is finished');
  }

  return {
    push(chunk) {
      assertOpen();
      if (demuxer) return handlePackets(demuxer.push(chunk));
      return encodeSamples(resampler!.process(pcmReader!.read(chunk)));
    },
    flush() {
      assertOpen();
      return muxer ? muxer.flush() : [];
    },
    finish() {
      assertOpen();
      finished = true;
      if (mode === 'passthrough') return muxer!.finish();
      const tail = resampler ? resampler.end() : new Int16Array(0);
      const pages = encodeSamples(tail);
      // Pad the last frame and add one of silence so the encoder's lookahead is flushed out;
      // the final granule then trims the padding (RFC 7845 §4.4).
      const rest = framer.remainder().length;
      const lookahead = (ENCODER_PRE_SKIP * STORED_SAMPLE_RATE) / 48_000;
      const padding = new Int16Array(Math.ceil((rest + lookahead) / FRAME_SAMPLES) * FRAME_SAMPLES - rest);
      for (const frame of framer.push(padding)) pages.push(...encodeMuxer().addPacket((encoder ??= createSpeechEncoder()).encode(frame)));
      pages.push(...encodeMuxer().finish(ENCODER_PRE_SKIP + encodedInputSamples * (48_000 / STORED_SAMPLE_RATE)));
      return pages;
    },
    state: () => ({
      version: 1,
      format: formatToString(format),
      passthrough,
      mode,
      muxer: muxer ? muxer.state() : null,
      encodedInputSamples,
      pcmLeftover: pcmReader ? pcmReader.leftover().toString('base64') : '',
      resampler: resampler ? resampler.state() : null,
      framerRemainder: int16ToBuffer(framer.remainder()).toString('base64'),
      decoderSkip,
      demuxer: demuxer ? demuxer.state() : null,
    }),
    get durationMs() {
      if (mode === 'passthrough') return Math.max(0, Math.round((muxer!.granulePosition - muxer!.preSkip) / 48));
      return Math.round((encodedInputSamples * 1000) / STORED_SAMPLE_RATE);
    },
    get bytes() {
      return muxer?.bytes ?? 0;
    },
    get mode() {
      return mode;
    },
  };
}
