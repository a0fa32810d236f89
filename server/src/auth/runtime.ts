// What auth keeps per server instance: the threads that hash passwords and the one-second cache of
// validated sessions. Added to AppDeps here (see deps.ts).
import type { Config } from '../config';
import type { Database } from '../db/client';
import { HashThreads } from './hash-threads';
import { hashPassword } from './password';
import { sessionPolicyOf, validateSessionToken } from './session';
import { SessionCache } from './session-cache';

export type AuthRuntime = {
  /** The threads that hash and verify passwords (PASSWORD_HASH_THREADS). */
  passwords: HashThreads;
  /** Validated sessions for a second; dropped on revocation (bus) and on the user's mutations. */
  sessionCache: SessionCache;
  /**
   * The hash an unknown e-mail is verified against, at this server's profile (a dummy made at another
   * profile would answer in another time). Made on first use; made again after a failure.
   */
  dummyPasswordHash(): Promise<string>;
};

declare module '../deps' {
  interface AppDeps extends AuthRuntime {}
}

export function createAuthRuntime(config: Config, db: Database): AuthRuntime {
  const policy = sessionPolicyOf(config);
  const passwords = new HashThreads(config.passwordHashThreads);
  let dummy: Promise<string> | null = null;
  return {
    passwords,
    sessionCache: new SessionCache(policy, (token) => validateSessionToken(db, policy, token)),
    dummyPasswordHash() {
      if (!dummy) {
        const made = hashPassword(passwords, 'parley-dummy-password', config.passwordHashProfile);
        made.catch(() => {
          if (dummy === made) dummy = null;
        });
        dummy = made;
      }
      return dummy;
    },
  };
}
