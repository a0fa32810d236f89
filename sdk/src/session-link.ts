// The link that keeps the session: procedures that sign in hand their token to the client, the
// ones that end the session (logout, a password reset, revoking the current session) forget it,
// and an UNAUTHORIZED on a call that carried a token means the session has ended.
import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter } from './router.generated';
import { checksCredentials, endsSession, mayEndSession, startsSession } from './session-procedures';

export type SessionExpiredEvent = { reason: 'unauthorized' | 'revoked'; path?: string };

export type SessionState = {
  /** The token calls carry now (held by the client or given by getToken), if any. */
  currentToken(): Promise<string | null>;
  setToken(token: string | null): void;
  expire(event: SessionExpiredEvent): void;
};

export function sessionLink(state: SessionState): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        // Revoking a session compares against the token the call carried: read it before the call,
        // and hold the result until it is read, so the session is forgotten once the call resolves.
        const tokenBefore = mayEndSession(op.path) ? state.currentToken() : null;
        let delivered: Promise<unknown> = tokenBefore ?? Promise.resolve();
        const deliver = (fn: () => void) => {
          if (tokenBefore) delivered = delivered.then(fn, fn);
          else fn();
        };
        const subscription = next(op).subscribe({
          next(envelope) {
            const data = (envelope.result as { data?: unknown }).data as { token?: unknown } | undefined;
            if (op.type === 'mutation' && startsSession(op.path) && typeof data?.token === 'string') state.setToken(data.token);
            if (tokenBefore) delivered = delivered.then(() => tokenBefore).then((token) => endsSession(op.path, op.input, token) && state.setToken(null));
            deliver(() => observer.next(envelope));
          },
          error(error) {
            const code = (error.data as { code?: string } | undefined)?.code;
            if (code === 'UNAUTHORIZED' && !checksCredentials(op.path)) {
              // Only a session that existed can expire: an anonymous call is just refused.
              void state.currentToken().then((token) => token !== null && state.expire({ reason: 'unauthorized', path: op.path }));
            }
            deliver(() => observer.error(error));
          },
          complete() {
            deliver(() => observer.complete());
          },
        });
        return () => subscription.unsubscribe();
      });
}
