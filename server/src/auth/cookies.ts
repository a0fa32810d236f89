// The session cookie: parley_session, HttpOnly, SameSite=Lax, Path=/, Secure unless plain http on localhost.
import { parse, serialize } from 'cookie';
import type { Config } from '../config';

export const SESSION_COOKIE = 'parley_session';

function isLocalHttp(config: Config): boolean {
  const url = new URL(config.publicUrl);
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]', '::1'].includes(url.hostname);
}

export function serializeSessionCookie(config: Config, token: string, expiresAt: Date): string {
  return serialize(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: !isLocalHttp(config),
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function serializeBlankSessionCookie(config: Config): string {
  return serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', path: '/', secure: !isLocalHttp(config), maxAge: 0 });
}

export function readSessionCookie(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  return parse(cookieHeader)[SESSION_COOKIE] || null;
}
