// What auth keeps per server instance: the threads that hash passwords and the one-second cache of
// validated sessions. Added to AppDeps here (see deps.ts).
import type { Config } from '../config';
import type { Database } from '../db/client';
import { HashThreads } from './hash-threads';
import { sessionPolicyOf, validateSessionToken } from './session';
import { SessionCache } from './session-cache';

export type AuthRuntime = {
  /** The threads that hash and verify passwords (PASSWORD_HASH_THREADS). */
  passwords: HashThreads;
  /** Validated sessions for a second; dropped on revocation (bus) and on the user's mutations. */
  sessionCache: SessionCache;
};

declare module '../deps' {
  interface AppDeps extends AuthRuntime {}
}

export function createAuthRuntime(config: Config, db: Database): AuthRuntime {
  const policy = sessionPolicyOf(config);
  return {
    passwords: new HashThreads(config.passwordHashThreads),
    sessionCache: new SessionCache(policy, (token) => validateSessionToken(db, policy, token)),
  };
}
