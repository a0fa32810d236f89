// Real audio for tests and benchmarks, made with espeak-ng, sox and ffmpeg, plus the probes that
// judge our output (ffprobe, opusinfo, an ffmpeg decode). Files are cached in one temp folder per
// content, written atomically, so parallel test files share them.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE_DIR = path.join(os.tmpdir(), 'parley-audio-fixtures-v1');

const SPEECH_TEXT =
  'Good morning everyone, and welcome to the weekly planning meeting. ' +
  'First we will review what shipped last week, then we will look at the open issues, ' +
  'and finally we will agree on the priorities for the next sprint. ' +
  'Please keep your updates short so that everyone has time to speak. ' +
  'The recording of this meeting will be available to all members of the organization.';

export function hasTool(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, name)));
}

/** Creates `name` in the cache with `make(tmpPath)` once; later calls reuse the file. */
async function cached(name: string, make: (target: string) => Promise<unknown>): Promise<string> {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const target = path.join(CACHE_DIR, name);
  if (fs.existsSync(target)) return target;
  const tmp = path.join(CACHE_DIR, `.${crypto.randomUUID()}-${name}`);
  await make(tmp);
  fs.renameSync(tmp, target);
  return target;
}

/** Speech as a WAV file of exactly `seconds` (the text is looped), at any rate and channel count. */
export async function speechWav(options: { seconds?: number; sampleRate?: number; channels?: 1 | 2; bits?: 16 | 24 } = {}): Promise<string> {
  const { seconds = 60, sampleRate = 16000, channels = 1, bits = 16 } = options;
  const voice = await cached('voice.wav', (tmp) => run('espeak-ng', ['-s', '160', '-w', tmp, SPEECH_TEXT]));
  return cached(`speech-${seconds}s-${sampleRate}-${channels}ch-${bits}b.wav`, (tmp) =>
    run('sox', [voice, '-r', String(sampleRate), '-c', String(channels), '-b', String(bits), '-t', 'wav', tmp, 'repeat', String(Math.ceil(seconds / 10)), 'trim', '0', String(seconds)]),
  );
}

/** Raw s16le samples of 16 kHz mono speech (what a live client streams as pcm_s16le_16000_mono). */
export async function speechPcm(options: { seconds?: number; sampleRate?: number; channels?: 1 | 2 } = {}): Promise<Buffer> {
  const { seconds = 60, sampleRate = 16000, channels = 1 } = options;
  const wav = await speechWav({ seconds, sampleRate, channels });
  const raw = await cached(`speech-${seconds}s-${sampleRate}-${channels}ch.raw`, (tmp) => run('sox', [wav, '-t', 'raw', '-e', 'signed', '-b', '16', '-L', tmp]));
  return fs.readFileSync(raw);
}

/** WebM/Opus like Chrome's MediaRecorder makes: 48 kHz, 20 ms packets, default ~32 kbit/s. */
export async function speechWebm(options: { seconds?: number; channels?: 1 | 2; bitrate?: string } = {}): Promise<string> {
  const { seconds = 60, channels = 1, bitrate = '32k' } = options;
  const wav = await speechWav({ seconds, sampleRate: 48000, channels });
  return cached(`speech-${seconds}s-${channels}ch-${bitrate}.webm`, (tmp) =>
    run('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'libopus', '-b:a', bitrate, '-frame_duration', '20', '-f', 'webm', tmp]),
  );
}

export async function speechOgg(options: { seconds?: number; channels?: 1 | 2 } = {}): Promise<string> {
  const { seconds = 60, channels = 1 } = options;
  const wav = await speechWav({ seconds, sampleRate: 48000, channels });
  return cached(`speech-${seconds}s-${channels}ch.ogg`, (tmp) => run('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg', tmp]));
}

/** AAC in an M4A (MP4) container, index at the end as ffmpeg writes it by default. */
export async function speechM4a(options: { seconds?: number } = {}): Promise<string> {
  const { seconds = 60 } = options;
  const wav = await speechWav({ seconds, sampleRate: 44100, channels: 2 });
  return cached(`speech-${seconds}s.m4a`, (tmp) => run('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'aac', '-b:a', '64k', '-f', 'mp4', tmp]));
}

export async function speechMp3(options: { seconds?: number } = {}): Promise<string> {
  const { seconds = 60 } = options;
  const wav = await speechWav({ seconds, sampleRate: 44100, channels: 2 });
  return cached(`speech-${seconds}s.mp3`, (tmp) => run('ffmpeg', ['-v', 'error', '-y', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', tmp]));
}

export async function textFile(): Promise<string> {
  return cached('notes.txt', async (tmp) => fs.writeFileSync(tmp, 'Meeting notes\n- this is not audio\n'.repeat(50)));
}

export type AudioProbe = { codec: string; channels: number; sampleRate: number; durationSec: number; bitRate: number; formatName: string };

/** What ffprobe reports (Opus always decodes at 48000, whatever the OpusHead input rate). */
export async function probeAudio(file: string): Promise<AudioProbe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  const info = JSON.parse(stdout) as { streams: Array<Record<string, string | number>>; format: Record<string, string> };
  const stream = info.streams.find((s) => s.codec_type === 'audio')!;
  return {
    codec: String(stream.codec_name),
    channels: Number(stream.channels),
    sampleRate: Number(stream.sample_rate),
    durationSec: Number(info.format.duration),
    bitRate: Number(info.format.bit_rate),
    formatName: info.format.format_name ?? '',
  };
}

/** opusinfo's report; `ok` when it found no errors or warnings and the stream ended. */
export async function opusInfo(file: string): Promise<{ ok: boolean; output: string; originalSampleRate: number | null; playbackSec: number | null }> {
  const result = await run('opusinfo', [file]).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? 'failed' }));
  const output = `${result.stdout}${result.stderr}`;
  const rate = /Original sample rate: (\d+) Hz/.exec(output);
  const length = /Playback length: (\d+)m:([\d.]+)s/.exec(output);
  return {
    ok: !/WARNING|ERROR/i.test(output) && /Logical stream \d+ ended/.test(output),
    output,
    originalSampleRate: rate ? Number(rate[1]) : null,
    playbackSec: length ? Number(length[1]) * 60 + Number(length[2]) : null,
  };
}

/** Decodes the whole file with ffmpeg; returns ffmpeg's complaints (empty when clean). */
export async function decodeErrors(file: string): Promise<string> {
  const result = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']).catch((error: { stderr?: string }) => ({ stderr: error.stderr ?? 'ffmpeg failed' }));
  return result.stderr.trim();
}
