// Parsers of environment strings: durations ("5m"), bounded integers, URLs, rate limits
// ("100/15m"), Twilio URLs. Each reads one variable's text into a value or a clear zod issue;
// config.ts puts them together into the server's configuration.
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

export const duration = (defaultValue: string, defaultUnit: keyof typeof unitMs = 's') =>
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

export const integer = (defaultValue: number, min: number, max: number) =>
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

export const optionalUrl = (protocols: string[]) =>
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

export const rateLimit = (defaultValue: string) =>
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
