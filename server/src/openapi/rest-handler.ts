// /api/*: the REST form of every query and mutation that declares `openapi` meta. The same router,
// context (cookie or bearer, CSRF for cookie mutations, Set-Cookie on sign-in) and error catalogue
// as /trpc; only the URL and the envelope differ. trpc-to-openapi writes the document from the same
// meta; we serve the routes ourselves because its node adapter answers errors with tRPC's whole
// shape (`data`, which the one error body has not) and rewrites procedures' zod schemas in place.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getErrorShape, getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import type { AppDeps } from '../deps';
import { AppError, type ErrorBody } from '../errors';
import { sendAppError } from '../http/error-response';
import type { RequestUrl, RouteHandler } from '../http/routes';
import { createHttpContext, type Context } from '../trpc/context';
import { createCallerFactory } from '../trpc/init';
import { appRouter } from '../trpc/router';
import { findStreamRoute, serveEventStream } from './event-stream';
import { coerceQuery, readJsonBody } from './json-body';
import { BODY_METHODS, buildRestRoutes, matchRestRoute, type RestRoute } from './rest-routes';

export const API_PREFIX = '/api';
export { MAX_JSON_BODY_BYTES } from './json-body';

const createCaller = createCallerFactory(appRouter);
type ShapeData = { code: ErrorBody['code']; httpStatus: number; key?: ErrorBody['key']; issues?: ErrorBody['issues']; retryAfter?: number };

/** Cookies and headers the procedure asked for (sign-in, sign-out). */
function responseHeadersOf(ctx: Context | undefined): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { ...(ctx?.responseHeaders ?? {}) };
  if (ctx?.responseCookies.length) headers['set-cookie'] = ctx.responseCookies;
  return headers;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]>) {
  const json = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** A call's input: the JSON body (POST/PUT/PATCH) or the query string, plus the path parameters. */
async function readInput(req: IncomingMessage, url: RequestUrl, route: RestRoute, params: Record<string, string>): Promise<unknown> {
  let fromRequest: unknown;
  if (BODY_METHODS.has(route.method)) {
    const contentType = req.headers['content-type'];
    // A bodiless POST (logout) needs no Content-Type: curl -X POST is enough.
    const bodiless = !Number(req.headers['content-length'] ?? 0) && !req.headers['transfer-encoding'];
    if (!(bodiless && !contentType) && !/^application\/json\s*(;|$)/i.test(contentType ?? '')) {
      throw new AppError('UNSUPPORTED_CONTENT_TYPE', { message: `Send the body as application/json (got ${contentType ? JSON.stringify(contentType.slice(0, 100)) : 'no Content-Type'})` });
    }
    fromRequest = await readJsonBody(req);
  } else {
    fromRequest = coerceQuery(route.inputParser, url.searchParams);
  }
  if (!route.params.length) return fromRequest;
  if (fromRequest !== undefined && (typeof fromRequest !== 'object' || fromRequest === null || Array.isArray(fromRequest))) {
    throw new AppError('INVALID_INPUT', { message: 'Invalid input: the body must be a JSON object' });
  }
  return { ...(fromRequest as object | undefined), ...params };
}

export function createRestRoute(deps: AppDeps): RouteHandler {
  const routes = buildRestRoutes(appRouter);

  return async (req, res, url) => {
    const path = url.pathname.slice(API_PREFIX.length) || '/';
    let stream: ReturnType<typeof findStreamRoute>;
    try {
      stream = findStreamRoute(path);
      if (stream) return await serveEventStream(deps, req, res, url, stream);
    } catch (error) {
      if (error instanceof URIError) return sendAppError(res, new AppError('INVALID_INPUT', { message: 'Bad path encoding' }));
      throw error;
    }
    let matched: ReturnType<typeof matchRestRoute>;
    try {
      matched = matchRestRoute(routes, req.method ?? 'GET', path);
    } catch {
      return sendAppError(res, new AppError('INVALID_INPUT', { message: 'Bad path encoding' }));
    }
    if (!matched) return sendAppError(res, new AppError('ROUTE_NOT_FOUND'));
    if ('allowed' in matched) return sendAppError(res, new AppError('METHOD_NOT_ALLOWED'), { allow: matched.allowed.join(', ') });
    const { route, params } = matched;

    let ctx: Context | undefined;
    let input: unknown;
    try {
      input = await readInput(req, url, route, params);
      ctx = await createHttpContext(deps, req, res);
      const caller = createCaller(ctx) as unknown as Record<string, unknown>;
      const call = route.procedurePath.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
      const data = await call(input);
      send(res, 200, data ?? null, responseHeadersOf(ctx));
    } catch (cause) {
      if (cause instanceof AppError && !ctx) return sendAppError(res, cause);
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: error.cause ?? error, path: route.procedurePath }, 'procedure failed');
      // Our errorFormatter (trpc/init.ts) maps late and database errors and adds key and issues.
      const shape = getErrorShape({ config: appRouter._def._config, error, type: route.type, path: route.procedurePath, input: undefined, ctx });
      const data = shape.data as unknown as ShapeData;
      const body: ErrorBody = { message: shape.message, code: data.code, ...(data.key ? { key: data.key } : {}), ...(data.issues ? { issues: data.issues } : {}) };
      const headers = responseHeadersOf(ctx);
      if (data.retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(data.retryAfter)));
      send(res, data.httpStatus, body, headers);
    }
  };
}
