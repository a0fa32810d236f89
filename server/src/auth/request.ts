// Who is calling, as far as a request tells: client IP (behind TRUST_PROXY, from X-Forwarded-For),
// user agent, Origin and Sec-Fetch-Site (for the CSRF check).
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';

export type RequestInfo = {
  ip: string | null;
  userAgent: string | null;
  origin: string | null;
  secFetchSite: string | null;
};

/**
 * The client's address behind trustedHops proxies that each append the address they saw to
 * X-Forwarded-For: the entry the outermost trusted proxy added, counted from the right (as Express's
 * `trust proxy = n`). Entries further left are the client's to choose and are never believed; with
 * fewer entries than hops, the left-most one is the furthest address known.
 */
export function clientAddress(socketAddress: string | null, forwardedFor: string | string[] | undefined, trustedHops: number): string | null {
  if (trustedHops <= 0 || !forwardedFor) return socketAddress;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return socketAddress;
  return entries[Math.max(0, entries.length - trustedHops)]!;
}

export function readRequestInfo(req: IncomingMessage, config: Config): RequestInfo {
  let ip = clientAddress(req.socket.remoteAddress ?? null, req.headers['x-forwarded-for'], config.trustProxy);
  if (ip?.startsWith('::ffff:')) ip = ip.slice(7);
  const ua = req.headers['user-agent'];
  return {
    ip,
    userAgent: ua ? ua.slice(0, 512) : null,
    origin: typeof req.headers.origin === 'string' ? req.headers.origin : null,
    secFetchSite: typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : null,
  };
}
