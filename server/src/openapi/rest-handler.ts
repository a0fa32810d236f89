// /api/*: REST mirrors of the procedures that carry `openapi` meta (trpc-to-openapi). The same
// router, the same context (cookie or bearer, CSRF for cookie mutations, Set-Cookie on sign-in)
// and the same errors as /trpc; only the URL and the JSON envelope differ.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import type { AppDeps } from '../deps';
import type { RouteHandler } from '../http/routes';
import { createHttpContext } from '../trpc/context';
import { findAppError } from '../errors';
import type { Context } from '../trpc/context';
import { appRouter } from '../trpc/router';

export const API_PREFIX = '/api';
/** Same limit as /trpc: JSON inputs are small; audio goes to /api/recordings/upload or /ws/record. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

type BodyResult = { ok: true; body: unknown } | { ok: false; status: number; code: string; message: string };

/** Reads a JSON body ourselves: a hard size limit, and charset-qualified content types accepted. */
async function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_JSON_BODY_BYTES) return { ok: false, status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request is too large' };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) return { ok: false, status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request is too large' };
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400, code: 'PARSE_ERROR', message: 'The body is not valid JSON' };
  }
}

/** As on /trpc: cookies and headers procedures asked for, and Retry-After for throttled calls. */
function responseMetaOf({ ctx, errors }: { ctx?: Context; errors: readonly unknown[] }) {
  const headers: Record<string, string | string[]> = { ...(ctx?.responseHeaders ?? {}) };
  if (ctx?.responseCookies.length) headers['set-cookie'] = ctx.responseCookies;
  const retryAfter = errors.map((e) => findAppError(e)?.retryAfterSeconds).find((s) => s !== undefined);
  if (retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  return { headers };
}

function sendError(res: ServerResponse, status: number, code: string, message: string) {
  const json = JSON.stringify({ message, code });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

export function createRestRoute(deps: AppDeps): RouteHandler {
  // The node adapter (not the standalone one, which turns req into a fetch Request): our context
  // reads the IncomingMessage, exactly as /trpc does.
  const handler = createOpenApiNodeHttpHandler<typeof appRouter, IncomingMessage, ServerResponse>({
    router: appRouter,
    maxBodySize: MAX_JSON_BODY_BYTES,
    createContext: ({ req, res }) => createHttpContext(deps, req, res as ServerResponse),
    responseMeta: responseMetaOf,
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: error.cause ?? error, path }, 'procedure failed');
    },
  });

  return async (req, res) => {
    const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    if (hasBody) {
      // A bodiless POST (logout) needs no Content-Type: curl -X POST is enough.
      const contentType = req.headers['content-type'];
      if (!contentType && !Number(req.headers['content-length'] ?? 0) && !req.headers['transfer-encoding']) {
        req.headers['content-type'] = 'application/json';
      }
      // A body already parsed in front of this handler (the OAuth2 form login) is used as it is.
      if (req.headers['content-type']?.startsWith('application/json') && (req as IncomingMessage & { body?: unknown }).body === undefined) {
        const read = await readJsonBody(req);
        if (!read.ok) return sendError(res, read.status, read.code, read.message);
        // trpc-to-openapi uses req.body as it is when present.
        (req as IncomingMessage & { body?: unknown }).body = read.body;
      }
    }
    // The handler matches procedure paths without our mount point.
    req.url = req.url!.slice(API_PREFIX.length) || '/';
    await handler(req, res);
  };
}
