// Every rate limit of the server, by name: the one table. The name prefixes the limit's keys in
// the shared rate_limits table, so renaming one resets its counters.
//
// To add a limit: add an entry below ({ points, durationMs, store, blockMs? }: at most `points` in
// `durationMs`; `store: 'shared'` counts in PostgreSQL when the server runs on it, so all instances
// share the count, `'instance'` in this process's memory, for limits on the hot path where a
// database round trip per call would cost too much). Then count where the event happens:
// `await deps.limits.consume('my_limit', key)` throws RATE_LIMITED with Retry-After once the window
// is full; for a check that costs (a password hash, a code), `reserve` before it and `refund` when
// it succeeds, so concurrent attempts can never run more checks than the window allows. Settings
// people may tune go to config.ts and are read here; write each limit into SECURITY.md.
import type { Config } from '../config';

export type LimitSpec = {
  points: number;
  durationMs: number;
  store: 'shared' | 'instance';
  /** Once over the limit, refuse for this long (default: until the window ends). */
  blockMs?: number;
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function limitTable(config: Config) {
  const { rateLimits } = config;
  return {
    /** Failed logins per client IP (a login's point is given back when it succeeds). */
    login_fail_ip: { ...rateLimits.loginIp, store: 'shared' },
    /** Consecutive failed logins per account, remembered a day (the delay grows with them). */
    login_fail_account: { points: 1_000_000, durationMs: 24 * HOUR, store: 'shared' },
    /** The account's current delay after too many failures (blocked for the delay). */
    login_delay_account: { points: 1, durationMs: rateLimits.loginBackoff.maxMs, store: 'shared' },
    register_ip: { ...rateLimits.registerIp, store: 'shared' },
    register_email: { ...rateLimits.registerEmail, store: 'shared' },
    reset_ip: { ...rateLimits.resetIp, store: 'shared' },
    reset_email: { ...rateLimits.resetEmail, store: 'shared' },
    /** Verification mails per user, as reset mails per address. */
    verify_email_user: { ...rateLimits.resetEmail, store: 'shared' },
    /** Guessing the current password from a stolen session is throttled like a login. */
    change_password_user: { ...rateLimits.loginIp, store: 'shared' },
    /** Wrong passwords given to auth.reauthenticate per account (a stolen session guessing), like change_password_user. */
    reauth_password_user: { ...rateLimits.loginIp, store: 'shared' },
    /** Org invitations an admin may send (each mails a stranger: not a spam relay). */
    org_invite_user: { points: 100, durationMs: HOUR, store: 'shared' },
    /** Passkey challenges (a row each in auth_challenges) per client IP. */
    passkey_challenge_ip: { points: 60, durationMs: MINUTE, store: 'shared' },
    /** Account recovery (auth/recovery/): requests per IP, per address and per phone; code checks per IP. */
    recovery_ip: { ...config.recoveryLimits.ip, store: 'shared' },
    recovery_email: { ...config.recoveryLimits.email, store: 'shared' },
    recovery_phone: { ...config.recoveryLimits.phone, store: 'shared' },
    recovery_verify_ip: { ...config.recoveryLimits.verifyIp, store: 'shared' },
    /** Audio work per user (recordings/throttles.ts): uploads and streamed ingestions, live recordings started. */
    upload_user: { ...rateLimits.uploadUser, store: 'shared' },
    recording_user: { ...rateLimits.recordingUser, store: 'shared' },
    /** Guest accounts per client IP. */
    guest_ip: { points: 100, durationMs: 10 * MINUTE, store: 'instance' },
    /** Wrong two-factor codes per account: 5 misses lock code entry for 15 minutes. */
    totp_code: { points: 5, durationMs: 15 * MINUTE, blockMs: 15 * MINUTE, store: 'instance' },
    /** rooms.send per user (ROOM_SEND_LIMIT per 10 s): in memory, a message must not wait for a count. */
    room_send: { points: config.roomSendLimit, durationMs: 10_000, store: 'instance' },
    room_typing: { points: 20, durationMs: 10_000, store: 'instance' },
  } satisfies Record<string, LimitSpec>;
}

export type LimitName = keyof ReturnType<typeof limitTable>;
