// The live encoder behind /ws/record (and, in the encoder threads, behind uploads): takes the
// client's frames in its declared format and returns finished Ogg pages to append to the
// recording's file. PCM is downmixed, resampled to 16 kHz when needed and encoded; Opus input
// (WebM from MediaRecorder, Ogg) keeps its packets only when it already is the stored format
// (mono, ≤ 24 kbit/s), otherwise it is decoded to 16 kHz mono and re-encoded. Every chunk's
// playing time is charged against the audio limits before anything of it is decoded.
// Durability: after flush() the caller appends the pages and saves state(); everything pushed
// so far is then either in the file or in that state, so every frame pushed can be acked.
import { AppError } from '../../errors';
import { assertWithinLimits, DEFAULT_AUDIO_LIMITS, type AudioLimits } from './limits';
import { createOpusDemuxer, type DemuxerState, type OpusDemuxer } from './demux';
import { ENCODER_PRE_SKIP, FRAME_SAMPLES, formatToString, parseInputFormat, pcmBytesPerSecond, STORED_BITRATE, STORED_SAMPLE_RATE, type InputFormat } from './formats';
import { createOggOpusMuxer, decodeOpusHead, type OggMuxerState, type OggOpusMuxer } from './ogg-opus-muxer';
import { createSpeechDecoder, createSpeechEncoder, type SpeechDecoder, type SpeechEncoder } from './opus-codec';
import { isStereoOpusPacket, readOpusPacketSamples } from './opus-packet';
import { createFramer, createPcmReader, createResampler, toInt16, int16ToBuffer, type Resampler, type ResamplerState } from './pcm';

/**
 * When Opus packets are copied instead of re-encoded: `stored-format` (the default) — a mono
 * stream whose bitrate is at most the stored 24 kbit/s (+10 %), judged over its first second and
 * watched afterwards: a stream that goes above it is re-encoded from there on; `never` — always
 * re-encode. `mono` is what older resume states say: it now means `stored-format`.
 */
export type PassthroughPolicy = 'mono' | 'stored-format' | 'never';

/** Audio held back before deciding between copying and re-encoding Opus input. */
const DECISION_WINDOW_MS = 1000;
/** Highest bitrate copied as it is: the stored 24 kbit/s plus VBR's wobble. */
const PASSTHROUGH_MAX_BITRATE = STORED_BITRATE * 1.1;
/** Bytes a copied stream may run ahead of that bitrate (a loud passage) before it is re-encoded. */
const PASSTHROUGH_SLACK_BYTES = 4000;

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
  /** Opus packets held until the copy-or-encode decision (base64). */
  held?: string[];
  /** Input bytes and the playing time they claimed, for the audio limits. */
  inputBytes?: number;
  chargedMs?: number;
  /** Bytes of Opus packets copied (passthrough), against the stored bitrate. */
  copiedBytes?: number;
  /** Granule where a copied stream turned to re-encoding (0: it never did). */
  switchGranule?: number;
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
  /** Playing time the input claimed so far (what the audio limits are checked against). */
  readonly chargedMs: number;
};

export type LiveEncoderOptions = {
  inputFormat: string | InputFormat;
  resumeState?: ResumeState;
  passthrough?: PassthroughPolicy;
  limits?: AudioLimits;
};

export function createLiveEncoder(options: LiveEncoderOptions): LiveEncoder {
  const format = typeof options.inputFormat === 'string' ? parseInputFormat(options.inputFormat) : options.inputFormat;
  if (!format) throw new AppError('UNSUPPORTED_MEDIA', { message: `Unknown audio format "${String(options.inputFormat)}"` });
  const saved = options.resumeState;
  const passthrough = saved?.passthrough ?? options.passthrough ?? 'stored-format';
  const limits = options.limits ?? DEFAULT_AUDIO_LIMITS;
  let held: Buffer[] = (saved?.held ?? []).map((packet) => Buffer.from(packet, 'base64'));
  let inputBytes = saved?.inputBytes ?? 0;
  let chargedMs = saved?.chargedMs ?? 0;
  let copiedBytes = saved?.copiedBytes ?? 0;
  let switchGranule = saved?.switchGranule ?? 0;
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

  function samplesOf(packets: Buffer[]): number {
    let samples = 0;
    for (const packet of packets) samples += readOpusPacketSamples(packet) ?? 0;
    return samples;
  }

  /** Copy or re-encode, from the OpusHead and the packets held so far (bitrate over the window). */
  function choosePassthrough(head: Buffer, packets: Buffer[]): boolean {
    const info = decodeOpusHead(head);
    if (passthrough === 'never' || info.channelCount !== 1 || info.mappingFamily !== 0) return false;
    if (packets.some((packet) => isStereoOpusPacket(packet))) return false;
    const seconds = samplesOf(packets) / 48_000;
    const bytes = packets.reduce((n, packet) => n + packet.length, 0);
    return seconds > 0 && (bytes * 8) / seconds <= PASSTHROUGH_MAX_BITRATE;
  }

  function decide(): Buffer[] {
    const head = demuxer!.head!;
    const info = decodeOpusHead(head);
    const packets = held;
    held = [];
    if (choosePassthrough(head, packets)) {
      mode = 'passthrough';
      muxer = createOggOpusMuxer({ channels: 1, preSkip: info.preSkip, inputSampleRate: info.inputSampleRate || 48_000 }, { holdLastPacket: true });
    } else {
      if (info.mappingFamily !== 0) throw new AppError('UNSUPPORTED_MEDIA', { message: 'Multichannel Opus is not supported' });
      mode = 'encode';
      decoderSkip = Math.round((info.preSkip * STORED_SAMPLE_RATE) / 48_000);
    }
    return handlePackets(packets);
  }

  /** A copied stream above the stored bitrate is re-encoded from here on (same Ogg stream). */
  function overBitrate(packet: Buffer): boolean {
    const seconds = (muxer!.granulePosition - muxer!.preSkip + (readOpusPacketSamples(packet) ?? 0)) / 48_000;
    return (copiedBytes + packet.length) * 8 > PASSTHROUGH_MAX_BITRATE * Math.max(0, seconds) + PASSTHROUGH_SLACK_BYTES * 8;
  }

  function handlePackets(packets: Buffer[]): Buffer[] {
    const pages: Buffer[] = [];
    for (const packet of packets) {
      if (mode === null) {
        held.push(packet);
        if (samplesOf(held) >= DECISION_WINDOW_MS * 48) pages.push(...decide());
        continue;
      }
      if (mode === 'passthrough') {
        if (!overBitrate(packet)) {
          copiedBytes += packet.length;
          pages.push(...muxer!.addPacket(packet));
          continue;
        }
        mode = 'encode';
        switchGranule = muxer!.granulePosition;
        decoderSkip = 0;
      }
      decoder ??= createSpeechDecoder();
      let pcm: Int16Array;
      try {
        pcm = decoder.decode(packet);
      } catch (error) {
        throw new AppError('UNSUPPORTED_MEDIA', { message: 'An Opus packet could not be decoded', cause: error });
      }
      if (decoderSkip > 0) {
        const drop = Math.min(decoderSkip, pcm.length);
        decoderSkip -= drop;
        pcm = pcm.subarray(drop);
      }
      if (pcm.length > 0) pages.push(...encodeSamples(pcm));
    }
    return pages;
  }

  /** Opus packets in this chunk, charged against the limits before any is decoded. */
  function demuxAndCharge(chunk: Buffer): Buffer[] {
    const packets = demuxer!.push(chunk).filter((packet) => readOpusPacketSamples(packet) !== null); // empty or malformed: nothing to keep
    const claimedMs = samplesOf(packets) / 48;
    assertWithinLimits(limits, inputBytes + chunk.length, chargedMs + claimedMs);
    if (packets.length && !demuxer!.head) throw new AppError('UNSUPPORTED_MEDIA', { message: 'Opus audio without an OpusHead' });
    inputBytes += chunk.length;
    chargedMs += claimedMs;
    return packets;
  }

  function chargePcm(chunk: Buffer): void {
    const claimedMs = (chunk.length * 1000) / pcmBytesPerSecond(format as { sampleRate: number; channels: number });
    assertWithinLimits(limits, inputBytes + chunk.length, chargedMs + claimedMs);
    inputBytes += chunk.length;
    chargedMs += claimedMs;
  }

  function assertOpen(): void {
    if (finished) throw new Error('The live encoder is finished');
  }

  return {
    push(chunk) {
      assertOpen();
      if (demuxer) return handlePackets(demuxAndCharge(chunk));
      chargePcm(chunk);
      return encodeSamples(resampler!.process(pcmReader!.read(chunk)));
    },
    flush() {
      assertOpen();
      return muxer ? muxer.flush() : [];
    },
    finish() {
      assertOpen();
      const decided = mode === null && held.length ? decide() : [];
      finished = true;
      if (mode === 'passthrough') return [...decided, ...muxer!.finish()];
      const tail = resampler ? resampler.end() : new Int16Array(0);
      const pages = [...decided, ...encodeSamples(tail)];
      // Pad the last frame and add one of silence so the encoder's lookahead is flushed out;
      // the final granule then trims the padding (RFC 7845 §4.4).
      const rest = framer.remainder().length;
      const lookahead = (ENCODER_PRE_SKIP * STORED_SAMPLE_RATE) / 48_000;
      const padding = new Int16Array(Math.ceil((rest + lookahead) / FRAME_SAMPLES) * FRAME_SAMPLES - rest);
      for (const frame of framer.push(padding)) pages.push(...encodeMuxer().addPacket((encoder ??= createSpeechEncoder()).encode(frame)));
      pages.push(...encodeMuxer().finish(switchGranule + ENCODER_PRE_SKIP + encodedInputSamples * (48_000 / STORED_SAMPLE_RATE)));
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
      held: held.map((packet) => packet.toString('base64')),
      inputBytes,
      chargedMs,
      copiedBytes,
      switchGranule,
    }),
    get durationMs() {
      if (mode === null) return Math.max(0, Math.round((samplesOf(held) - (demuxer?.head ? decodeOpusHead(demuxer.head).preSkip : 0)) / 48));
      if (mode === 'passthrough') return Math.max(0, Math.round((muxer!.granulePosition - muxer!.preSkip) / 48));
      const copied = switchGranule > 0 ? Math.max(0, (switchGranule - muxer!.preSkip) / 48) : 0;
      return Math.round(copied + (encodedInputSamples * 1000) / STORED_SAMPLE_RATE);
    },
    /** Playing time the input claimed so far (what the audio limits are checked against). */
    get chargedMs() {
      return chargedMs;
    },
    get bytes() {
      return muxer?.bytes ?? 0;
    },
    get mode() {
      return mode;
    },
  };
}
