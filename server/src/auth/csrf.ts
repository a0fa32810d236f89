// CSRF defence for cookie-authenticated mutations and WebSocket upgrades: the Origin must be the
// server's own or one of ALLOWED_ORIGINS. Bearer tokens are not sent by browsers on their own,
// so bearer-authenticated calls are not checked.
import { type Config, ownOrigin } from '../config';
import type { RequestInfo } from './request';

export function isOriginAllowed(config: Config, origin: string): boolean {
  const normalized = origin.replace(/\/$/, '');
  return normalized === ownOrigin(config) || config.allowedOrigins.includes(normalized);
}

/** A request with no Origin is not a cross-site browser request unless Sec-Fetch-Site says so. */
export function isCrossSiteRequest(config: Config, request: Pick<RequestInfo, 'origin' | 'secFetchSite'>): boolean {
  if (request.origin) return request.origin === 'null' || !isOriginAllowed(config, request.origin);
  return request.secFetchSite === 'cross-site';
}
