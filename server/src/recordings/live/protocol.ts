// The messages of /ws/record (DESIGN.md): what the client may send in each step, validated.
import { z } from 'zod';
import { liveFormat, recordingId } from '../schema';

/** Step 1. */
export const authMessage = z.object({ token: z.string().min(1).max(400) });

/** Step 2: a new recording (snake_case, as the old recorder sends it) or a resume. */
export const startMessage = z.union([
  z.object({ resume: recordingId }).strict(),
  z.object({
    name: z.string().trim().min(1).max(200),
    meeting_link: z.string().trim().url().max(2000).nullish(),
    org_id: z.string().min(1).max(64).nullish(),
    format: liveFormat.default('pcm_s16le_16000_mono'),
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
