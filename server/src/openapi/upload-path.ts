// POST /api/recordings/upload and /api/recordings/stream in the document: binary bodies (a whole
// audio file, or a chunked live stream), which tRPC procedures' JSON routes can't describe.
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
          'multipart/form-data': {
            schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'The audio file' } } },
          },
        },
      },
      responses: {
        '201': { description: 'The stored recording', content: { 'application/json': { schema: uploadRecordingOutput } } },
      },
    },
  },
  '/recordings/stream': {
    post: {
      operationId: 'recordings-stream',
      summary: "Stream a live recording in one chunked request (the old recorder's ingestion)",
      description:
        'The body (usually Transfer-Encoding: chunked) is Ogg/Opus or WebM/Opus, appended as it arrives. When it ' +
        'ends the recording is finished (201); with finish=false it stays live (200). recording_id appends to one ' +
        'of your live recordings, which is also how to continue after a broken connection.',
      tags: ['recordings'],
      security: [{ bearer: [] }, { cookie: [] }],
      parameters: [
        { name: 'name', in: 'query', required: false, schema: { type: 'string', maxLength: 200 } },
        { name: 'recording_id', in: 'query', required: false, schema: { type: 'string', maxLength: 64 }, description: 'Append to this live recording of yours' },
        { name: 'finish', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] }, description: 'false: keep the recording live when the body ends' },
      ],
      requestBody: {
        required: true,
        content: {
          'audio/ogg': { schema: { type: 'string', format: 'binary' } },
          'audio/webm': { schema: { type: 'string', format: 'binary' } },
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        },
      },
      responses: {
        '200': { description: 'The recording, still live', content: { 'application/json': { schema: uploadRecordingOutput } } },
        '201': { description: 'The finished recording', content: { 'application/json': { schema: uploadRecordingOutput } } },
      },
    },
  },
};

/** 404: an orgId that is not one of yours (never revealed whether it exists). */
export const uploadStatuses: Record<string, number[]> = {
  '/recordings/upload': [400, 401, 403, 404, 413, 415, 429, 500, 503],
  '/recordings/stream': [400, 401, 403, 404, 409, 413, 415, 429, 500, 503],
};
