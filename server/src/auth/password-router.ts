// auth.* with a password: register, login, logout, me. auth/index-router.ts merges the other auth routers.
import { sessionExpiresAt, sessionPolicyOf, type Session, type User } from './session';
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import type { Context } from '../trpc/context';
import type { Config } from '../config';
import { serializeBlankSessionCookie, serializeSessionCookie } from './cookies';
import { loginInput, loginOutput, meOutput, okOutput, registerInput, signedInOutput } from './schema';
import { registerWithPassword, signInWithPassword, signOut } from './sign-in';
import { toPublicUser } from './user';

type PublicSession = ReturnType<typeof projectSession>;
/** As toPublicUser: a frozen (cached) session row is projected once per server config and current flag. */
const publicSessions = new WeakMap<Session, { config: Config; current: boolean; projected: PublicSession }>();

export function toPublicSession(ctx: Pick<Context, 'deps'>, session: Session, currentId?: string): PublicSession {
  const current = session.id === currentId;
  if (!Object.isFrozen(session)) return projectSession(ctx.deps.config, session, current);
  const memo = publicSessions.get(session);
  if (memo && memo.config === ctx.deps.config && memo.current === current) return memo.projected;
  const projected = Object.freeze(projectSession(ctx.deps.config, session, current));
  publicSessions.set(session, { config: ctx.deps.config, current, projected });
  return projected;
}

function projectSession(config: Config, session: Session, current: boolean) {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: sessionExpiresAt(session, sessionPolicyOf(config)).toISOString(),
    ip: session.ip,
    userAgent: session.userAgent,
    current,
  };
}

/** Hands the new session to the client: the token in the body, and the cookie for browsers. */
export function issueSession(ctx: Context, result: { user: User; session: Session; token: string }) {
  if (ctx.transport === 'http') {
    const expiresAt = sessionExpiresAt(result.session, sessionPolicyOf(ctx.deps.config));
    ctx.responseCookies.push(serializeSessionCookie(ctx.deps.config, result.token, expiresAt));
  }
  return { user: toPublicUser(result.user), token: result.token };
}

export const passwordAuthRouter = router({
  register: publicProcedure.meta({ openapi: { method: 'POST', path: '/auth/register', tags: ['auth'], protect: false, errorResponses: [409], summary: 'Create an account and sign in' } }).input(registerInput).output(signedInOutput).mutation(async ({ ctx, input }) => {
    const result = await registerWithPassword(ctx.deps, input, ctx.request);
    return issueSession(ctx, result);
  }),

  login: publicProcedure.meta({ openapi: { method: 'POST', path: '/auth/login', tags: ['auth'], protect: false, errorResponses: [401], summary: 'Sign in with e-mail and password (or get a two-factor challenge)' } }).input(loginInput).output(loginOutput).mutation(async ({ ctx, input }) => {
    const result = await signInWithPassword(ctx.deps, input, ctx.request);
    if ('twoFactorRequired' in result) return result;
    return issueSession(ctx, result);
  }),

  logout: authedProcedure.meta({ openapi: { method: 'POST', path: '/auth/logout', tags: ['auth'], summary: 'End the current session' } }).output(okOutput).mutation(async ({ ctx }) => {
    await signOut(ctx.deps, ctx.session, ctx.request);
    if (ctx.transport === 'http') ctx.responseCookies.push(serializeBlankSessionCookie(ctx.deps.config));
    return { ok: true as const };
  }),

  me: authedProcedure.meta({ openapi: { method: 'GET', path: '/auth/me', tags: ['auth'], summary: 'The signed-in user and the current session' } }).output(meOutput).query(({ ctx }) => ({
    user: toPublicUser(ctx.user),
    session: toPublicSession(ctx, ctx.session, ctx.session.id),
  })),
});
