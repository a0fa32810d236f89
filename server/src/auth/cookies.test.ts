import { parse } from 'cookie';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { readSessionCookie, serializeBlankSessionCookie, serializeSessionCookie, SESSION_COOKIE } from './cookies';

describe('the session cookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/ and lives until the session expires', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://parley.example' });
    const cookie = serializeSessionCookie(config, 'id.secret', new Date(Date.now() + 3_600_000));
    expect(cookie).toMatch(/^parley_session=id\.secret;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Secure/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
    expect(maxAge).toBeGreaterThan(3590);
    expect(maxAge).toBeLessThanOrEqual(3600);
  });

  it('is Secure except over plain http on localhost', () => {
    const local = serializeSessionCookie(loadConfig({ PUBLIC_URL: 'http://localhost:3000' }), 't', new Date(Date.now() + 1000));
    expect(local).not.toMatch(/Secure/);
    const remote = serializeSessionCookie(loadConfig({ PUBLIC_URL: 'http://parley.example' }), 't', new Date(Date.now() + 1000));
    expect(remote).toMatch(/Secure/);
  });

  it('is cleared by a blank cookie that expires at once', () => {
    const blank = serializeBlankSessionCookie(loadConfig({}));
    expect(parse(blank)[SESSION_COOKIE]).toBe('');
    expect(blank).toMatch(/Max-Age=0/);
  });

  it('is read from a Cookie header among others, and an empty one is no token', () => {
    expect(readSessionCookie('a=1; parley_session=id.secret; b=2')).toBe('id.secret');
    expect(readSessionCookie('parley_session=')).toBeNull();
    expect(readSessionCookie('other=1')).toBeNull();
    expect(readSessionCookie(undefined)).toBeNull();
  });
});
