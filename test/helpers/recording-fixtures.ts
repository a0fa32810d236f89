// Real audio for the recording tests, made once per machine with espeak-ng, sox and ffmpeg:
// speech at 16 kHz mono (raw s16le for live streams) and whole files in upload formats.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = path.join(os.tmpdir(), 'parley-recording-fixtures-v1');
const TEXT =
  'Parley records meetings without losing a word. The quick brown fox jumps over the lazy dog. ' +
  'Every frame is numbered, written to disk, and acknowledged only when it is safe. ';

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates the file with make() unless a previous run (or a parallel worker) already did. */
function cached(name: string, make: (file: string) => void): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}.partial${path.extname(file)}`;
    make(partial);
    fs.renameSync(partial, file);
  }
  return file;
}

/** Speech as a WAV at 16 kHz mono, exactly `seconds` long (the sentence repeated, then trimmed). */
export function speechWav16k(seconds: number): string {
  const voice = cached('voice.wav', (file) => run('espeak-ng', ['-w', file, '-s', '160', TEXT]));
  return cached(`speech-${seconds}s-16k.wav`, (file) =>
    run('sox', [voice, '-r', '16000', '-c', '1', '-b', '16', file, 'repeat', String(Math.ceil(seconds / 4)), 'trim', '0', String(seconds)]),
  );
}

/** Raw s16le 16 kHz mono speech, `seconds` long: what a live client streams. */
export function speechPcm16k(seconds: number): Buffer {
  const raw = cached(`speech-${seconds}s-16k.raw`, (file) => run('sox', [speechWav16k(seconds), '-t', 'raw', '-e', 'signed', '-b', '16', '-L', file]));
  return fs.readFileSync(raw);
}

/** 48 kHz stereo 16-bit WAV. */
export function speechWav48kStereo(seconds: number): string {
  return cached(`speech-${seconds}s-48k-stereo.wav`, (file) => run('sox', [speechWav16k(seconds), '-r', '48000', '-c', '2', file]));
}

/**
 * WebM/Opus as Chrome's MediaRecorder makes it: 48 kHz, mono, 20 ms Opus frames in a WebM
 * container, at `bitrate` (24k: what the README asks browsers for, so the server copies it).
 */
export function speechWebmOpus(seconds: number, bitrate = '24k'): string {
  return cached(`speech-${seconds}s-${bitrate}.webm`, (file) =>
    run('ffmpeg', ['-nostdin', '-y', '-loglevel', 'error', '-i', speechWav16k(seconds), '-ar', '48000', '-ac', '1', '-c:a', 'libopus', '-b:a', bitrate, '-frame_duration', '20', '-f', 'webm', file]),
  );
}

/** Ogg/Opus from ffmpeg at any input rate and bitrate, mono, 20 ms frames. */
export function speechOggOpus(seconds: number, options: { sampleRate: number; bitrate: string }): string {
  return cached(`speech-${seconds}s-${options.sampleRate}-${options.bitrate}.ogg`, (file) =>
    run('ffmpeg', ['-nostdin', '-y', '-loglevel', 'error', '-i', speechWav16k(seconds), '-ar', String(options.sampleRate), '-ac', '1', '-c:a', 'libopus', '-b:a', options.bitrate, '-frame_duration', '20', '-f', 'ogg', file]),
  );
}

/** MP3 (44.1 kHz stereo): needs ffmpeg on the server. */
export function speechMp3(seconds: number): string {
  return cached(`speech-${seconds}s.mp3`, (file) =>
    run('ffmpeg', ['-nostdin', '-y', '-loglevel', 'error', '-i', speechWav16k(seconds), '-ar', '44100', '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', file]),
  );
}

/** AAC in an M4A (MP4) container, 44.1 kHz stereo: needs ffmpeg on the server. */
export function speechAac(seconds: number): string {
  return cached(`speech-${seconds}s.m4a`, (file) =>
    run('ffmpeg', ['-nostdin', '-y', '-loglevel', 'error', '-i', speechWav16k(seconds), '-ar', '44100', '-ac', '2', '-c:a', 'aac', '-b:a', '96k', '-f', 'mp4', file]),
  );
}

export function textFile(): string {
  return cached('notes.txt', (file) => fs.writeFileSync(file, `${TEXT}\n`.repeat(50)));
}

export type Probe = { codec: string; channels: number; sampleRate: number; durationS: number; bitRate: number; format: string };

/** What ffprobe says about an audio file (first audio stream and container). */
export function probeAudio(file: string): Probe {
  const out = execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { encoding: 'utf8' });
  const info = JSON.parse(out) as { streams: Record<string, string | number>[]; format: Record<string, string> };
  const stream = info.streams.find((s) => s.codec_type === 'audio')!;
  return {
    codec: String(stream.codec_name),
    channels: Number(stream.channels),
    sampleRate: Number(stream.sample_rate),
    durationS: Number(info.format.duration),
    bitRate: Number(info.format.bit_rate),
    format: info.format.format_name!,
  };
}

/** Decodes the whole file with ffmpeg; throws (with ffmpeg's complaint) if any of it is broken. */
export function decodeStrictly(file: string): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function writeTemp(name: string, bytes: Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parley-rec-')), name);
  fs.writeFileSync(file, bytes);
  return file;
}
