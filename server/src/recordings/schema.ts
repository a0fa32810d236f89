// Inputs and outputs of recordings.*: every string bounded; outputs typed for the SDK and OpenAPI.
import { z } from 'zod';
import { LIVE_PCM_RATES, parseInputFormat } from './audio/formats';
import { meetingLinkInput } from './meeting-link';

export const recordingId = z.string().min(1).max(64).regex(/^[a-z0-9]+$/, 'not a recording id');
const orgId = z.string().min(1).max(64);

/** Declared input formats of live recordings: raw PCM (rate and channels spelled out), WebM/Opus, Ogg/Opus. */
export const liveFormat = z
  .string()
  .trim()
  .toLowerCase()
  .max(40)
  .refine((value) => parseInputFormat(value) !== null, {
    message: `expected pcm_s16le_<${LIVE_PCM_RATES.join('|')}>_<mono|stereo>, webm or ogg`,
  });

export const recordingMeta = z.object({
  name: z.string().trim().min(1).max(200),
  /** Without a scheme it becomes https://…; empty means none; only http(s) links are accepted. */
  meetingLink: meetingLinkInput,
  orgId: orgId.optional().nullable(),
});

export const startRecordingInput = recordingMeta.extend({ format: liveFormat.default('pcm_s16le_16000_mono') });

export const listRecordingsInput = z
  .object({
    orgId: orgId.optional(),
    cursor: z.string().max(200).optional().nullable(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });

export const recordingIdInput = z.object({ id: recordingId });

export const recordingView = z
  .object({
  id: z.string(),
  name: z.string(),
  meetingLink: z.string().nullable(),
  orgId: z.string().nullable(),
  ownerId: z.string(),
  /** The input format the recording came from; the stored file is always Ogg/Opus. */
  format: z.string(),
  status: z.enum(['live', 'finished', 'failed']),
  durationMs: z.number().int(),
  bytes: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
})
  .meta({ id: 'Recording' });
export type RecordingView = z.infer<typeof recordingView>;

export const recordingPage = z.object({ recordings: z.array(recordingView), nextCursor: z.string().nullable() });
export const downloadUrlOutput = z.object({ url: z.string(), expiresAt: z.string() });
export const startRecordingOutput = z.object({ recordingId: z.string(), filename: z.string() });
export const deleteRecordingOutput = z.object({ deleted: z.boolean() });
export const uploadRecordingOutput = z.object({ recording: recordingView });
