// POST /api/recordings/upload in the document: a raw binary body (a whole audio file), which tRPC
// procedures' JSON routes can't describe, answered with the stored recording.
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { uploadRecordingOutput } from '../recordings/schema';

export const uploadPath: ZodOpenApiPathsObject = {
  '/recordings/upload': {
    post: {
      operationId: 'recordings-upload',
      summary: 'Upload a whole audio file; stored as Ogg/Opus 16 kHz mono',
      description:
        'The body is the file itself (curl --data-binary @file). Metadata in the query string or in ' +
        'x-recording-name / x-recording-meeting-link / x-recording-org-id headers (percent-encoded).',
      tags: ['recordings'],
      security: [{ bearer: [] }, { cookie: [] }],
      parameters: [
        { name: 'name', in: 'query', required: false, schema: { type: 'string', maxLength: 200 }, description: 'A name for the recording', example: 'Standup 2026-12-06' },
        { name: 'meetingLink', in: 'query', required: false, schema: { type: 'string', maxLength: 2000 }, description: 'The meeting this recording belongs to' },
        { name: 'orgId', in: 'query', required: false, schema: { type: 'string', maxLength: 64 }, description: 'Share it with an organization you belong to' },
      ],
      requestBody: {
        required: true,
        description: 'WAV, Ogg/Opus, WebM/Opus, raw PCM, or (with ffmpeg on the server) MP3/AAC/M4A',
        content: {
          'audio/*': { schema: { type: 'string', format: 'binary' } },
          'video/webm': { schema: { type: 'string', format: 'binary' } },
          'application/ogg': { schema: { type: 'string', format: 'binary' } },
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        },
      },
      responses: {
        '201': { description: 'The stored recording', content: { 'application/json': { schema: uploadRecordingOutput } } },
      },
    },
  },
};

/** 404: an orgId that is not one of yours (never revealed whether it exists). */
export const uploadStatuses: Record<string, number[]> = { '/recordings/upload': [400, 401, 403, 404, 413, 415, 429, 500, 503] };
