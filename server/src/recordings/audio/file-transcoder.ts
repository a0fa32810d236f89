// The synchronous core of an upload's transcoding: the chunks of a whole file whose container was
// sniffed (WAV, Ogg/Opus, WebM/Opus, or 16 kHz mono PCM that ffmpeg decoded) in, Ogg pages of the
// stored format out. It runs in an encoder thread; pipeline.ts feeds it from the request stream.
import { AppError } from '../../errors';
import { createLiveEncoder, type LiveEncoder } from './encoder';
import { STORED_SAMPLE_RATE } from './formats';
import type { AudioLimits } from './limits';
import { createWavReader } from './wav';

/** What the first bytes said; `pcm` is ffmpeg's output (s16le, 16 kHz mono). */
export type FileContainer = 'wav' | 'webm-opus' | 'ogg-opus' | 'pcm';

export type FileTranscoder = {
  /** Ogg pages completed by this chunk. */
  push(chunk: Buffer): Buffer[];
  /** The last pages; throws when the file held no audio. */
  finish(): { pages: Buffer[]; durationMs: number; bytes: number };
};

export function createFileTranscoder(container: FileContainer, limits?: AudioLimits): FileTranscoder {
  const withLimits = limits ? { limits } : {};
  let encoder: LiveEncoder | null = null;
  const wav = container === 'wav' ? createWavReader() : null;
  if (container === 'webm-opus' || container === 'ogg-opus') {
    encoder = createLiveEncoder({ inputFormat: container === 'webm-opus' ? 'webm' : 'ogg', passthrough: 'stored-format', ...withLimits });
  } else if (container === 'pcm') {
    encoder = createLiveEncoder({ inputFormat: { kind: 'pcm', sampleRate: STORED_SAMPLE_RATE, channels: 1 }, ...withLimits });
  }

  return {
    push(chunk) {
      if (!wav) return encoder!.push(chunk);
      const pcm = wav.read(chunk);
      if (!wav.format) return [];
      encoder ??= createLiveEncoder({ inputFormat: { kind: 'pcm', sampleRate: wav.format.sampleRate, channels: wav.format.channels }, ...withLimits });
      return encoder.push(pcm);
    },
    finish() {
      if (wav && !wav.format) throw new AppError('UNSUPPORTED_MEDIA', { message: 'The WAV file has no audio data' });
      if (container !== 'pcm' && container !== 'wav' && encoder!.mode === null && encoder!.chargedMs === 0) {
        throw new AppError('UNSUPPORTED_MEDIA', { message: 'The file holds no Opus audio' });
      }
      if (!encoder || encoder.chargedMs === 0) {
        throw new AppError('UNSUPPORTED_MEDIA', { message: container === 'pcm' ? 'No audio could be decoded from this file' : 'The file holds no audio' });
      }
      const pages = encoder.finish();
      return { pages, durationMs: encoder.durationMs, bytes: encoder.bytes };
    },
  };
}
