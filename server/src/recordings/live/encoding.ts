// The seam between recordings and the audio pipeline (audio/, see its README): the live encoder
// restored from a saved state, and the whole-file transcoder writing into storage.
import { Writable, type Readable } from 'node:stream';
import { createLiveEncoder, type LiveEncoder, type ResumeState } from '../audio/encoder';
import type { AudioLimits } from '../audio/limits';
import { transcodeToOggOpus, type TranscodeOptions } from '../audio/pipeline';
import type { AppendHandle } from '../storage';

export type { LiveEncoder, ResumeState };

export function parseResumeState(json: string | null): ResumeState | null {
  return json ? (JSON.parse(json) as ResumeState) : null;
}

/** Where the durable part of the file ends for this state (bytes after it are cut off on resume). */
export function durableBytesOf(state: ResumeState | null): number {
  return state?.muxer?.bytes ?? 0;
}

export function openLiveEncoder(format: string, state: ResumeState | null, limits?: AudioLimits): LiveEncoder {
  return createLiveEncoder({ inputFormat: format, ...(state ? { resumeState: state } : {}), ...(limits ? { limits } : {}) });
}

/** The short name of an upload's format for the recordings table, from its Content-Type. */
export function formatOfContentType(contentType: string | null): string {
  const subtype = contentType?.split('/')[1]?.replace(/^x-/, '') ?? 'unknown';
  return ({ 'wave': 'wav', 'vnd.wave': 'wav', 'mpeg': 'mp3', 'mp4': 'm4a', 'octet-stream': 'unknown' } as Record<string, string>)[subtype] ?? subtype.slice(0, 20);
}

/** Streams an uploaded file through the pipeline (its transcoder in an encoder thread) into file. */
export async function encodeUploadedFile(body: Readable, contentType: string | null, file: AppendHandle, options: TranscodeOptions): Promise<{ durationMs: number }> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      file.append(chunk).then(() => callback(), callback);
    },
  });
  const result = await transcodeToOggOpus(body, contentType ? { contentType } : {}, sink, options);
  return { durationMs: result.durationMs };
}
