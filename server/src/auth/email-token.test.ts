import { describe, expect, it } from 'vitest';
import { type EmailToken, isLiveEmailToken, newEmailToken } from './email-token';
import { parseSessionToken } from './session';

const values = { purpose: 'password_reset' as const, userId: 'user-1', email: 'ada@example.com', ttlMs: 30 * 60_000 };

function stored(row: ReturnType<typeof newEmailToken>['row']): EmailToken {
  return { ...row, usedAt: null, createdAt: new Date() } as EmailToken;
}

describe('mailed single-use tokens', () => {
  it('keep the id and the hash of the secret only, and expire after their lifetime', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const { row, token } = newEmailToken(values, now);
    const { id, secret } = parseSessionToken(token)!;
    expect(row.id).toBe(id);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(Buffer.from(row.tokenHash).includes(Buffer.from(secret))).toBe(false);
    expect(row.expiresAt.getTime() - now.getTime()).toBe(values.ttlMs);
  });

  it('open with their own secret for their own purpose only', () => {
    const { row, token } = newEmailToken(values);
    const { secret } = parseSessionToken(token)!;
    expect(isLiveEmailToken(stored(row), 'password_reset', secret)).toBe(true);
    expect(isLiveEmailToken(stored(row), 'email_verification', secret)).toBe(false);
    expect(isLiveEmailToken(stored(row), 'password_reset', `${secret.slice(0, -1)}a`)).toBe(false);
    expect(isLiveEmailToken(stored(row), 'password_reset', '')).toBe(false);
  });

  it('stop working once used or expired', () => {
    const { row, token } = newEmailToken(values);
    const { secret } = parseSessionToken(token)!;
    expect(isLiveEmailToken({ ...stored(row), usedAt: new Date() }, 'password_reset', secret)).toBe(false);
    expect(isLiveEmailToken(stored(row), 'password_reset', secret, new Date(row.expiresAt.getTime() + 1))).toBe(false);
  });

  it('differ every time', () => {
    expect(newEmailToken(values).token).not.toBe(newEmailToken(values).token);
  });
});
