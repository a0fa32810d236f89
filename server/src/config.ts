// The server's configuration: the environment, parsed once with zod.
// This is the only module that reads process.env.
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const durationPattern = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "300" (seconds), "300s", "5m", "1500ms", "2h", "30d" → milliseconds. */
export function parseDurationMs(value: string, defaultUnit: keyof typeof unitMs = 's'): number | null {
  const match = durationPattern.exec(value.trim());
  if (!match) return null;
  const unit = (match[2] ?? defaultUnit) as keyof typeof unitMs;
  return Math.round(Number(match[1]) * unitMs[unit]);
}

const duration = (defaultValue: string, defaultUnit: keyof typeof unitMs = 's') =>
  z
    .string()
    .default(defaultValue)
    .transform((value, ctx) => {
      const ms = parseDurationMs(value, defaultUnit);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as 300, 45s, 5m or 2h (got "${value}")` });
        return z.NEVER;
      }
      return ms;
    });

const integer = (defaultValue: number, min: number, max: number) =>
  z
    .string()
    .default(String(defaultValue))
    .transform((value, ctx) => {
      const n = Number(value);
      if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max} (got "${value}")` });
        return z.NEVER;
      }
      return n;
    });

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      try {
        const url = new URL(value);
        if (!protocols.includes(url.protocol)) throw new Error('protocol');
        return value.trim();
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` });
        return z.NEVER;
      }
    });

/** "100/15m": at most 100 in 15 minutes (points per window). */
export type RateLimitSpec = { points: number; durationMs: number };

const rateLimit = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .transform((value, ctx): RateLimitSpec => {
      const [points, window] = value.split('/');
      const ms = window ? parseDurationMs(window) : null;
      if (!points || !/^\d+$/.test(points.trim()) || Number(points) < 1 || ms === null || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected <count>/<duration> such as 100/15m (got "${value}")` });
        return z.NEVER;
      }
      return { points: Number(points), durationMs: ms };
    });

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: integer(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  RECORDINGS_DIR: z.string().min(1).optional(),
  PUBLIC_URL: optionalUrl(['http:', 'https:']),
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const origins = value.split(',').map((s) => s.trim()).filter(Boolean);
      for (const origin of origins) {
        let ok = false;
        try {
          ok = new URL(origin).origin === origin.replace(/\/$/, '');
        } catch {}
        if (!ok) {
          ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of origins like https://app.example.com (bad: "${origin}")` });
          return z.NEVER;
        }
      }
      return origins.map((o) => o.replace(/\/$/, ''));
    }),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  MAIL_FROM: z.string().min(3).default('Parley <no-reply@localhost>'),
  PASSWORD_HASH_PROFILE: z.enum(['dev', 'production']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RECORDING_IDLE_TIMEOUT: duration('5m'),
  /**
   * Threads hashing passwords (default: one per core, at most 4). Each production-profile hash holds
   * 19 MiB while it runs, so this also bounds that memory; more logins at once wait their turn.
   */
  PASSWORD_HASH_THREADS: integer(Math.min(os.availableParallelism(), 4), 1, 64),
  /** Threads decoding and encoding audio, live and uploaded (default: one per core); never the main thread. */
  RECORDING_ENCODER_THREADS: integer(os.availableParallelism(), 1, 64),
  /** Longest recording or upload (the old recorder's longest plausible meeting); audio beyond it is refused. */
  RECORDING_MAX_DURATION: duration('8h'),
  RATE_LIMIT_UPLOAD_USER: rateLimit('60/1h'),
  RATE_LIMIT_RECORDING_USER: rateLimit('300/1h'),
  SESSION_INACTIVITY_TIMEOUT: duration('30d', 'd'),
  SESSION_MAX_AGE: duration('90d', 'd'),
  UPLOAD_MAX_BYTES: integer(500 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
  METRICS_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  SIGNING_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  REQUEST_TIMEOUT: duration('60s'),
  ROOM_SEND_LIMIT: integer(300, 1, 1_000_000),
  /** Proxies in front of the server that append to X-Forwarded-For: true = 1, false = 0, or a count. */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, ctx) => {
      const hops = value === 'true' ? 1 : value === 'false' ? 0 : /^\d{1,2}$/.test(value) ? Number(value) : null;
      if (hops === null) {
        ctx.addIssue({ code: 'custom', message: `expected true, false or a number of proxies (got "${value}")` });
        return z.NEVER;
      }
      return hops;
    }),
  PARLEY_TRPC_HTTP: z.enum(['fast', 'stock']).default('fast'),
  PARLEY_TRPC_WS: z.enum(['fast', 'stock']).default('fast'),
  RATE_LIMIT_LOGIN_IP: rateLimit('100/15m'),
  RATE_LIMIT_REGISTER_IP: rateLimit('300/1h'),
  RATE_LIMIT_REGISTER_EMAIL: rateLimit('10/1h'),
  RATE_LIMIT_RESET_IP: rateLimit('20/1h'),
  RATE_LIMIT_RESET_EMAIL: rateLimit('5/1h'),
  LOGIN_BACKOFF_FREE_FAILURES: integer(5, 0, 1000),
  LOGIN_BACKOFF_BASE: duration('1s'),
  LOGIN_BACKOFF_MAX: duration('5m'),
  RP_ID: z.string().trim().regex(/^[a-z0-9.-]+$/i, 'expected a host name such as example.com').max(253).optional(),
  RP_NAME: z.string().trim().min(1).max(100).default('Parley'),
  WEBAUTHN_ORIGINS: z.string().optional(),
  LOGIN_CONCURRENCY_PER_ACCOUNT: integer(8, 1, 100_000),
  // Security hardening (SECURITY.md): transport limits, secrets at rest.
  TRPC_MAX_BATCH_CALLS: integer(50, 1, 10_000),
  WS_MAX_BUFFERED_BYTES: integer(4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
  WS_MAX_CONNECTIONS_PER_IP: integer(500, 1, 1_000_000),
  MAIL_OUTBOX_KEEP_LINKS: z.enum(['true', 'false', '1', '0']).optional(),
  TOTP_ENCRYPTION_KEY: z
    .string()
    .regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9_-]{43}=?)$/, 'expected 32 bytes as 64 hex digits or base64url')
    .optional(),
  SMS_WEBHOOK_URL: optionalUrl(['http:', 'https:']),
  SMS_WEBHOOK_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  SMS_URL: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const twilio = parseTwilioUrl(value.trim());
      if (!twilio) {
        ctx.addIssue({ code: 'custom', message: 'expected twilio://ACCOUNT_SID:AUTH_TOKEN@FROM_NUMBER (FROM_NUMBER in E.164, such as +15005550006)' });
        return z.NEVER;
      }
      return twilio;
    }),
  /** Where Twilio's REST API is (tests point it at a local server). */
  SMS_TWILIO_API_URL: optionalUrl(['http:', 'https:']),
  RATE_LIMIT_RECOVERY_IP: rateLimit('20/1h'),
  RATE_LIMIT_RECOVERY_PHONE: rateLimit('3/1h'),
  RATE_LIMIT_RECOVERY_EMAIL: rateLimit('5/1h'),
  RATE_LIMIT_RECOVERY_VERIFY_IP: rateLimit('30/1h'),
});

export type TwilioSmsConfig = { accountSid: string; authToken: string; from: string };

/** twilio://ACCOUNT_SID:AUTH_TOKEN@FROM_NUMBER → its parts; null when it is not that shape. */
export function parseTwilioUrl(value: string): TwilioSmsConfig | null {
  const match = /^twilio:\/\/([^:@/]+):([^@/]+)@((?:\+|%2B)?[0-9]{6,15}|MG[0-9a-fA-F]{32})\/?$/i.exec(value);
  if (!match) return null;
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return null;
    }
  };
  const [accountSid, authToken, sender] = [decode(match[1]!), decode(match[2]!), decode(match[3]!)];
  if (!accountSid || !authToken || !sender) return null;
  // A messaging service id (MG…) or a number; a number without its + is still E.164.
  return { accountSid, authToken, from: /^MG/i.test(sender) || sender.startsWith('+') ? sender : `+${sender}` };
}

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  recordingsDir: string;
  /** Where people reach this server; links in mails and signed URLs. */
  publicUrl: string;
  /** PUBLIC_URL was set (otherwise it is derived from HOST and PORT). */
  publicUrlConfigured: boolean;
  /** Origins allowed for cookie-authenticated mutations, CORS and WebSocket upgrades (besides publicUrl's own). */
  allowedOrigins: string[];
  smtpUrl: string | undefined;
  mailFrom: string;
  passwordHashProfile: 'dev' | 'production';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  recordingIdleTimeoutMs: number;
  recordingEncoderThreads: number;
  recordingMaxDurationMs: number;
  passwordHashThreads: number;
  sessionInactivityMs: number;
  sessionMaxAgeMs: number;
  uploadMaxBytes: number;
  metricsToken: string | undefined;
  /** Unset: a secret generated once and kept in the database, so every instance shares it. */
  signingSecret: string | undefined;
  /** Read the client IP from X-Forwarded-For (only behind a proxy you run). */
  /** Proxies in front that append to X-Forwarded-For (0: the socket's address is the client's). */
  trustProxy: number;
  /** Longest time a client may take to send a whole HTTP request (headers: at most 20 s of it). */
  requestTimeoutMs: number;
  /** tRPC over HTTP: 'fast' (lean path for plain JSON queries/mutations, stock adapter for the rest) or 'stock' only. */
  trpcHttp: 'fast' | 'stock';
  /** tRPC over WebSocket: 'fast' (lean handler, fast-ws.ts) or 'stock' (tRPC's applyWSSHandler). */
  trpcWs: 'fast' | 'stock';
  /** rooms.send calls allowed per user per 10 seconds (per instance). */
  roomSendLimit: number;
  /** Brute-force defence (rate-limits/table.ts): shared by instances on Postgres. */
  rateLimits: {
    /** Failed logins per client IP. */
    loginIp: RateLimitSpec;
    registerIp: RateLimitSpec;
    /** Registration attempts per e-mail address. */
    registerEmail: RateLimitSpec;
    /** Password reset requests per client IP and per e-mail address. */
    resetIp: RateLimitSpec;
    resetEmail: RateLimitSpec;
    /** Consecutive failed logins on one account before delays start, then base × 2ⁿ up to max. */
    loginBackoff: { freeFailures: number; baseMs: number; maxMs: number };
    /** Login attempts for one account checked at the same time on one instance (parallel guessing). */
    loginConcurrencyPerAccount: number;
    /** Uploads and streamed ingestions, and live recordings started, per user (audio work is costly). */
    uploadUser: RateLimitSpec;
    recordingUser: RateLimitSpec;
  };
  /** WebAuthn relying party: id (a host name), the name authenticators show, and the page origins accepted. */
  rpId: string;
  rpName: string;
  webauthnOrigins: string[];
  /** Without SMTP_URL: keep reset/verification links in the outbox table and the log (development only). */
  mailOutboxKeepLinks: boolean;
  /** AES-256-GCM key for TOTP secrets at rest; unset: derived from the signing secret. */
  totpEncryptionKey: Buffer | undefined;
  /** Transport limits against amplification (SECURITY.md). */
  transportLimits: {
    /** Calls in one HTTP batch or one WebSocket message. */
    maxBatchCalls: number;
    /** Bytes a WebSocket may have waiting for a client that does not read before it is closed (1013). */
    wsMaxBufferedBytes: number;
    /** Open WebSocket connections per client IP (all paths). */
    wsMaxConnectionsPerIp: number;
  };
  /** SMS (account recovery codes and notices): a signed JSON webhook, Twilio, or neither (outbox table). */
  sms: {
    webhook: { url: string; secret: string } | null;
    twilio: (TwilioSmsConfig & { apiUrl: string }) | null;
  };
  /** Account recovery without a password (auth.recovery.*): requests per IP, per number, per address; code checks per IP. */
  recoveryLimits: { ip: RateLimitSpec; phone: RateLimitSpec; email: RateLimitSpec; verifyIp: RateLimitSpec };
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid configuration: ${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as most process managers write them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const problem = issue.code === 'invalid_value' || issue.code === 'invalid_type'
      ? `${issue.message} (got "${cleaned[variable] ?? ''}")`
      : issue.message;
    throw new ConfigError(variable, problem);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const port = e.PORT;
  const publicUrl = (e.PUBLIC_URL ?? defaultPublicUrl(e.HOST, port)).replace(/\/$/, '');
  if (e.SMS_WEBHOOK_URL && !e.SMS_WEBHOOK_SECRET) {
    throw new ConfigError('SMS_WEBHOOK_SECRET', 'must be set (at least 32 characters) when SMS_WEBHOOK_URL is: every webhook request is signed with it');
  }
  if (e.SMS_WEBHOOK_URL && e.SMS_URL) throw new ConfigError('SMS_URL', 'set either SMS_URL or SMS_WEBHOOK_URL, not both');
  if (e.SESSION_MAX_AGE < e.SESSION_INACTIVITY_TIMEOUT) {
    throw new ConfigError('SESSION_MAX_AGE', 'must not be shorter than SESSION_INACTIVITY_TIMEOUT');
  }
  return {
    env: e.NODE_ENV,
    port,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    recordingsDir: path.resolve(e.RECORDINGS_DIR ?? path.join(dataDir, 'recordings')),
    publicUrl,
    publicUrlConfigured: e.PUBLIC_URL !== undefined,
    allowedOrigins: e.ALLOWED_ORIGINS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    passwordHashProfile: e.PASSWORD_HASH_PROFILE ?? (e.NODE_ENV === 'production' ? 'production' : 'dev'),
    logLevel: e.LOG_LEVEL,
    recordingIdleTimeoutMs: e.RECORDING_IDLE_TIMEOUT,
    recordingEncoderThreads: e.RECORDING_ENCODER_THREADS,
    recordingMaxDurationMs: e.RECORDING_MAX_DURATION,
    passwordHashThreads: e.PASSWORD_HASH_THREADS,
    sessionInactivityMs: e.SESSION_INACTIVITY_TIMEOUT,
    sessionMaxAgeMs: e.SESSION_MAX_AGE,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    metricsToken: e.METRICS_TOKEN,
    signingSecret: e.SIGNING_SECRET,
    trustProxy: e.TRUST_PROXY,
    requestTimeoutMs: e.REQUEST_TIMEOUT,
    trpcHttp: e.PARLEY_TRPC_HTTP,
    trpcWs: e.PARLEY_TRPC_WS,
    roomSendLimit: e.ROOM_SEND_LIMIT,
    rateLimits: {
      loginIp: e.RATE_LIMIT_LOGIN_IP,
      registerIp: e.RATE_LIMIT_REGISTER_IP,
      registerEmail: e.RATE_LIMIT_REGISTER_EMAIL,
      resetIp: e.RATE_LIMIT_RESET_IP,
      resetEmail: e.RATE_LIMIT_RESET_EMAIL,
      loginBackoff: { freeFailures: e.LOGIN_BACKOFF_FREE_FAILURES, baseMs: e.LOGIN_BACKOFF_BASE, maxMs: e.LOGIN_BACKOFF_MAX },
      loginConcurrencyPerAccount: e.LOGIN_CONCURRENCY_PER_ACCOUNT,
      uploadUser: e.RATE_LIMIT_UPLOAD_USER,
      recordingUser: e.RATE_LIMIT_RECORDING_USER,
    },
    mailOutboxKeepLinks: e.MAIL_OUTBOX_KEEP_LINKS === undefined ? e.NODE_ENV === 'development' : e.MAIL_OUTBOX_KEEP_LINKS === 'true' || e.MAIL_OUTBOX_KEEP_LINKS === '1',
    totpEncryptionKey: e.TOTP_ENCRYPTION_KEY
      ? Buffer.from(e.TOTP_ENCRYPTION_KEY, /^[0-9a-fA-F]{64}$/.test(e.TOTP_ENCRYPTION_KEY) ? 'hex' : 'base64url')
      : undefined,
    transportLimits: {
      maxBatchCalls: e.TRPC_MAX_BATCH_CALLS,
      wsMaxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      wsMaxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
    },
    ...webauthnConfig(e.RP_ID, e.RP_NAME, e.WEBAUTHN_ORIGINS, publicUrl, e.ALLOWED_ORIGINS),
    sms: {
      webhook: e.SMS_WEBHOOK_URL && e.SMS_WEBHOOK_SECRET ? { url: e.SMS_WEBHOOK_URL, secret: e.SMS_WEBHOOK_SECRET } : null,
      twilio: e.SMS_URL ? { ...e.SMS_URL, apiUrl: (e.SMS_TWILIO_API_URL ?? 'https://api.twilio.com').replace(/\/$/, '') } : null,
    },
    recoveryLimits: { ip: e.RATE_LIMIT_RECOVERY_IP, phone: e.RATE_LIMIT_RECOVERY_PHONE, email: e.RATE_LIMIT_RECOVERY_EMAIL, verifyIp: e.RATE_LIMIT_RECOVERY_VERIFY_IP },
  };
}

/** A loopback HOST is a developer machine: browsers accept localhost (never an IP) as a passkey RP id. */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);
}

/** PUBLIC_URL unset: http://localhost:PORT on a loopback HOST, else the address the server binds. */
export function defaultPublicUrl(host: string, port: number): string {
  if (isLoopbackHost(host)) return `http://localhost:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Passkeys belong to PUBLIC_URL's host unless RP_ID says otherwise (e.g. example.com for app. and api.). */
function webauthnConfig(rpId: string | undefined, rpName: string, origins: string | undefined, publicUrl: string, allowedOrigins: string[]) {
  const listed = (origins ?? '').split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean);
  for (const origin of listed) {
    let ok = false;
    try {
      ok = new URL(origin).origin === origin;
    } catch {}
    if (!ok) throw new ConfigError('WEBAUTHN_ORIGINS', `expected a comma-separated list of origins like https://app.example.com (bad: "${origin}")`);
  }
  const own = new URL(publicUrl);
  const id = (rpId ?? own.hostname.replace(/^\[|\]$/g, '')).toLowerCase();
  if (isIP(id)) {
    // Browsers refuse every ceremony for an IP-address RP id: say so at start, not at the first passkey.
    throw new ConfigError('RP_ID', `passkeys need a host name, not the IP address ${id}: set PUBLIC_URL to the URL people open, or RP_ID (e.g. example.com) and WEBAUTHN_ORIGINS (e.g. https://app.example.com)`);
  }
  return {
    rpId: id,
    rpName,
    webauthnOrigins: listed.length > 0 ? listed : [...new Set([own.origin, ...allowedOrigins])],
  };
}

/** The server's own origin as browsers send it in Origin headers. */
export function ownOrigin(config: Config): string {
  return new URL(config.publicUrl).origin;
}
