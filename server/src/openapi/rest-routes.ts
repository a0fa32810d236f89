// The REST route table: every procedure whose meta carries `openapi: { method, path }` (the
// trpc-to-openapi convention, so the document and the routes come from the same declaration),
// compiled to a matcher once. Path templates use {name}; each name is an input field.
import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';

export type RestMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RestRoute = {
  method: RestMethod;
  /** The template as declared, e.g. /rooms/{roomId}/messages. */
  template: string;
  pattern: RegExp;
  params: string[];
  /** The procedure's dotted path, e.g. rooms.send. */
  procedurePath: string;
  type: 'query' | 'mutation';
  inputParser: unknown;
};

/** Methods whose input comes in a JSON body; the others read the query string. */
export const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

type ProcedureMeta = OpenApiMeta['openapi'];

/** A procedure's REST declaration, if it has one. */
export function restMetaOf(procedure: AnyTRPCProcedure): ProcedureMeta | undefined {
  const meta = procedure._def.meta as OpenApiMeta | undefined;
  return meta?.openapi && meta.openapi.enabled !== false ? meta.openapi : undefined;
}

function compile(template: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}/?$`), params };
}

export function buildRestRoutes(router: AnyTRPCRouter): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const [procedurePath, procedure] of Object.entries(router._def.procedures as Record<string, AnyTRPCProcedure>)) {
    const meta = restMetaOf(procedure);
    if (!meta || procedure._def.type === 'subscription') continue;
    const { pattern, params } = compile(meta.path);
    const inputs = (procedure._def as { inputs?: unknown[] }).inputs ?? [];
    routes.push({ method: meta.method, template: meta.path, pattern, params, procedurePath, type: procedure._def.type as RestRoute['type'], inputParser: inputs[0] });
  }
  return routes;
}

export type RouteMatch = { route: RestRoute; params: Record<string, string> } | { allowed: RestMethod[] } | null;

/** The route for method and path; else the methods the path allows (405), or null (404). */
export function matchRestRoute(routes: readonly RestRoute[], method: string, path: string): RouteMatch {
  const allowed: RestMethod[] = [];
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    route.params.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1]!);
    });
    return { route, params };
  }
  return allowed.length ? { allowed } : null;
}
