// /openapi.json: generated from the same tRPC routers as /trpc, so the REST mirrors and their
// description cannot drift apart. Plain HTTP routes that are not procedures are described here.
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { appRouter } from '../trpc/router';

export const API_VERSION = '0.1.0';

/** POST /api/recordings/upload takes a raw binary body, which tRPC procedures don't: a plain route. */
const uploadPath: ZodOpenApiPathsObject = {
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
        { name: 'name', in: 'query', required: false, schema: { type: 'string', maxLength: 200 }, description: 'A name for the recording' },
        { name: 'meetingLink', in: 'query', required: false, schema: { type: 'string' }, description: 'The meeting this recording belongs to' },
        { name: 'orgId', in: 'query', required: false, schema: { type: 'string' }, description: 'Share it with an organization you belong to' },
      ],
      requestBody: {
        required: true,
        description: 'WAV, Ogg/Opus, WebM/Opus, raw PCM, or (with ffmpeg on the server) MP3/AAC/M4A; Content-Type audio/*',
        content: {
          'audio/*': { schema: { type: 'string', format: 'binary' } },
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        },
      },
      responses: {
        '201': { description: 'The stored recording', content: { 'application/json': { schema: { type: 'object', properties: { recording: { type: 'object' } } } } } },
        '401': { description: 'Sign in to continue' },
        '413': { description: 'The file is larger than UPLOAD_MAX_BYTES' },
        '415': { description: 'This audio format is not supported' },
      },
    },
  },
};

export function buildOpenApiDocument(publicUrl: string): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: 'Parley',
    description:
      'REST mirrors of the Parley tRPC procedures. Authenticate with `Authorization: Bearer <token>` ' +
      '(the token that register and login return) or the `parley_session` cookie; cookie-authenticated ' +
      'mutations must send an allowed `Origin`. Errors are `{ message, code, data }` with tRPC codes.',
    version: API_VERSION,
    baseUrl: `${publicUrl}/api`,
    docsUrl: `${publicUrl}/docs`,
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'A session token from /auth/register or /auth/login' },
      cookie: { type: 'apiKey', in: 'cookie', name: 'parley_session', description: 'The session cookie browsers receive' },
    },
    paths: uploadPath,
  });
  return document;
}
