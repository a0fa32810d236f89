// RFC 6238 time-based codes: 6 digits, 30-second steps, SHA-1 (what every authenticator app reads).
import { createTOTPKeyURI, verifyHOTP } from '@oslojs/otp';
import { randomBytes } from 'node:crypto';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now, for clocks that drift and codes typed late. */
const DRIFT_STEPS = 1;

/** 160 bits, the HMAC-SHA-1 block the RFC recommends. */
export function generateTotpSecret(): Uint8Array {
  return new Uint8Array(randomBytes(20));
}

export function createTotpUri(issuer: string, accountName: string, secret: Uint8Array): string {
  return createTOTPKeyURI(issuer, accountName, secret, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
}

export function currentTotpStep(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * The time step whose code this is, or null. The caller stores it: a step at or before the last
 * accepted one is a replay.
 */
export function matchTotpStep(secret: Uint8Array, code: string, nowMs = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const now = currentTotpStep(nowMs);
  for (let step = now - DRIFT_STEPS; step <= now + DRIFT_STEPS; step++) {
    if (verifyHOTP(secret, BigInt(step), TOTP_DIGITS, code)) return step;
  }
  return null;
}
