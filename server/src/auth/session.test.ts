import { describe, expect, it } from 'vitest';
import { generateSessionToken, hashSessionSecret, newSession, parseSessionToken, sessionExpiresAt, verifySessionSecret } from './session';

const DAY = 86_400_000;
const policy = { inactivityMs: 30 * DAY, maxAgeMs: 90 * DAY };

describe('session tokens', () => {
  it('are "<id>.<secret>" with at least 120 bits in each part, different every time', () => {
    const a = generateSessionToken();
    const b = generateSessionToken();
    expect(a.token).toBe(`${a.id}.${a.secret}`);
    // base32: 5 bits a character
    expect(a.id.length * 5).toBeGreaterThanOrEqual(120);
    expect(a.secret.length * 5).toBeGreaterThanOrEqual(120);
    expect(a.token).not.toBe(b.token);
  });

  it('parse into id and secret, and anything else is refused before a lookup', () => {
    expect(parseSessionToken('abc.def')).toEqual({ id: 'abc', secret: 'def' });
    expect(parseSessionToken('nodot')).toBeNull();
    expect(parseSessionToken('.secret')).toBeNull();
    expect(parseSessionToken(`id.${'x'.repeat(300)}`)).toBeNull();
  });

  it('keep only SHA-256 of the secret, which the secret matches and nothing else does', () => {
    const { secret } = generateSessionToken();
    const stored = hashSessionSecret(secret);
    expect(stored).toHaveLength(32);
    expect(Buffer.from(stored).includes(Buffer.from(secret))).toBe(false);
    expect(verifySessionSecret(secret, stored)).toBe(true);
    expect(verifySessionSecret(`${secret}x`, stored)).toBe(false);
    expect(verifySessionSecret(secret.slice(0, -1), stored)).toBe(false);
    expect(verifySessionSecret(secret, stored.subarray(0, 16))).toBe(false);
  });
});

describe('a new session', () => {
  it('stores the hash of the token it returns, and caps the user agent', () => {
    const { session, token } = newSession(policy, 'user-1', { ip: '203.0.113.9', userAgent: 'x'.repeat(1000) });
    const parsed = parseSessionToken(token)!;
    expect(session.id).toBe(parsed.id);
    expect(verifySessionSecret(parsed.secret, session.secretHash)).toBe(true);
    expect(session).toMatchObject({ userId: 'user-1', ip: '203.0.113.9' });
    expect(session.userAgent).toHaveLength(512);
    expect(session.absoluteExpiresAt.getTime() - session.createdAt.getTime()).toBe(policy.maxAgeMs);
  });

  it('ends after the inactivity timeout, and at the latest at its absolute expiry', () => {
    const signedIn = new Date('2026-01-01T00:00:00Z');
    const absoluteExpiresAt = new Date(signedIn.getTime() + policy.maxAgeMs);
    expect(sessionExpiresAt({ lastSeenAt: signedIn, absoluteExpiresAt }, policy)).toEqual(new Date(signedIn.getTime() + 30 * DAY));
    const lastSeenAt = new Date(signedIn.getTime() + 80 * DAY);
    expect(sessionExpiresAt({ lastSeenAt, absoluteExpiresAt }, policy)).toEqual(absoluteExpiresAt);
  });
});
