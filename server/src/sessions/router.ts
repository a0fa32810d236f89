// sessions.*: see and end where you are signed in. sessions.watch is a subscription that stays
// open until its session ends (closed with 4401), so clients learn at once that they were signed out.
import { toPublicSession } from '../auth/public-session';
import { authedProcedure, router } from '../trpc/init';
import { ok, okOutput, restRoutes } from '../trpc/rest-meta';
import { revokeOthersOutput, revokeSessionInput, sessionListOutput } from './schema';
import { listUserSessions, revokeOtherSessions, revokeUserSession } from './service';

const route = restRoutes('sessions');

export const sessionsRouter = router({
  list: authedProcedure.meta(route('GET', '/sessions', 'Where you are signed in')).output(sessionListOutput).query(async ({ ctx }) => {
    const list = await listUserSessions(ctx.deps, ctx.user.id);
    return list.map((s) => toPublicSession(ctx, s, ctx.session.id));
  }),

  revoke: authedProcedure.meta(route('DELETE', '/sessions/{sessionId}', 'End one of your sessions (its WebSockets close with 4401)')).input(revokeSessionInput).output(okOutput)
    .mutation(({ ctx, input }) => revokeUserSession(ctx.deps, ctx.user.id, input.sessionId, ctx.request).then(ok)),

  revokeOthers: authedProcedure.meta(route('POST', '/sessions/revoke-others', 'End every session but this one')).output(revokeOthersOutput).mutation(async ({ ctx }) => {
    const revoked = await revokeOtherSessions(ctx.deps, ctx.user.id, ctx.session.id, ctx.request);
    return { ok: true as const, revoked };
  }),
  watch: authedProcedure.subscription(async function* ({ signal }) {
    // Yields nothing: the socket's close (code 4401 on revocation or expiry) is the message.
    await new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    yield* [];
  }),
});
