// Entry point: configuration → server → one line with the URL; graceful shutdown on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config';
import { startParley } from './app';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main() {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const server = await startParley(config);
  const { logger } = server.deps;
  // The public URL (http://localhost:PORT on a developer machine): the origin passkeys and cookies work on.
  const url = server.deps.config.publicUrl;
  logger.info({ url, listen: server.url, database: server.deps.database.kind }, `Parley listening on ${url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    server.close().then(
      () => process.exit(process.exitCode ?? 0),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // A promise some library left unawaited must not take every connection down with it: log it (name,
  // code and message only — a driver error can carry query parameters) and keep serving. A thrown
  // exception leaves state unknown, so that one drains and exits non-zero for the supervisor to restart.
  process.on('unhandledRejection', (reason) => {
    const error = reason as { name?: string; code?: unknown; message?: string } | undefined;
    logger.error({ err: { name: error?.name, code: error?.code, message: error?.message } }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: { name: error.name, message: error.message, stack: error.stack } }, 'uncaught exception; shutting down');
    process.exitCode = 1;
    stop('uncaughtException');
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`Parley failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
