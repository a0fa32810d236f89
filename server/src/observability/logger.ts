// pino logger: JSON lines in production, readable lines in a terminal.
// Secrets are redacted wherever they appear in a logged object.
import pino, { type Logger } from 'pino';
import { TurnBufferedDestination } from './log-destination';

export const REDACT_PATHS = [
  'password', '*.password', 'currentPassword', '*.currentPassword', 'newPassword', '*.newPassword',
  'token', '*.token', 'secret', '*.secret', 'code', '*.code',
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', '*.headers.authorization', '*.headers.cookie',
  'cookie', '*.cookie', 'req.headers.authorization', 'req.headers.cookie', 'headers["sec-websocket-protocol"]',
];

export function createLogger(options: { level: string; pretty?: boolean; destination?: pino.DestinationStream }): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  // stdout, one write per event-loop turn, flushed on exit and for error/fatal lines (log-destination.ts).
  return pino(base, new TurnBufferedDestination(1));
}

/**
 * The access log's logger: the same destination, without the redaction pass. Its lines have fixed
 * fields that never hold a secret (ids, route, status, duration), and redacting 30 paths over them
 * cost three quarters of a line's CPU. Level 'trace': callers check the main logger's level first.
 */
export function accessLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] }, level: 'trace' });
}
