// Builds a whole Parley server from a Config: database, bus, routes, WebSockets. Tests start it
// in-process on a free port; main.ts starts it for real.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { defaultPublicUrl, type Config } from './config';
import type { EventBus } from './bus/bus';
import { createMemoryBus } from './bus/memory-bus';
import { createPostgresBus } from './bus/postgres-bus';
import { openDatabase } from './db/client';
import { createServerSecrets } from './db/server-secrets';
import { closeCodes } from './errors';
import type { AppDeps, CoreDeps } from './deps';
import { addHealthRoutes } from './http/health';
import { RouteTable } from './http/routes';
import { createBareHttpServer, createHttpServer } from './http/server';
import { createMailer } from './mail/mailer';
import { createSmsSender } from './sms/sender';
import { createLogger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { addOpenApiRoutes } from './openapi/routes';
import { createSessionsRuntime } from './sessions/runtime';
import { startSessionSweep } from './sessions/sweep';
import { createAuthRuntime } from './auth/runtime';
import { createTrpcHttpRoute, createTrpcWebSocket } from './trpc/endpoints';
import { createRoomsRuntime } from './rooms/runtime';
import { createRateLimits } from './rate-limits/runtime';
import { startGuestCleanup } from './auth/guest';
import { createRecordingsRuntime } from './recordings/runtime';
import { createRecordWebSocket, OLD_RECORD_PATH, RECORD_PATH } from './recordings/live/socket';
import { AUDIO_PATH, createAudioDownloadRoute } from './recordings/download-route';
import { createUploadRoute, UPLOAD_PATH } from './recordings/upload-route';
import { createStreamRoute, STREAM_PATH } from './recordings/stream-route';

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

export async function startParley(given: Config, options: StartOptions = {}): Promise<ParleyServer> {
  const server = createBareHttpServer(given);
  // PORT=0 without PUBLIC_URL: the port is known once bound, and the default PUBLIC_URL (with the
  // WebAuthn origins derived from it) follows it. Bind first, then build everything with that config.
  const bindFirst = given.port === 0 && !given.publicUrlConfigured;
  if (bindFirst) await listen(server, given.port, given.host);
  try {
    const config = bindFirst ? withListeningUrl(given, defaultPublicUrl(given.host, (server.address() as AddressInfo).port)) : given;
    const parley = await buildParley(config, server, options);
    if (!bindFirst) await listen(server, config.port, config.host);
    return { ...parley, url: urlOf(server, config.host), port: (server.address() as AddressInfo).port };
  } catch (error) {
    server.close();
    throw error;
  }
}

async function buildParley(config: Config, server: Server, options: StartOptions): Promise<Omit<ParleyServer, 'url' | 'port'>> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, pretty: config.env !== 'production' && process.stdout.isTTY });
  if (!config.databaseUrl) await fs.mkdir(config.dataDir, { recursive: true });
  await fs.mkdir(config.recordingsDir, { recursive: true });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'db') });
  const bus = options.bus ?? (database.sql ? await createPostgresBus({ sql: database.sql, db: database.db, logger }) : createMemoryBus(logger));
  const shutdown = new AbortController();
  // In order, each from what is built before it: infrastructure, then every feature's runtime.
  const auth = createAuthRuntime(config, database.db);
  const core: CoreDeps = {
    config,
    db: database.db,
    database,
    bus,
    logger,
    metrics: createMetrics({ passwordHashesWaiting: () => auth.passwords.waitingCount() }),
    mailer: createMailer({ config, db: database.db, logger }),
    sms: createSmsSender({ config, db: database.db, logger }),
    limits: createRateLimits(config, database),
    secrets: createServerSecrets(database.db),
    shutdownSignal: shutdown.signal,
  };
  const deps: AppDeps = {
    ...core,
    ...auth,
    ...createSessionsRuntime(),
    rooms: createRoomsRuntime(core),
    ...createRecordingsRuntime(core),
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
  routes.upgrade(RECORD_PATH, recorder.upgrade);
  routes.upgrade(OLD_RECORD_PATH, recorder.upgrade);
  routes.add(AUDIO_PATH, createAudioDownloadRoute(deps));
  routes.add(UPLOAD_PATH, createUploadRoute(deps));
  routes.add(STREAM_PATH, createStreamRoute(deps, deps.liveRecordings));
  routes.add('/trpc/recordings.upload', createTrpcHttpRoute(deps, { maxBodySize: config.uploadMaxBytes }), { writesHead: true });
  closers.push(() => recorder.close());

  createHttpServer(deps, routes, server);

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
      await deps.audioThreads.close();
      stopRevocations();
      stopSessionCache();
      await bus.close().catch(() => {});
      await database.close().catch((error) => logger.warn({ err: error }, 'closing the database failed'));
    })();
    return closing;
  }

  return { deps, close };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The config of a server bound to url: the default PUBLIC_URL and the WebAuthn origins derived from it follow it. */
function withListeningUrl(config: Config, url: string): Config {
  const before = new URL(config.publicUrl).origin;
  const origin = new URL(url).origin;
  return { ...config, publicUrl: url, webauthnOrigins: config.webauthnOrigins.map((o) => (o === before ? origin : o)) };
}
