// Every query and mutation has a REST form: walks the router, so a procedure added without one
// fails here. Routes that are plain HTTP handlers rather than procedures are named below.
import type { AnyTRPCProcedure } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { appRouter } from '../trpc/router';
import { buildOpenApiDocument } from './document';
import { findStreamRoute } from './event-stream';
import { buildRestRoutes, matchRestRoute, restMetaOf } from './rest-routes';

/** Procedures whose REST form is a plain route (a binary body tRPC's JSON routes can't take). */
const PLAIN_ROUTES: Record<string, string> = { 'recordings.upload': 'POST /recordings/upload' };
/** Subscriptions served as server-sent events; sessions.watch has no events to send (its close is the message). */
const EVENT_ROUTES: Record<string, string> = { 'rooms.events': '/rooms/r1/events', 'recordings.events': '/recordings/abc/events' };
const WITHOUT_EVENTS = new Set(['sessions.watch']);

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>);

describe('REST routes', () => {
  it('exist for every query and mutation', () => {
    const missing = procedures
      .filter(([path, procedure]) => procedure._def.type !== 'subscription' && !restMetaOf(procedure) && !PLAIN_ROUTES[path])
      .map(([path]) => path);
    expect(missing).toEqual([]);
  });

  it('exist as server-sent events for every subscription with events', () => {
    const missing = procedures
      .filter(([path, procedure]) => procedure._def.type === 'subscription' && !WITHOUT_EVENTS.has(path))
      .filter(([path]) => !EVENT_ROUTES[path] || !findStreamRoute(EVENT_ROUTES[path]!))
      .map(([path]) => path);
    expect(missing).toEqual([]);
  });

  it('are all in the document, each with its method, plus the plain and event routes', async () => {
    const document = await buildOpenApiDocument('http://localhost:3000');
    const paths = document.paths as Record<string, Record<string, unknown>>;
    for (const route of buildRestRoutes(appRouter)) expect(paths[route.template]?.[route.method.toLowerCase()], `${route.method} ${route.template}`).toBeDefined();
    for (const plain of Object.values(PLAIN_ROUTES)) {
      const [method, path] = plain.split(' ') as [string, string];
      expect(paths[path]?.[method.toLowerCase()], plain).toBeDefined();
    }
    expect(paths['/rooms/{roomId}/events']?.get).toBeDefined();
    expect(paths['/recordings/{id}/events']?.get).toBeDefined();
  });

  it('never map two procedures to one method and path', () => {
    const seen = new Set<string>();
    for (const route of buildRestRoutes(appRouter)) {
      const key = `${route.method} ${route.template}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it('match paths with their parameters, and tell a wrong method from an unknown path', () => {
    const routes = buildRestRoutes(appRouter);
    const send = matchRestRoute(routes, 'POST', '/rooms/abc/messages');
    expect(send && 'route' in send && send.route.procedurePath).toBe('rooms.send');
    expect(send && 'params' in send && send.params).toEqual({ roomId: 'abc' });
    expect(matchRestRoute(routes, 'PUT', '/rooms/abc/messages')).toEqual({ allowed: ['POST', 'GET'] });
    expect(matchRestRoute(routes, 'GET', '/nowhere')).toBeNull();
  });
});
