// /health (liveness), /ready (the database answers), /metrics (Prometheus text).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AppDeps } from '../deps';
import { readBearer } from '../auth/token-carriers';
import { type RouteTable, sendJson } from './routes';

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
    if (deps.shutdownSignal.aborted) return sendJson(res, 503, { status: 'unavailable', reason: 'shutting down' });
    try {
      await deps.database.ping(READY_TIMEOUT_MS);
      sendJson(res, 200, { status: 'ready', database: deps.database.kind });
    } catch (error) {
      const reason = `database: ${(error as Error).message || 'no answer'}`;
      sendJson(res, 503, { status: 'unavailable', reason });
    }
  }, { writesHead: true });

  routes.add('/metrics', async (req, res) => {
    const token = deps.config.metricsToken;
    if (token) {
      const given = readBearer(req.headers.authorization);
      if (!given || !sameSecret(given, token)) return sendJson(res, 401, { error: 'Metrics need the bearer token' }, { 'www-authenticate': 'Bearer' });
    }
    const body = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
    res.end(body);
  });
}
