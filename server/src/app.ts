// Builds a whole Parley server from a Config: database, bus, routes, WebSockets. Tests start it
// in-process on a free port; main.ts starts it for real.
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { defaultPublicUrl, type Config } from './config';
import type { EventBus } from './bus/bus';
import { createMemoryBus } from './bus/memory-bus';
import { createPostgresBus } from './bus/postgres-bus';
import { openDatabase } from './db/client';
import { closeCodes } from './errors';
import type { AppDeps } from './deps';
import { addHealthRoutes } from './http/health';
import { RouteTable } from './http/routes';
import { createHttpServer } from './http/server';
import { createMailer } from './mail/mailer';
import { createSmsSender } from './sms/sender';
import { createLogger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { addOpenApiRoutes } from './openapi/routes';
import { SocketRegistry } from './sessions/socket-registry';
import { startSessionSweep } from './sessions/sweep';
import { HashThreads } from './auth/hash-threads';
import { SessionCache } from './auth/session-cache';
import { createTrpcHttpRoute, createTrpcWebSocket } from './trpc/endpoints';
import { createRoomsRuntime } from './rooms/runtime';
import { startGuestCleanup } from './auth/guest';
import { createLocalStorage } from './recordings/storage';
import { createRecordWebSocket, RECORD_PATH } from './recordings/live/socket';
import { AUDIO_PATH, createAudioDownloadRoute } from './recordings/download-route';
import { createUploadRoute, UPLOAD_PATH } from './recordings/upload-route';

/** Close code telling WebSocket clients the server is restarting: reconnect (elsewhere). */
export const CLOSE_SERVICE_RESTART = closeCodes.SERVICE_RESTART;
const SHUTDOWN_BUDGET_MS = 10_000;

export type ParleyServer = {
  deps: AppDeps;
  /** http://host:port the server listens on. */
  url: string;
  port: number;
  close(): Promise<void>;
};

export type StartOptions = { logger?: Logger; bus?: EventBus };

export async function startParley(config: Config, options: StartOptions = {}): Promise<ParleyServer> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, pretty: config.env !== 'production' && process.stdout.isTTY });
  if (!config.databaseUrl) await fs.mkdir(config.dataDir, { recursive: true });
  await fs.mkdir(config.recordingsDir, { recursive: true });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'db') });
  const bus = options.bus ?? (database.sql ? await createPostgresBus({ sql: database.sql, db: database.db, logger }) : createMemoryBus(logger));
  const shutdown = new AbortController();
  const passwords = new HashThreads(config.passwordHashThreads);
  const metrics = createMetrics({ passwordHashesWaiting: () => passwords.waitingCount() });
  const deps: AppDeps = {
    config,
    db: database.db,
    database,
    bus,
    logger,
    metrics,
    sockets: new SocketRegistry(),
    mailer: createMailer({ config, db: database.db, logger }),
    sms: createSmsSender({ config, db: database.db, logger }),
    sessionCache: new SessionCache(),
    passwords,
    recordingStorage: createLocalStorage(config.recordingsDir),
    shutdownSignal: shutdown.signal,
    rooms: createRoomsRuntime({ db: database.db, bus, logger, metrics, config }),
  };
  const stopRevocations = deps.sockets.listen(bus);
  const stopSessionCache = deps.sessionCache.listen(bus);
  const closers: (() => Promise<void> | void)[] = [];

  const routes = new RouteTable();
  addHealthRoutes(routes, deps);
  routes.add('/trpc/', createTrpcHttpRoute(deps), { writesHead: true });
  const trpcWs = createTrpcWebSocket(deps);
  routes.upgrade('/trpc', trpcWs.upgrade);
  addOpenApiRoutes(routes, deps);
  // Features add their HTTP routes, upgrade paths and shutdown work below (closers run on close()).
  closers.push(startSessionSweep(deps), () => deps.mailer.close(), () => deps.sms.idle());
  closers.push(() => deps.rooms.hub.close());
  closers.push(startGuestCleanup(deps));
  const recorder = createRecordWebSocket(deps);
  deps.liveRecordings = recorder.registry;
  routes.upgrade(RECORD_PATH, recorder.upgrade);
  routes.add(AUDIO_PATH, createAudioDownloadRoute(deps));
  routes.add(UPLOAD_PATH, createUploadRoute(deps));
  routes.add('/trpc/recordings.upload', createTrpcHttpRoute(deps, { maxBodySize: config.uploadMaxBytes }), { writesHead: true });
  closers.push(() => recorder.close());

  const server = createHttpServer(deps, routes);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  if (config.port === 0 && !config.publicUrlConfigured) adoptListeningPort(config, defaultPublicUrl(config.host, port));

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      shutdown.abort();
      server.close();
      trpcWs.broadcastReconnect();
      for (const client of trpcWs.wss.clients) client.close(CLOSE_SERVICE_RESTART, 'Server restarting');
      const drain = Promise.allSettled(closers.map((fn) => fn()));
      await Promise.race([drain, new Promise((r) => setTimeout(r, SHUTDOWN_BUDGET_MS - 2000).unref())]);
      for (const client of trpcWs.wss.clients) client.terminate();
      server.closeAllConnections();
      await deps.passwords.close();
      stopRevocations();
      stopSessionCache();
      await bus.close().catch(() => {});
      await database.close().catch((error) => logger.warn({ err: error }, 'closing the database failed'));
    })();
    return closing;
  }

  return { deps, url: `http://${host}:${port}`, port, close };
}

/** PORT=0 picks a port at listen time: the default PUBLIC_URL (and the WebAuthn origins derived from it) follow it. */
function adoptListeningPort(config: Config, url: string): void {
  const before = new URL(config.publicUrl).origin;
  config.publicUrl = url;
  config.webauthnOrigins = config.webauthnOrigins.map((origin) => (origin === before ? new URL(url).origin : origin));
}
