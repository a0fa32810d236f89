// The server-sent event routes in the document: room events and recording progress as
// text/event-stream, the subscriptions rooms.events and recordings.events for plain HTTP clients.
import type { ZodOpenApiPathsObject } from 'zod-openapi';

const STREAM_DESCRIPTION =
  'A text/event-stream. Each event is `event: <type>`, `id: <event id>` (room events), and `data: <JSON>`. ' +
  'Comment lines (`: keep-alive`) keep idle connections open. The stream ends with `event: end` and ' +
  '`data: {"reason","code","key"}`: key SESSION_REVOKED when the session was revoked or expired (sign in ' +
  'again), SUBSCRIBER_TOO_SLOW when the client fell behind, or reason `restarting` (code 1012) when the server shuts down: reconnect and resume.';

const streamContent = {
  'text/event-stream': {
    schema: { type: 'string' as const, description: 'Server-sent events' },
    example: 'id: 42\nevent: message\ndata: {"type":"message","id":42,"roomId":"r1","senderId":"u1","senderName":"Ada","body":"hello","clientMessageId":null,"createdAt":"2026-12-06T10:00:00.000Z"}\n\n',
  },
};

const lastEventIdHeader = {
  name: 'Last-Event-ID',
  in: 'header' as const,
  required: false,
  description: 'Resume after this event: every message after it is replayed before live ones (browsers send it on reconnect)',
  schema: { type: 'string' as const, maxLength: 64 },
};

export const eventStreamPaths: ZodOpenApiPathsObject = {
  '/rooms/{roomId}/events': {
    get: {
      operationId: 'rooms-events',
      summary: 'Follow a room: messages, typing and presence as server-sent events',
      description: `${STREAM_DESCRIPTION} Resuming with Last-Event-ID (or ?lastEventId=) replays every message after that id: no gap, no duplicate, on any instance.`,
      tags: ['rooms'],
      security: [{ bearer: [] }, { cookie: [] }],
      parameters: [
        { name: 'roomId', in: 'path', required: true, schema: { type: 'string', maxLength: 64 } },
        { name: 'lastEventId', in: 'query', required: false, description: 'As the Last-Event-ID header, for clients that cannot set headers', schema: { type: 'string', maxLength: 64 } },
        lastEventIdHeader,
      ],
      responses: { '200': { description: 'The room event stream', content: streamContent } },
    },
  },
  '/recordings/{id}/events': {
    get: {
      operationId: 'recordings-events',
      summary: 'Follow a recording: its state now, progress while live, then finished (or failed/deleted)',
      description: STREAM_DESCRIPTION,
      tags: ['recordings'],
      security: [{ bearer: [] }, { cookie: [] }],
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 64 } }],
      responses: { '200': { description: 'The recording event stream', content: streamContent } },
    },
  },
};

export const eventStreamStatuses: Record<string, number[]> = {
  '/rooms/{roomId}/events': [400, 401, 403, 404, 429, 500, 503],
  '/recordings/{id}/events': [400, 401, 403, 404, 429, 500, 503],
};
