// The session link without a server: a terminating link answers like the server would, and the
// test watches which token the client ends up holding.
import { createTRPCClient, TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { TRPCMutationProcedure } from '@trpc/server';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AppRouter, ParleyRouterRecord } from './router.generated';
import { SIGN_IN_PROCEDURES } from './sign-in-procedures.generated';
import { sessionLink, type SessionExpiredEvent } from './session-link';
import type { SignInPath, UnhandledSignIn } from './session-procedures';

type Answer = { data: unknown } | { code: string };

function clientWith(answer: (path: string, input: unknown) => Answer, startToken: string | null = null) {
  let token = startToken;
  const changes: (string | null)[] = [];
  const expired: SessionExpiredEvent[] = [];
  const server: TRPCLink<AppRouter> = () => ({ op }) =>
    observable((observer) => {
      const result = answer(op.path, op.input);
      if ('code' in result) observer.error(TRPCClientError.from({ error: { message: result.code, code: -32001, data: { code: result.code } } }));
      else {
        observer.next({ result: { type: 'data', data: result.data } } as never);
        observer.complete();
      }
    });
  const link = sessionLink({
    currentToken: async () => token,
    setToken: (next) => {
      token = next;
      changes.push(next);
    },
    expire: (event) => {
      token = null;
      expired.push(event);
    },
  });
  const client = createTRPCClient<AppRouter>({ links: [link, server] });
  return { client, changes, expired, token: () => token };
}

const user = { id: 'u1', displayName: 'Ada' };

describe('sessionLink', () => {
  it('keeps the token of every procedure whose output carries one, including a passwordless passkey sign-up', async () => {
    for (const path of SIGN_IN_PROCEDURES) {
      const { client, token } = clientWith(() => ({ data: { user, token: `${path}.secret` } }));
      const [a, b, c] = path.split('.') as [string, string, string?];
      const procedure = c ? (client as any)[a][b][c] : (client as any)[a][b];
      await procedure.mutate({});
      expect(token(), path).toBe(`${path}.secret`);
    }
  });

  it('keeps the current session when adding a passkey to a signed-in account answers token: null', async () => {
    const { client, token } = clientWith(() => ({ data: { passkey: { id: 'p' }, user, token: null } }), 'sid.secret');
    await client.auth.passkey.register.mutate({ id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: '', attestationObject: '' } });
    expect(token()).toBe('sid.secret');
  });

  it('forgets the session on logout and on a password reset, before the call resolves', async () => {
    for (const call of [(c: ReturnType<typeof clientWith>['client']) => c.auth.logout.mutate(), (c: ReturnType<typeof clientWith>['client']) => c.auth.resetPassword.mutate({ token: 't', newPassword: 'a new passphrase 42' })]) {
      const { client, token } = clientWith(() => ({ data: { ok: true } }), 'sid.secret');
      await call(client);
      expect(token()).toBeNull();
    }
  });

  it('forgets the session when revoking the current one, and keeps it when revoking another', async () => {
    const other = clientWith(() => ({ data: { ok: true } }), 'sid.secret');
    await other.client.sessions.revoke.mutate({ sessionId: 'another' });
    expect(other.token()).toBe('sid.secret');
    const current = clientWith(() => ({ data: { ok: true } }), 'sid.secret');
    await current.client.sessions.revoke.mutate({ sessionId: 'sid' });
    expect(current.token()).toBeNull();
  });

  it('keeps the session through revokeOthers and changePassword (they end the other sessions)', async () => {
    const { client, token } = clientWith(() => ({ data: { ok: true, revoked: 1, endedSessions: 1 } }), 'sid.secret');
    await client.sessions.revokeOthers.mutate();
    await client.auth.changePassword.mutate({ currentPassword: 'a', newPassword: 'b' });
    expect(token()).toBe('sid.secret');
  });

  it('reports an expired session on UNAUTHORIZED from a call that carried a token, not from a wrong password or an anonymous call', async () => {
    const signedIn = clientWith(() => ({ code: 'UNAUTHORIZED' }), 'sid.secret');
    await expect(signedIn.client.auth.me.query()).rejects.toThrow();
    await expect.poll(() => signedIn.expired).toEqual([{ reason: 'unauthorized', path: 'auth.me' }]);

    const wrongPassword = clientWith(() => ({ code: 'UNAUTHORIZED' }), 'sid.secret');
    await expect(wrongPassword.client.auth.login.mutate({ email: 'a@example.com', password: 'x' })).rejects.toThrow();
    const anonymous = clientWith(() => ({ code: 'UNAUTHORIZED' }));
    await expect(anonymous.client.auth.me.query()).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 0));
    expect(wrongPassword.expired).toEqual([]);
    expect(anonymous.expired).toEqual([]);
  });
});

describe('sign-in procedures, from the router types', () => {
  it('lists exactly the mutations whose output carries a token', () => {
    expectTypeOf<(typeof SIGN_IN_PROCEDURES)[number]>().toEqualTypeOf<SignInPath>();
    expect(SIGN_IN_PROCEDURES).toContain('auth.passkey.register');
  });

  it('names a new sign-in procedure that the SDK does not handle yet (a compile error in session-procedures.ts)', () => {
    type WithMagicLink = ParleyRouterRecord & {
      auth: { magicLink: { verify: TRPCMutationProcedure<{ input: { code: string }; output: { user: { id: string }; token: string }; meta: object }> } };
    };
    expectTypeOf<UnhandledSignIn<(typeof SIGN_IN_PROCEDURES)[number], WithMagicLink>>().toEqualTypeOf<'auth.magicLink.verify'>();
    expectTypeOf<UnhandledSignIn<(typeof SIGN_IN_PROCEDURES)[number]>>().toEqualTypeOf<never>();
    // The guard's own form: it compiles only when nothing is unhandled.
    type Guard<R> = [UnhandledSignIn<(typeof SIGN_IN_PROCEDURES)[number], R>] extends [never] ? true : { missing: UnhandledSignIn<(typeof SIGN_IN_PROCEDURES)[number], R> };
    const handled: Guard<ParleyRouterRecord> = true;
    // @ts-expect-error auth.magicLink.verify returns a token and is not in SIGN_IN_PROCEDURES
    const unhandled: Guard<WithMagicLink> = true;
    expect([handled, unhandled]).toEqual([true, true]);
  });
});
