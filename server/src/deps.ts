// What every part of the server is built from: handed to services and the tRPC context.
import type { Logger } from 'pino';
import type { EventBus } from './bus/bus';
import type { Config } from './config';
import type { Database, DatabaseHandle } from './db/client';
import type { Mailer } from './mail/mailer';
import type { SmsSender } from './sms/sender';
import type { Metrics } from './observability/metrics';
import type { SocketRegistry } from './sessions/socket-registry';
import type { RoomsRuntime } from './rooms/runtime';
import type { SessionCache } from './auth/session-cache';
import type { HashThreads } from './auth/hash-threads';
import type { RecordingStorage } from './recordings/storage';
import type { LiveProgress } from './recordings/live/registry';

export type AppDeps = {
  config: Config;
  db: Database;
  database: DatabaseHandle;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  /** Open WebSockets by the session that authenticated them (closed with 4401 on revocation). */
  sockets: SocketRegistry;
  /** Outgoing mail: SMTP_URL, or the log and the outbox table. */
  mailer: Mailer;
  /** Outgoing SMS (recovery codes and notices): a signed webhook, Twilio, or the outbox table. */
  sms: SmsSender;
  /** The threads that hash and verify passwords (PASSWORD_HASH_THREADS). */
  passwords: HashThreads;
  /** Validated sessions for a second; dropped on revocation (bus) and on the user's mutations. */
  sessionCache: SessionCache;
  /** Where recording files are kept (RECORDINGS_DIR). */
  recordingStorage: RecordingStorage;
  /** Aborted when the server begins to shut down. */
  shutdownSignal: AbortSignal;
  /** Live room subscriptions of this instance and the send/typing throttles. */
  rooms: RoomsRuntime;
  /** Live recordings open on this instance (set once /ws/record is served): fresher than their rows. */
  liveRecordings?: { progressOf(id: string): LiveProgress | null };
};
