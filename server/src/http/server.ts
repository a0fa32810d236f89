// The node:http server: security headers, CORS for ALLOWED_ORIGINS, routing, upgrades, request logs.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config';
import type { AppDeps } from '../deps';
import { isOriginAllowed } from '../auth/csrf';
import { readRequestInfo } from '../auth/request';
import { accessLogger } from '../observability/logger';
import { requestIdOf, requestUserOf } from '../observability/request-log';
import type { SeriesRecorder } from '../observability/series-histogram';
import { applyServerHeaders, type HeaderLines, holdServerHeaders, parseRequestUrl, type RequestUrl, type RouteTable } from './routes';
import { sendError } from './error-response';

const SECURITY_HEADERS: HeaderLines = [
  'x-content-type-options', 'nosniff',
  'x-frame-options', 'DENY',
  'content-security-policy', "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy', 'no-referrer',
  'cross-origin-resource-policy', 'same-site',
];
const HSTS: HeaderLines = ['strict-transport-security', 'max-age=31536000; includeSubDomains'];

/** CORS for ALLOWED_ORIGINS only. */
function addCors(deps: AppDeps, req: IncomingMessage, lines: HeaderLines): boolean {
  const origin = req.headers.origin;
  if (!origin || !deps.config.allowedOrigins.includes(origin.replace(/\/$/, ''))) return false;
  lines.push('access-control-allow-origin', origin, 'access-control-allow-credentials', 'true', 'vary', 'Origin');
  return true;
}

/** Probes and scrapes arrive every few seconds: their lines go to debug so info stays readable. */
const QUIET_ROUTES = new Set(['/health', '/ready', '/metrics']);

/** Behind a TLS-terminating proxy we trust, PUBLIC_URL may say http while clients use https. */
function isForwardedHttps(deps: AppDeps, req: IncomingMessage): boolean {
  return deps.config.trustProxy > 0 && String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim() === 'https';
}

/**
 * A node:http server with its timeouts and no routes yet: app.ts may bind it before the rest of the
 * server is built (PORT=0 without PUBLIC_URL, whose URL is known only once bound).
 */
export function createBareHttpServer(config: Pick<Config, 'requestTimeoutMs'>): http.Server {
  const server = http.createServer({ keepAliveTimeout: 5_000 });
  // REQUEST_TIMEOUT bounds a whole request (headers: at most 20 s of it); node checks them every
  // connectionsCheckingInterval (30 s by default, which would let slow clients linger): set before listen().
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(20_000, config.requestTimeoutMs);
  (server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(250, Math.min(5_000, Math.floor(config.requestTimeoutMs / 4)));
  return server;
}

/** The server answering routes (a bare server of its own unless one is given). */
export function createHttpServer(deps: AppDeps, routes: RouteTable, server = createBareHttpServer(deps.config)): http.Server {
  const https = new URL(deps.config.publicUrl).protocol === 'https:';
  const serverHeaders = https ? [...SECURITY_HEADERS, ...HSTS] : SECURITY_HEADERS;
  // One recorder per route and status, resolved once.
  const durationOf = new Map<string, Map<number, SeriesRecorder>>();
  const access = accessLogger(deps.logger);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    // The server's own headers, as one list: a route that writes its head through writeHead() sends
    // them with it; for the others they are set on res here.
    const lines: HeaderLines = ['x-request-id', requestId, ...serverHeaders];
    if (!https && isForwardedHttps(deps, req)) lines.push(...HSTS);
    // API answers carry tokens and private data: no cache may keep them.
    if (req.url?.startsWith('/trpc') || req.url?.startsWith('/api/')) lines.push('cache-control', 'no-store');
    const cors = addCors(deps, req, lines);

    let url: RequestUrl;
    try {
      url = parseRequestUrl(req.url ?? '/');
    } catch {
      holdServerHeaders(res, lines);
      return sendError(res, 'INVALID_INPUT', 'Bad request URL');
    }
    if (req.method === 'OPTIONS') {
      if (cors) {
        const requested = req.headers['access-control-request-headers'] ?? 'content-type, authorization';
        lines.push('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS', 'access-control-allow-headers', requested, 'access-control-max-age', '600');
      }
      res.writeHead(204, lines as string[]).end();
      return;
    }
    const found = routes.find(url.pathname);
    holdServerHeaders(res, lines);
    if (!found?.writesHead) applyServerHeaders(res);
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = found?.label ?? 'unmatched';
      let byStatus = durationOf.get(route);
      if (!byStatus) durationOf.set(route, (byStatus = new Map()));
      let duration = byStatus.get(res.statusCode);
      if (!duration) byStatus.set(res.statusCode, (duration = deps.metrics.httpRequestDuration.seriesFor({ route, code: String(res.statusCode) })));
      duration.observe(seconds);
      const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
      if (!deps.logger.isLevelEnabled(level)) return;
      const line = { requestId, method: req.method, route, path: url.pathname.slice(0, 200), status: res.statusCode, ms: Math.round(seconds * 1000), userId: requestUserOf(req) };
      access[level](line, 'request');
    });
    if (!found) return sendError(res, 'ROUTE_NOT_FOUND');
    Promise.resolve(found.handler(req, res, url)).catch((error) => {
      deps.logger.error({ err: error, requestId, route: found.label }, 'request failed');
      if (!res.headersSent) sendError(res, 'INTERNAL', `Internal error (request ${requestId})`);
      else res.destroy();
    });
  });

  const connectionsPerIp = new WebSocketsPerIp(deps.config.transportLimits.wsMaxConnectionsPerIp);
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', destroySocket);
    const pathname = (req.url ?? '/').split('?')[0]!;
    const handler = routes.upgrades.get(pathname);
    const origin = req.headers.origin;
    if (!handler) return rejectUpgrade(socket, 404, 'Not Found');
    if (origin && !isOriginAllowed(deps.config, origin)) return rejectUpgrade(socket, 403, 'Forbidden');
    // Counted per client IP until the socket closes (whatever the path, accepted or not).
    const ip = readRequestInfo(req, deps.config).ip ?? 'unknown';
    if (!connectionsPerIp.open(ip, socket)) {
      deps.metrics.wsCutOff.inc({ reason: 'connections-per-ip' });
      return rejectUpgrade(socket, 429, 'Too Many Requests', 'retry-after: 10\r\n');
    }
    handler(req, socket, head);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Too slow (requestTimeout / headersTimeout) is 408, as node itself would answer; headers past
    // node's limit (16 KiB) are 431 (RFC 6585); the rest is 400.
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? '408 Request Timeout'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    else socket.destroy();
  });
  return server;
}

function rejectUpgrade(socket: import('node:stream').Duplex, status: number, text: string, extraHeaders = '') {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\n${extraHeaders}content-length: 0\r\n\r\n`);
}

/** Open WebSocket connections per client IP: one client cannot hold every file descriptor and buffer. */
class WebSocketsPerIp {
  private readonly open_ = new Map<string, number>();
  private readonly ipOf = new WeakMap<Duplex, string>();
  /** One 'close' listener for every counted socket (called with it as `this`), not a closure each. */
  private readonly release: (this: Duplex) => void;

  constructor(private readonly max: number) {
    const { open_: open, ipOf } = this;
    this.release = function (this: Duplex) {
      const ip = ipOf.get(this);
      if (ip === undefined) return;
      ipOf.delete(this);
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    };
  }

  /** Counts the socket until it closes; false (not counted) when the IP is at its cap. */
  open(ip: string, socket: Duplex): boolean {
    const count = this.open_.get(ip) ?? 0;
    if (count >= this.max) return false;
    this.open_.set(ip, count + 1);
    this.ipOf.set(socket, ip);
    socket.on('close', this.release);
    return true;
  }
}

/** One listener shared by every upgraded socket (a closure each would stay for the connection's life). */
function destroySocket(this: { destroy(): void }): void {
  this.destroy();
}
