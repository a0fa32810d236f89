// Uploads: turns a whole file, streamed, into the stored Ogg/Opus format. The container is
// sniffed from the first bytes: WAV and Opus in WebM/Ogg go to a file transcoder (in an encoder
// thread on the server: this thread only moves bytes); anything else is decoded by ffmpeg
// (prism.FFmpeg, its own process) when it is installed. Nothing is buffered beyond a few KB.
import { once } from 'node:events';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import prism from 'prism-media';
import { AppError } from '../../errors';
import { createFileTranscoder, type FileContainer } from './file-transcoder';
import { STORED_SAMPLE_RATE } from './formats';
import { assertWithinLimits, type AudioLimits } from './limits';

export type TranscodeHints = { contentType?: string; filenameHint?: string };
/** A file transcoder wherever it runs: pages of each chunk, then the last ones. */
export type AsyncFileTranscoder = {
  push(chunk: Buffer): Promise<Uint8Array>;
  finish(): Promise<{ bytes: Uint8Array; durationMs: number }>;
  close(): void;
};
export type FileTranscoderOpener = (container: FileContainer, limits?: AudioLimits) => Promise<AsyncFileTranscoder>;
export type TranscodeOptions = { open?: FileTranscoderOpener; limits?: AudioLimits };

/** The transcoder on the calling thread (unit tests, tools); the server opens one in its encoder threads. */
export const openInlineFileTranscoder: FileTranscoderOpener = async (container, limits) => {
  const core = createFileTranscoder(container, limits);
  return {
    push: async (chunk) => Buffer.concat(core.push(chunk)),
    finish: async () => {
      const end = core.finish();
      return { bytes: Buffer.concat(end.pages), durationMs: end.durationMs };
    },
    close: () => {},
  };
};
export type TranscodeResult = { durationMs: number; bytes: number };
export type SniffedContainer = 'wav' | 'webm-opus' | 'ogg-opus' | 'other';

/** Bytes read before deciding: enough for the WebM/Ogg headers that name the codec. */
const SNIFF_BYTES = 4096;

export function sniffContainer(prefix: Buffer): SniffedContainer {
  if (prefix.length >= 12 && prefix.toString('latin1', 0, 4) === 'RIFF' && prefix.toString('latin1', 8, 12) === 'WAVE') return 'wav';
  if (prefix.length >= 36 && prefix.toString('latin1', 0, 4) === 'OggS' && prefix.toString('latin1', 28, 36) === 'OpusHead') return 'ogg-opus';
  if (prefix.length >= 4 && prefix.readUInt32BE(0) === 0x1a45dfa3 && prefix.includes('OpusHead') && prefix.includes('A_OPUS')) return 'webm-opus';
  return 'other';
}

export async function transcodeToOggOpus(input: Readable, hints: TranscodeHints, output: Writable, options: TranscodeOptions = {}): Promise<TranscodeResult> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const prefixParts: Buffer[] = [];
  let prefixLength = 0;
  let ended = false;
  while (prefixLength < SNIFF_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    prefixParts.push(next.value);
    prefixLength += next.value.length;
  }
  const prefix = Buffer.concat(prefixParts);
  if (prefix.length === 0) throw new AppError('UNSUPPORTED_MEDIA', { message: 'The file is empty' });
  let inputBytes = 0;
  async function* rest(): AsyncGenerator<Buffer> {
    inputBytes += prefix.length;
    yield prefix;
    if (!ended) {
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        inputBytes += next.value.length;
        yield next.value;
      }
    }
  }

  const write = createPageWriter(output);
  const sniffed = sniffContainer(prefix);
  if (sniffed === 'other' && looksLikeText(prefix, hints)) throw new AppError('UNSUPPORTED_MEDIA', { message: 'This file is not audio' });
  const container: FileContainer = sniffed === 'other' ? 'pcm' : sniffed;
  const transcoder = await (options.open ?? openInlineFileTranscoder)(container, options.limits);
  try {
    if (sniffed !== 'other') {
      for await (const chunk of rest()) await write(await transcoder.push(chunk));
    } else {
      // MP4/M4A usually keeps its index (moov) at the end, which ffmpeg can't reach through a pipe:
      // those go to a temporary file first (disk, not memory).
      const needsSeeking = prefix.length >= 8 && prefix.toString('latin1', 4, 8) === 'ftyp';
      // ffmpeg's output is charged against the bytes it read so far: a compressed bomb stops here.
      let decodedMs = 0;
      await decodeWithFfmpeg(rest(), needsSeeking, async (pcm) => {
        decodedMs += (pcm.length * 1000) / (STORED_SAMPLE_RATE * 2);
        if (options.limits) assertWithinLimits(options.limits, inputBytes, decodedMs);
        await write(await transcoder.push(pcm));
      });
    }
    const end = await transcoder.finish();
    await write(end.bytes);
    output.end();
    await once(output, 'finish');
    return { durationMs: end.durationMs, bytes: write.written() };
  } finally {
    transcoder.close();
  }
}

function createPageWriter(output: Writable) {
  let written = 0;
  const write = async (bytes: Uint8Array): Promise<void> => {
    if (!bytes.length) return;
    written += bytes.length;
    if (!output.write(bytes)) await once(output, 'drain');
  };
  write.written = () => written;
  return write;
}

/** Text files (and HTML error pages) are refused before spawning a decoder for them. */
function looksLikeText(prefix: Buffer, hints: TranscodeHints): boolean {
  if (hints.contentType?.startsWith('text/')) return true;
  if (hints.filenameHint && /\.(txt|md|csv|json|html?|xml|log)$/i.test(hints.filenameHint)) return true;
  const sample = prefix.subarray(0, 512);
  let printable = 0;
  for (const byte of sample) if (byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127)) printable++;
  return sample.length > 0 && printable === sample.length;
}

function ffmpegMissing(): AppError {
  return new AppError('UNSUPPORTED_MEDIA', {
    message: 'This audio format needs ffmpeg on the server: install ffmpeg (e.g. apt-get install ffmpeg), or upload WAV, WebM/Opus or Ogg/Opus',
  });
}

/** Whether ffmpeg can be run (prism looks for ffmpeg-static, then `ffmpeg`/`avconv` on PATH). */
export function isFfmpegAvailable(): boolean {
  try {
    prism.FFmpeg.getInfo();
    return true;
  } catch {
    return false;
  }
}

async function decodeWithFfmpeg(input: AsyncIterable<Buffer>, needsSeeking: boolean, onPcm: (pcm: Buffer) => Promise<void>): Promise<void> {
  if (!isFfmpegAvailable()) throw ffmpegMissing();
  if (!needsSeeking) return runFfmpeg('-', input, onPcm);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-upload-'));
  try {
    const file = path.join(dir, 'input');
    await pipeline(Readable.from(input), fs.createWriteStream(file));
    return await runFfmpeg(file, [], onPcm);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runFfmpeg(source: string, input: AsyncIterable<Buffer> | Buffer[], onPcm: (pcm: Buffer) => Promise<void>): Promise<void> {
  const ffmpeg = new prism.FFmpeg({
    args: ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', source, '-vn', '-f', 's16le', '-ar', String(STORED_SAMPLE_RATE), '-ac', '1'],
  });
  const child = ffmpeg.process as ChildProcessWithoutNullStreams;
  // prism re-emits stdin/stdout errors (EPIPE when ffmpeg quits on a corrupt file) on itself;
  // the exit code below is what decides, so they must not become uncaught exceptions.
  ffmpeg.on('error', () => {});
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  exited.catch(() => {});
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => {
    if (stderr.length < 2000) stderr += data.toString('utf8');
  });
  // ffmpeg may stop reading early (a corrupt file): a failed write is then expected, not fatal.
  child.stdin.on('error', () => {});
  const feeding = (async () => {
    try {
      for await (const chunk of input) {
        if (child.stdin.destroyed) return;
        if (child.stdin.write(chunk)) continue;
        const drained = once(child.stdin, 'drain').then(() => true, () => false);
        if (!(await Promise.race([drained, exited.then(() => false, () => false)]))) return;
      }
    } finally {
      child.stdin.end();
    }
  })();
  feeding.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"

  try {
    for await (const pcm of child.stdout as AsyncIterable<Buffer>) await onPcm(pcm);
  } catch (error) {
    child.kill('SIGKILL');
    await feeding.catch(() => {});
    throw error;
  }
  const [code] = await exited.catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? ffmpegMissing() : error;
  });
  await feeding; // an input error (e.g. the upload exceeded its size limit) wins over ffmpeg's
  if (code !== 0) {
    const reason = stderr.trim().split('\n').pop() ?? 'unknown error';
    throw new AppError('UNSUPPORTED_MEDIA', { message: `The file could not be decoded (ffmpeg: ${reason})` });
  }
}
