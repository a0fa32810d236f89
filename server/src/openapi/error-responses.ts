// The one error body of the document (`{ message, code, key?, issues? }`, key from the catalogue),
// one shared response per status, and which statuses an operation can answer.
import type { ErrorKey } from '../errors';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: invalid JSON, a body nested too deep, or values the schema refuses (see issues)',
  401: 'No session, a dead one, or wrong credentials',
  403: 'Not allowed: a guest account, not a member, or a cookie-authenticated mutation from a foreign Origin',
  404: 'Not found, or not yours (never revealed which)',
  409: 'Conflicts with what exists (an e-mail already taken, two-factor already on...)',
  413: 'The body is too large',
  415: 'Wrong Content-Type for the body',
  429: 'Throttled: try again after Retry-After seconds',
  500: 'A bug on our side; the request id is in the x-request-id header',
  503: 'The database is unavailable or the server is shutting down; retry shortly',
};

const EXAMPLES: Record<number, { message: string; code: string; key: ErrorKey }> = {
  400: { message: 'Invalid input: email: must be a valid email address', code: 'BAD_REQUEST', key: 'INVALID_INPUT' },
  401: { message: 'Invalid email or password', code: 'UNAUTHORIZED', key: 'INVALID_CREDENTIALS' },
  403: { message: 'Join the room first', code: 'FORBIDDEN', key: 'NOT_MEMBER' },
  404: { message: 'Room not found', code: 'NOT_FOUND', key: 'ROOM_NOT_FOUND' },
  409: { message: 'An account with this email already exists', code: 'CONFLICT', key: 'EMAIL_TAKEN' },
  413: { message: 'The request is too large', code: 'PAYLOAD_TOO_LARGE', key: 'PAYLOAD_TOO_LARGE' },
  415: { message: 'Send the body as application/json', code: 'UNSUPPORTED_MEDIA_TYPE', key: 'UNSUPPORTED_CONTENT_TYPE' },
  429: { message: 'Too many attempts; try again later', code: 'TOO_MANY_REQUESTS', key: 'RATE_LIMITED' },
  500: { message: 'Internal server error', code: 'INTERNAL_SERVER_ERROR', key: 'INTERNAL' },
  503: { message: 'The service is temporarily unavailable; try again shortly', code: 'SERVICE_UNAVAILABLE', key: 'DATABASE_UNAVAILABLE' },
};

const TRPC_CODES = [
  'PARSE_ERROR', 'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_SUPPORTED', 'CONFLICT',
  'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNPROCESSABLE_CONTENT', 'TOO_MANY_REQUESTS', 'INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE',
];

export type OperationTraits = { isPublic: boolean; hasBody: boolean; isMutation: boolean; hasPathParams: boolean; declared: readonly number[] };

/** Every status an operation can answer besides success, from what it is (public, has a body...) plus what its meta declares. */
export function statusesOf(traits: OperationTraits): number[] {
  const statuses = new Set<number>([400, 429, 500, 503, ...traits.declared]);
  if (!traits.isPublic) statuses.add(401).add(403);
  // A cookie-authenticated mutation from a foreign Origin is refused, signed in or not.
  if (traits.isMutation) statuses.add(403);
  if (traits.hasBody) statuses.add(413).add(415);
  if (traits.hasPathParams) statuses.add(404);
  return [...statuses].sort((a, b) => a - b);
}

export function errorComponents(keys: readonly ErrorKey[]) {
  const schemas = {
    Error: {
      type: 'object',
      description: 'The one error body of every HTTP answer that is not a success.',
      required: ['message', 'code'],
      additionalProperties: false,
      properties: {
        message: { type: 'string', description: 'For people: short and specific; may change between versions' },
        code: { type: 'string', enum: TRPC_CODES, description: "tRPC's code for the error class (it decides the HTTP status)" },
        key: { type: 'string', enum: [...keys], description: 'The stable name of this error in the catalogue: what clients branch on' },
        issues: {
          type: 'array',
          description: 'With INVALID_INPUT: what is wrong with which field',
          items: {
            type: 'object',
            required: ['path', 'message', 'code'],
            additionalProperties: false,
            properties: { path: { type: 'array', items: { type: 'string' } }, message: { type: 'string' }, code: { type: 'string' } },
          },
        },
      },
    },
  };
  const headers = {
    RetryAfter: { description: 'Seconds until the client may try again', schema: { type: 'integer', minimum: 1 } },
  };
  const responses = Object.fromEntries(
    Object.entries(DESCRIPTIONS).map(([status, description]) => [
      status,
      {
        description,
        ...(status === '429' ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: EXAMPLES[Number(status)] } },
      },
    ]),
  );
  return { schemas, headers, responses };
}
