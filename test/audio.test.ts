// The audio pipeline against real audio (espeak-ng, sox, ffmpeg) and real judges (ffprobe,
// opusinfo, an ffmpeg decode). Database-independent, so it runs once (PGlite project).
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLiveEncoder, type LiveEncoder } from '../server/src/recordings/audio/encoder';
import { transcodeToOggOpus } from '../server/src/recordings/audio/pipeline';
import { decodeErrors, opusInfo, probeAudio, speechM4a, speechMp3, speechOgg, speechPcm, speechWav, speechWebm, textFile } from './helpers/audio-fixtures';
import { describeOnce, tempDir } from './helpers/server';

/** Streams `input` in frames of `frameBytes` like a /ws/record client; appends pages to `file`. */
function streamLive(encoder: LiveEncoder, input: Buffer, frameBytes: number, file: string, from = 0, to = input.length): void {
  for (let at = from; at < to; at += frameBytes) {
    const pages = encoder.push(input.subarray(at, Math.min(at + frameBytes, to)));
    pages.push(...encoder.flush());
    for (const page of pages) fs.appendFileSync(file, page);
  }
}

async function expectStoredFormat(file: string, seconds: number, options: { inputRate?: number | null; bitrate?: boolean } = {}) {
  const probe = await probeAudio(file);
  expect(probe).toMatchObject({ codec: 'opus', channels: 1, sampleRate: 48000, formatName: 'ogg' });
  expect(Math.abs(probe.durationSec - seconds) / seconds).toBeLessThan(0.01);
  if (options.bitrate !== false) {
    expect(probe.bitRate).toBeGreaterThan(24000 * 0.75);
    expect(probe.bitRate).toBeLessThan(24000 * 1.25);
  }
  const info = await opusInfo(file);
  expect(info.ok, info.output).toBe(true);
  if (options.inputRate !== null) expect(info.originalSampleRate).toBe(options.inputRate ?? 16000);
  expect(Math.abs(info.playbackSec! - seconds) / seconds).toBeLessThan(0.01);
  expect(await decodeErrors(file)).toBe('');
}

describeOnce('audio pipeline with real audio', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('parley-audio-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stores 60 s of 16 kHz speech streamed live in 100 ms frames as Ogg/Opus mono 24 kbit/s', async () => {
    const pcm = await speechPcm({ seconds: 60 });
    const file = path.join(dir, 'live.opus');
    const encoder = createLiveEncoder({ inputFormat: 'pcm_s16le_16000_mono' });
    streamLive(encoder, pcm, 3200, file);
    fs.appendFileSync(file, Buffer.concat(encoder.finish()));
    expect(encoder.durationMs).toBe(60_000);
    expect(fs.statSync(file).size).toBe(encoder.bytes);
    await expectStoredFormat(file, 60);
  });

  it('resumes after a crash at 30 s into the same file: full 60 s, nothing doubled', async () => {
    const pcm = await speechPcm({ seconds: 60 });
    const file = path.join(dir, 'resumed.opus');
    const first = createLiveEncoder({ inputFormat: 'pcm_s16le_16000_mono' });
    streamLive(first, pcm, 3200, file, 0, 30 * 32000);
    const saved = JSON.stringify(first.state());
    // The dying server still wrote a page (and half of another) after the state it saved.
    streamLive(first, pcm, 3200, file, 30 * 32000, 31 * 32000);
    fs.appendFileSync(file, Buffer.alloc(17, 0x4f));

    const state = JSON.parse(saved);
    fs.truncateSync(file, state.muxer.bytes);
    const second = createLiveEncoder({ inputFormat: 'pcm_s16le_16000_mono', resumeState: state });
    streamLive(second, pcm, 3200, file, 30 * 32000);
    fs.appendFileSync(file, Buffer.concat(second.finish()));
    expect(second.durationMs).toBe(60_000);
    await expectStoredFormat(file, 60);
  });

  it('keeps the packets of a mono WebM/Opus stream from MediaRecorder (passthrough)', async () => {
    const webm = fs.readFileSync(await speechWebm({ seconds: 20, channels: 1, bitrate: '24k' }));
    const file = path.join(dir, 'webm-live.opus');
    const encoder = createLiveEncoder({ inputFormat: 'webm' });
    streamLive(encoder, webm, 1000, file);
    fs.appendFileSync(file, Buffer.concat(encoder.finish()));
    expect(encoder.mode).toBe('passthrough');
    await expectStoredFormat(file, 20, { inputRate: null });
  });

  it('re-encodes a stereo WebM/Opus stream to 16 kHz mono', async () => {
    const webm = fs.readFileSync(await speechWebm({ seconds: 20, channels: 2 }));
    const file = path.join(dir, 'webm-stereo-live.opus');
    const encoder = createLiveEncoder({ inputFormat: 'webm' });
    streamLive(encoder, webm, 4000, file);
    fs.appendFileSync(file, Buffer.concat(encoder.finish()));
    expect(encoder.mode).toBe('encode');
    await expectStoredFormat(file, 20);
  });

  it('resumes a WebM/Opus stream cut mid-cluster after a restart', async () => {
    const webm = fs.readFileSync(await speechWebm({ seconds: 20, channels: 1, bitrate: '24k' }));
    const file = path.join(dir, 'webm-resumed.opus');
    const first = createLiveEncoder({ inputFormat: 'webm' });
    const cut = Math.floor(webm.length / 2) + 3;
    streamLive(first, webm, 999, file, 0, cut);
    const second = createLiveEncoder({ inputFormat: 'webm', resumeState: JSON.parse(JSON.stringify(first.state())) });
    streamLive(second, webm, 999, file, cut);
    fs.appendFileSync(file, Buffer.concat(second.finish()));
    await expectStoredFormat(file, 20, { inputRate: null });
  });

  const uploads: Array<[string, () => Promise<string>, number]> = [
    ['48 kHz stereo WAV', () => speechWav({ seconds: 30, sampleRate: 48000, channels: 2 }), 30],
    ['24-bit 16 kHz WAV', () => speechWav({ seconds: 12, sampleRate: 16000, bits: 24 }), 12],
    ["WebM/Opus as Chrome's MediaRecorder makes it", () => speechWebm({ seconds: 30, channels: 1 }), 30],
    ['stereo Ogg/Opus', () => speechOgg({ seconds: 12, channels: 2 }), 12],
    ['AAC in M4A (through ffmpeg)', () => speechM4a({ seconds: 30 }), 30],
    ['MP3 (through ffmpeg)', () => speechMp3({ seconds: 12 }), 12],
  ];
  for (const [name, make, seconds] of uploads) {
    it(`transcodes an uploaded ${name} to the stored format, streaming`, async () => {
      const source = await make();
      const file = path.join(dir, `upload-${path.basename(source)}.opus`);
      const result = await transcodeToOggOpus(fs.createReadStream(source, { highWaterMark: 16 * 1024 }), {}, fs.createWriteStream(file));
      expect(result.bytes).toBe(fs.statSync(file).size);
      expect(Math.abs(result.durationMs / 1000 - seconds) / seconds).toBeLessThan(0.01);
      await expectStoredFormat(file, seconds);
    });
  }

  it('refuses a text file, random bytes and a corrupt WebM with UNSUPPORTED_MEDIA', async () => {
    const webm = fs.readFileSync(await speechWebm({ seconds: 12, channels: 1 }));
    // Its header (OpusHead included), then garbage instead of the clusters.
    const corrupt = Buffer.concat([webm.subarray(0, webm.indexOf(Buffer.from('1f43b675', 'hex'))), Buffer.alloc(4000, 0xff)]);
    const inputs = [fs.readFileSync(await textFile()), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)), corrupt, Buffer.alloc(0)];
    for (const input of inputs) {
      const file = path.join(dir, 'refused.opus');
      await expect(transcodeToOggOpus(Readable.from([input]), { contentType: 'audio/mpeg' }, fs.createWriteStream(file))).rejects.toMatchObject({
        key: 'UNSUPPORTED_MEDIA',
      });
    }
  });

  it('names the fix when ffmpeg is needed but not installed', async () => {
    const m4a = await speechM4a({ seconds: 12 });
    const savedPath = process.env.PATH;
    process.env.PATH = dir; // a folder without ffmpeg
    try {
      const out = path.join(dir, 'no-ffmpeg.opus');
      await expect(transcodeToOggOpus(fs.createReadStream(m4a), {}, fs.createWriteStream(out))).rejects.toMatchObject({
        key: 'UNSUPPORTED_MEDIA',
        message: expect.stringMatching(/install ffmpeg/),
      });
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
