// The link that keeps the session: procedures that sign in hand their token to the client, logout
// forgets it, and an UNAUTHORIZED on a call that carried a token means the session has ended.
import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter } from './router.generated';

/** Procedures whose result carries a new session token ({ token }; auth.passkey.register only on a sign-up). */
const SIGN_IN_PATHS = new Set([
  'auth.register', 'auth.login', 'auth.guest', 'auth.upgradeGuest', 'auth.totp.verifyLogin', 'auth.passkey.authenticate', 'auth.passkey.register',
  'auth.recovery.registerPasskey', 'auth.recovery.setPassword',
]);
/** Procedures whose UNAUTHORIZED is about the credentials given, not about the session. */
const CREDENTIAL_PATHS = new Set([...SIGN_IN_PATHS, 'auth.resetPassword', 'auth.verifyEmail']);
const SIGN_OUT_PATHS = new Set(['auth.logout']);

export type SessionExpiredEvent = { reason: 'unauthorized' | 'revoked'; path?: string };

export type SessionState = {
  hasToken(): Promise<boolean>;
  setToken(token: string | null): void;
  expire(event: SessionExpiredEvent): void;
};

export function sessionLink(state: SessionState): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const subscription = next(op).subscribe({
          next(envelope) {
            const data = (envelope.result as { data?: unknown }).data as { token?: unknown } | undefined;
            if (SIGN_IN_PATHS.has(op.path) && typeof data?.token === 'string') state.setToken(data.token);
            if (SIGN_OUT_PATHS.has(op.path)) state.setToken(null);
            observer.next(envelope);
          },
          error(error) {
            const code = (error.data as { code?: string } | undefined)?.code;
            if (code === 'UNAUTHORIZED' && !CREDENTIAL_PATHS.has(op.path)) {
              // Only a session that existed can expire: an anonymous call is just refused.
              void state.hasToken().then((has) => has && state.expire({ reason: 'unauthorized', path: op.path }));
            }
            observer.error(error);
          },
          complete() {
            observer.complete();
          },
        });
        return () => subscription.unsubscribe();
      });
}
