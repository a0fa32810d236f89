// The messages of /ws/record (DESIGN.md): what the client may send in each step, validated.
import { z } from 'zod';
import { meetingLinkInput } from '../meeting-link';
import { liveFormat, recordingId } from '../schema';

/** Step 1. */
export const authMessage = z.object({ token: z.string().min(1).max(400) });

/**
 * Step 2: a new recording (snake_case, as the old recorder sends it) or a resume. Without
 * `format` the connection is in compatibility mode: the old recorder's raw chunks, no seq.
 */
export const startMessage = z.union([
  z.object({ resume: recordingId }).strict(),
  z.object({
    name: z.string().trim().min(1).max(200),
    meeting_link: meetingLinkInput,
    org_id: z.string().min(1).max(64).nullish(),
    format: liveFormat.optional(),
  }),
]);

export const controlMessage = z.object({ type: z.literal('stop') });

/** Largest audio frame accepted: 1 s of 48 kHz stereo s16le plus the seq header. */
export const MAX_FRAME_BYTES = 4 + 48_000 * 2 * 2;

export type ParsedFrame = { seq: number; payload: Buffer } | { error: string };

export function parseFrame(data: Buffer): ParsedFrame {
  if (data.length < 5) return { error: 'A frame is a 4-byte big-endian seq followed by audio' };
  if (data.length > MAX_FRAME_BYTES) return { error: `A frame holds at most ${MAX_FRAME_BYTES} bytes` };
  return { seq: data.readUInt32BE(0), payload: data.subarray(4) };
}

/** The container a chunk starts with: what compatibility mode records, and what the first frame is checked against. */
export function sniffChunk(payload: Buffer): 'ogg' | 'webm' | 'wav' | null {
  if (payload.length >= 4 && payload.toString('latin1', 0, 4) === 'OggS') return 'ogg';
  if (payload.length >= 4 && payload.readUInt32BE(0) === 0x1a45dfa3) return 'webm';
  if (payload.length >= 4 && payload.toString('latin1', 0, 4) === 'RIFF') return 'wav';
  return null;
}

/** Why the first frame of a recording does not match its declared format, or null when it does. */
export function firstFrameMismatch(format: string, payload: Buffer): string | null {
  const found = sniffChunk(payload);
  const names = { ogg: 'Ogg', webm: 'WebM', wav: 'WAV' } as const;
  if (format === 'ogg' || format === 'webm') {
    return found === format ? null : `This recording was declared ${format}, but its first frame is not ${names[format]} data (it must start with the ${names[format]} header)`;
  }
  return found ? `This recording was declared ${format} (raw PCM), but its first frame is ${names[found]} data; declare format "${found === 'wav' ? 'a pcm_s16le_… matching the file' : found}"` : null;
}

/** JSON text, or null when it is not a JSON object. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Close reasons are limited to 123 bytes by RFC 6455. */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}
