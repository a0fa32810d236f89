// /openapi.json: generated from the same tRPC routers and zod schemas as /api (trpc-to-openapi),
// then completed with what the generator cannot know: the one error body and every status an
// operation can answer, `security: []` on public operations, and the plain HTTP routes that are
// not procedures (the binary upload and the server-sent event streams).
import type { AnyTRPCProcedure } from '@trpc/server';
import type { OpenAPIObject } from 'trpc-to-openapi';
import { appRouter } from '../trpc/router';
import { errorKeys } from '../errors';
import { errorComponents, statusesOf } from './error-responses';
import { eventStreamPaths, eventStreamStatuses } from './event-paths';
import { BODY_METHODS, restMetaOf } from './rest-routes';
import { uploadPath, uploadStatuses } from './upload-path';

export const API_VERSION = '0.2.0';

type Operation = { security?: unknown[]; responses: Record<string, unknown>; parameters?: { in: string }[] };

/** Replaces the generator's error answers by references to the shared ones, for every status this operation can give. */
function completeOperation(operation: Operation, statuses: readonly number[]): void {
  const success = Object.fromEntries(Object.entries(operation.responses).filter(([status]) => status.startsWith('2')));
  operation.responses = { ...success, ...Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/${status}` }])) };
  if (!operation.security) operation.security = [];
}

type SchemaNode = { properties?: Record<string, unknown>; anyOf?: SchemaNode[]; oneOf?: SchemaNode[] };

function addOAuth2Fields(schema: unknown): void {
  const node = schema as SchemaNode | undefined;
  if (!node) return;
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) addOAuth2Fields(branch);
  if (!node.properties?.token) return;
  node.properties.access_token = { type: 'string', description: 'The same token, for OAuth2 clients' };
  node.properties.token_type = { type: 'string', enum: ['bearer'] };
}

/** trpc-to-openapi is imported here, on first use: loading it cost ≈ 0.15 s of CPU on every start. */
export async function buildOpenApiDocument(publicUrl: string): Promise<OpenAPIObject> {
  const { generateOpenApiDocument } = await import('trpc-to-openapi');
  const document = generateOpenApiDocument(appRouter, {
    title: 'Parley',
    description:
      'Accounts, sessions, realtime rooms and audio recording over REST and server-sent events: the same ' +
      'procedures as the tRPC API at /trpc. Authenticate with `Authorization: Bearer <token>` (the token ' +
      'register, login, guest and the two-factor step return) or the `parley_session` cookie; cookie-' +
      'authenticated mutations must send an allowed `Origin`. Every error is `{ message, code, key?, issues? }`: ' +
      'branch on `key`, a stable name from the error catalogue; `message` is for people. Throttled answers ' +
      '(429) carry `Retry-After` in seconds.',
    version: API_VERSION,
    baseUrl: `${publicUrl}/api`,
    docsUrl: `${publicUrl}/docs`,
    license: { name: 'MIT', identifier: 'MIT' },
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'A session token from /auth/register, /auth/login, /auth/guest or /auth/totp/verify-login' },
      cookie: { type: 'apiKey', in: 'cookie', name: 'parley_session', description: 'The session cookie browsers receive' },
      // The OAuth2 password form of POST /auth/login (username = e-mail): the docs' "Authorize" button and OAuth2 clients.
      oauth2: { type: 'oauth2', description: 'Sign in with e-mail and password; the answer\'s access_token is the session token', flows: { password: { tokenUrl: `${publicUrl}/api/auth/login`, scopes: {} } } },
    },
    paths: { ...uploadPath, ...eventStreamPaths },
  });

  const paths = document.paths as Record<string, Record<string, Operation>>;
  for (const procedure of Object.values(appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>)) {
    const meta = restMetaOf(procedure);
    if (!meta || procedure._def.type === 'subscription') continue;
    const operation = paths[meta.path.replace(/\/$/, '')]?.[meta.method.toLowerCase()];
    if (!operation) continue;
    const declared = Array.isArray(meta.errorResponses) ? meta.errorResponses : Object.keys(meta.errorResponses ?? {}).map(Number);
    completeOperation(
      operation,
      statusesOf({
        isPublic: meta.protect === false,
        hasBody: BODY_METHODS.has(meta.method),
        isMutation: procedure._def.type === 'mutation',
        hasPathParams: meta.path.includes('{'),
        declared,
      }),
    );
  }
  // The plain routes declare their statuses themselves; they get the shared error answers too.
  for (const [path, statuses] of Object.entries({ ...uploadStatuses, ...eventStreamStatuses })) {
    completeOperation(paths[path]!.get ?? paths[path]!.post!, statuses);
  }
  // The OAuth2 password form of sign-in (auth/oauth2-login.ts) adds access_token and token_type
  // beside token on REST login and register answers: describe them where token is.
  for (const path of ['/auth/login', '/auth/register']) {
    const success = paths[path]?.post?.responses['200'] as { content?: Record<string, { schema?: unknown }> } | undefined;
    addOAuth2Fields(success?.content?.['application/json']?.schema);
  }
  const components = (document.components ??= {}) as Record<string, Record<string, unknown>>;
  const errors = errorComponents(errorKeys);
  // The generator's own error schemas (error.BAD_REQUEST...) are replaced by the one error body.
  const generated = Object.entries(components.schemas ?? {}).filter(([name]) => !name.startsWith('error.'));
  components.schemas = { ...Object.fromEntries(generated), ...errors.schemas };
  components.responses = { ...components.responses, ...errors.responses };
  components.headers = { ...components.headers, ...errors.headers };
  document.tags = [
    { name: 'auth', description: 'Accounts: register, sign in (password, guest, two-factor), passwords and e-mail' },
    { name: 'passkeys', description: 'WebAuthn passkeys: sign-up, sign-in, list and remove' },
    { name: 'totp', description: 'Two-factor codes from an authenticator app' },
    { name: 'sessions', description: 'Where you are signed in' },
    { name: 'orgs', description: 'Organizations and their members' },
    { name: 'rooms', description: 'Realtime rooms: messages, typing, presence, events over SSE' },
    { name: 'recordings', description: 'Audio recordings: live, uploaded, downloaded' },
    { name: 'system', description: 'Liveness' },
  ];
  return document;
}
