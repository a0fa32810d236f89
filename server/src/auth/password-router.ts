// auth.* with a password: register, login, logout, me. auth/router.ts merges the other auth routers.
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import { ok, okOutput, restRoutes } from '../trpc/rest-meta';
import { serializeBlankSessionCookie } from './cookies';
import { issueSession, toPublicSession } from './public-session';
import { loginInput, loginOutput, meOutput, registerInput, signedInOutput } from './schema';
import { registerWithPassword, signInWithPassword, signOut } from './sign-in';
import { toPublicUser } from './user';

const route = restRoutes('auth');

export const passwordAuthRouter = router({
  register: publicProcedure.meta(route('POST', '/auth/register', 'Create an account and sign in', { protect: false, errorResponses: [409] }))
    .input(registerInput).output(signedInOutput).mutation(async ({ ctx, input }) => {
    const result = await registerWithPassword(ctx.deps, input, ctx.request);
    return issueSession(ctx, result);
  }),

  login: publicProcedure.meta(route('POST', '/auth/login', 'Sign in with e-mail and password (or get a two-factor challenge)', { protect: false, errorResponses: [401] }))
    .input(loginInput).output(loginOutput).mutation(async ({ ctx, input }) => {
    const result = await signInWithPassword(ctx.deps, input, ctx.request);
    if ('twoFactorRequired' in result) return result;
    return issueSession(ctx, result);
  }),

  logout: authedProcedure.meta(route('POST', '/auth/logout', 'End the current session')).output(okOutput).mutation(async ({ ctx }) => {
    await signOut(ctx.deps, ctx.session, ctx.request);
    if (ctx.transport === 'http') ctx.responseCookies.push(serializeBlankSessionCookie(ctx.deps.config));
    return ok();
  }),

  me: authedProcedure.meta(route('GET', '/auth/me', 'The signed-in user and the current session')).output(meOutput).query(({ ctx }) => ({
    user: toPublicUser(ctx.user),
    session: toPublicSession(ctx, ctx.session, ctx.session.id),
  })),
});
