// What every part of the server is built from: handed to services and the tRPC context.
// This file holds the infrastructure only (configuration, database, bus, logs, metrics, mail, SMS,
// rate limits). Each feature owns the runtime it keeps per server and adds it to AppDeps from its
// own runtime.ts (`declare module '../deps'`), so this file imports no feature module:
// auth/runtime.ts (password threads, session cache), sessions/runtime.ts (open sockets),
// rooms/runtime.ts (room hub), recordings/runtime.ts (storage, live recordings). app.ts builds
// them in that order, each from what is built before it.
import type { Logger } from 'pino';
import type { EventBus } from './bus/bus';
import type { Config } from './config';
import type { Database, DatabaseHandle } from './db/client';
import type { Mailer } from './mail/mailer';
import type { SmsSender } from './sms/sender';
import type { Metrics } from './observability/metrics';
import type { RateLimits } from './rate-limits/runtime';
import type { ServerSecrets } from './db/server-secrets';

export interface CoreDeps {
  config: Config;
  db: Database;
  database: DatabaseHandle;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  /** Outgoing mail: SMTP_URL, or the log and the outbox table. */
  mailer: Mailer;
  /** Outgoing SMS (recovery codes and notices): a signed webhook, Twilio, or the outbox table. */
  sms: SmsSender;
  /** Every named rate limit (rate-limits/table.ts), counted in memory or in PostgreSQL. */
  limits: RateLimits;
  /** Secrets made once and kept in the database (signing keys), shared by instances. */
  secrets: ServerSecrets;
  /** Aborted when the server begins to shut down. */
  shutdownSignal: AbortSignal;
}

/** The infrastructure and every feature's runtime (each feature adds its fields to this interface). */
export interface AppDeps extends CoreDeps {}
