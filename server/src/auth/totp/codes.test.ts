import { generateHOTP } from '@oslojs/otp';
import { describe, expect, it } from 'vitest';
import { createTotpUri, currentTotpStep, generateTotpSecret, matchTotpStep } from './codes';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" at 59 s gives 94287082 (8 digits).
const rfcSecret = new TextEncoder().encode('12345678901234567890');

describe('TOTP codes', () => {
  it('agrees with the RFC 6238 test vector', () => {
    expect(generateHOTP(rfcSecret, BigInt(currentTotpStep(59_000)), 8)).toBe('94287082');
    expect(matchTotpStep(rfcSecret, '287082', 59_000)).toBe(1);
  });

  it('accepts the previous and next step for clock drift, and nothing further', () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_000_000;
    const step = currentTotpStep(now);
    for (const offset of [-1, 0, 1]) {
      expect(matchTotpStep(secret, generateHOTP(secret, BigInt(step + offset), 6), now)).toBe(step + offset);
    }
    expect(matchTotpStep(secret, generateHOTP(secret, BigInt(step + 2), 6), now)).toBeNull();
    expect(matchTotpStep(secret, generateHOTP(secret, BigInt(step - 2), 6), now)).toBeNull();
  });

  it('refuses anything but six digits', () => {
    const secret = generateTotpSecret();
    expect(matchTotpStep(secret, '12345')).toBeNull();
    expect(matchTotpStep(secret, 'abcdef')).toBeNull();
  });

  it('writes an otpauth:// URI authenticator apps understand', () => {
    const uri = new URL(createTotpUri('Parley', 'ada@example.com', generateTotpSecret()));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri.searchParams.get('period')).toBe('30');
    expect(uri.searchParams.get('digits')).toBe('6');
  });
});
