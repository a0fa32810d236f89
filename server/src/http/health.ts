// /health (liveness), /ready (the database answers), /metrics (Prometheus text).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AppDeps } from '../deps';
import { readBearer } from '../auth/token-carriers';
import { type RouteTable, sendJson } from './routes';
import { sendError } from './error-response';

const READY_TIMEOUT_MS = 2000;

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function addHealthRoutes(routes: RouteTable, deps: AppDeps): void {
  // writesHead: these answer only through sendJson.
  routes.add('/health', (_req, res) => sendJson(res, 200, { status: 'ok' }), { writesHead: true });

  routes.add('/ready', async (_req, res) => {
    if (deps.shutdownSignal.aborted) return sendError(res, 'SHUTTING_DOWN');
    try {
      await deps.database.ping(READY_TIMEOUT_MS);
      sendJson(res, 200, { status: 'ready', database: deps.database.kind });
    } catch (error) {
      // The reason names the database's own complaint (no secrets: a driver message, not the URL).
      sendError(res, 'DATABASE_UNAVAILABLE', `The database is not answering: ${(error as Error).message || 'no answer'}`);
    }
  }, { writesHead: true });

  routes.add('/metrics', async (req, res) => {
    const token = deps.config.metricsToken;
    if (token) {
      const given = readBearer(req.headers.authorization);
      if (!given || !sameSecret(given, token)) return sendError(res, 'UNAUTHENTICATED', 'Metrics need the bearer token', { 'www-authenticate': 'Bearer' });
    }
    const body = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
    res.end(body);
  });
}
