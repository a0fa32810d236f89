// parley-record: streams a file, or raw PCM from stdin (arecord, sox), to a Parley server over
// /ws/record with @parley/sdk. Network drops are survived: unacknowledged audio is kept and resent.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createParleyClient, errorCode, type RecordProgress } from '@parley/sdk/node';
import { readWavLayout } from './wav';

const HELP = `parley-record — record audio to a Parley server

Usage:
  parley-record [options] <file>         record a file: wav (16-bit PCM), webm, ogg, or raw PCM with --format;
                                         other files (mp3, m4a, ...) are uploaded whole for the server to convert
  parley-record [options] -              record raw PCM s16le from stdin (default 16 kHz mono)

  arecord -f S16_LE -r 16000 -c 1 -t raw | parley-record --name "Stand-up" -
  sox -d -t raw -r 16000 -c 1 -b 16 -e signed - | parley-record -

Options:
  --url <url>            server URL (env PARLEY_URL, default http://127.0.0.1:3000)
  --email <email>        sign in with this account (env PARLEY_EMAIL) ...
  --password <password>  ... and password (env PARLEY_PASSWORD); or set PARLEY_TOKEN to a session token
  --name <name>          recording name (default: the file name, or "Recording <date>")
  --format <format>      webm | ogg | pcm_s16le_<8000|12000|16000|24000|44100|48000>_<mono|stereo>
                         (default: from the file extension; stdin: pcm_s16le_<rate>_<channels>)
  --rate <hz>            stdin PCM sample rate (default 16000)
  --channels <1|2>       stdin PCM channels (default 1)
  --meeting-link <url>   link of the meeting being recorded
  --org <id>             record into this organization
  --quiet                no progress line
  -h, --help             show this help

Ctrl+C stops recording: what was captured is delivered, then the recording is finished.
Prints the recording id and a download link at the end. Exit codes: 0 done, 1 failed, 2 bad usage.`;

const FORMAT_BY_EXTENSION: Record<string, string> = { '.webm': 'webm', '.ogg': 'ogg', '.opus': 'ogg', '.oga': 'ogg' };

function fail(message: string, code = 1): never {
  process.stderr.write(`parley-record: ${message}\n`);
  process.exit(code);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
        format: { type: 'string' },
        rate: { type: 'string', default: '16000' },
        channels: { type: 'string', default: '1' },
        'meeting-link': { type: 'string' },
        org: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${HELP}`, 2);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${(seconds % 60).toFixed(1).padStart(4, '0')}`;
}

function progressLine(p: RecordProgress): string {
  const duration = formatDuration(p.audioMs ?? p.elapsedMs);
  const state = p.connected ? 'live' : p.recordingId ? 'reconnecting' : 'connecting';
  return `● ${duration}  sent ${formatBytes(p.bytesSent)}  acked ${formatBytes(p.bytesAcked)}  reconnects ${p.reconnects}  ${state}`;
}

async function main() {
  const { values, positionals } = parseCommandLine();
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const input = positionals[0];
  if (!input || positionals.length > 1) fail(`give one file, or - for stdin\n\n${HELP}`, 2);
  const fromStdin = input === '-';
  if (!fromStdin && !fs.existsSync(input)) fail(`no such file: ${input}`, 2);

  const channels = values.channels === '2' ? 'stereo' : 'mono';
  const extension = path.extname(input).toLowerCase();
  const wav = !fromStdin && !values.format && extension === '.wav' ? await readWavLayout(input).catch((e: Error) => fail(e.message, 2)) : null;
  const format = values.format ?? wav?.format ?? (fromStdin ? `pcm_s16le_${values.rate}_${channels}` : FORMAT_BY_EXTENSION[extension]);
  const name = values.name ?? (fromStdin ? `Recording ${new Date().toISOString().slice(0, 16).replace('T', ' ')}` : path.basename(input));

  const url = values.url ?? process.env.PARLEY_URL ?? 'http://127.0.0.1:3000';
  const client = createParleyClient({ url, token: process.env.PARLEY_TOKEN || null });
  const email = values.email ?? process.env.PARLEY_EMAIL;
  const password = values.password ?? process.env.PARLEY_PASSWORD;
  if (!client.token) {
    if (!email || !password) fail('sign in with --email and --password (or PARLEY_EMAIL/PARLEY_PASSWORD), or set PARLEY_TOKEN', 2);
    const result = await client.auth.login.mutate({ email, password });
    if (!('token' in result)) fail('this account uses two-factor sign-in: create a token in the app and set PARLEY_TOKEN');
  }

  if (!format) {
    // Not a live format: the server converts the whole file (ffmpeg) through recordings.upload.
    const { recording } = await client.uploadFile(input, { name, meetingLink: values['meeting-link'], orgId: values.org, format: extension.slice(1) });
    await printResult(client, url, { recordingId: recording.id, durationMs: recording.durationMs, bytes: recording.bytes, reconnects: 0 });
    return;
  }

  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping: sending what was captured...\n');
    stop.abort();
  });
  const live = process.stderr.isTTY;
  let lastPrinted = 0;
  const onProgress = (p: RecordProgress) => {
    if (values.quiet) return;
    if (live) process.stderr.write(`\r\x1b[2K${progressLine(p)}`);
    else if (Date.now() - lastPrinted > 1000 || !p.connected) {
      lastPrinted = Date.now();
      process.stderr.write(`${progressLine(p)}\n`);
    }
  };

  const source = fromStdin ? process.stdin : fs.createReadStream(input, wav ? { start: wav.dataOffset, end: wav.dataOffset + wav.dataBytes - 1 } : {});
  const result = await client.recordFromStream(source, { name, meetingLink: values['meeting-link'], orgId: values.org }, { format, onProgress, signal: stop.signal });
  if (live && !values.quiet) process.stderr.write('\n');
  await printResult(client, url, result);
}

type Finished = { recordingId: string; durationMs: number; bytes: number; reconnects: number };

async function printResult(client: ReturnType<typeof createParleyClient>, url: string, result: Finished) {
  let link = `${url.replace(/\/$/, '')}/recordings/${result.recordingId}/audio`;
  try {
    // recordings.downloadUrl → a short-lived signed link anyone can open.
    const recordings = (client as unknown as { recordings: { downloadUrl: { query(input: { id: string }): Promise<unknown> } } }).recordings;
    const signed = (await recordings.downloadUrl.query({ id: result.recordingId })) as { url?: string } | string;
    link = new URL(typeof signed === 'string' ? signed : (signed.url ?? link), url).toString();
  } catch {
    // An older server without signed links: the plain link works with the token.
  }
  process.stdout.write(`recording ${result.recordingId} finished: ${formatDuration(result.durationMs)}, ${formatBytes(result.bytes)}, ${result.reconnects} reconnects\n`);
  process.stdout.write(`download: ${link}\n`);
  await client.close();
}

main().catch((error: unknown) => {
  const code = errorCode(error);
  fail(code ? `${code}: ${(error as Error).message}` : ((error as Error).stack ?? String(error)));
});
