// A procedure's REST face in one call: route('POST', '/rooms', 'Create a room') is its trpc-to-openapi
// meta under the router's tag. `protect: false` marks the operations anyone may call (no session).
import type { OpenApiMeta, OpenApiMethod } from 'trpc-to-openapi';
import { z } from 'zod';

type RouteOptions = Pick<NonNullable<OpenApiMeta['openapi']>, 'protect' | 'errorResponses'>;

/** The meta builder of one router: every route it makes carries `tag` and `defaults`. */
export function restRoutes(tag: string, defaults: RouteOptions = {}) {
  return (method: OpenApiMethod, path: `/${string}`, summary: string, options?: RouteOptions): OpenApiMeta => ({
    openapi: { method, path, tags: [tag], summary, ...defaults, ...options },
  });
}

/** The answer of a mutation with nothing else to say (`.output(okOutput)`): `.mutation(… => doIt(…).then(ok))`. */
export const okOutput = z.object({ ok: z.literal(true) });
export const ok = (): { ok: true } => ({ ok: true });
