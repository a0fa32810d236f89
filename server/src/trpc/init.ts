// initTRPC, the error shape, and the reusable procedures every router builds on.
import { initTRPC, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { AppError, errorKeyOf, findAppError, toTRPCError, type ErrorKey } from '../errors';
import { isCrossSiteRequest } from '../auth/csrf';
import type { Context } from './context';
import { isDatabaseUnavailable, isInvalidTextError } from '../db/client';

// meta: procedures with .meta({ openapi }) are also served as REST under /api (trpc-to-openapi).
const t = initTRPC.context<Context>().meta<OpenApiMeta>().create({
  // Never send stack traces, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? error.cause : null;
    const appError = findAppError(error);
    // A subscription's generator throws after the middlewares have returned: map its errors here.
    const late = error.code === 'INTERNAL_SERVER_ERROR' ? lateError(error, appError) : null;
    if (late) shape = { ...shape, code: TRPC_ERROR_CODES_BY_KEY[late.code], message: late.message, data: { ...shape.data, code: late.code, httpStatus: getHTTPStatusCodeFromError(late) } };
    const key: ErrorKey | undefined = zodError ? 'INVALID_INPUT' : (late ? errorKeyOf(late) : errorKeyOf(error));
    return {
      ...shape,
      message: zodError ? summarizeZodError(zodError) : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        /** The catalogue key (errors.ts): what clients branch on, never the message. */
        key,
        issues: zodError ? zodError.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code })) : undefined,
        retryAfter: appError?.retryAfterSeconds,
      },
    };
  },
});

function lateError(error: TRPCError, appError: AppError | undefined): TRPCError | null {
  if (appError) return toTRPCError(appError);
  return databaseError(error);
}

/** Database failures that are not bugs: the database is down, or it refused the caller's text. */
function databaseError(error: TRPCError): TRPCError | null {
  if (isDatabaseUnavailable(error)) return toTRPCError(new AppError('DATABASE_UNAVAILABLE', { cause: error }));
  if (isInvalidTextError(error)) return toTRPCError(new AppError('INVALID_TEXT', { cause: error }));
  return null;
}

function summarizeZodError(error: ZodError): string {
  const first = error.issues[0];
  if (!first) return 'Invalid input';
  const where = first.path.length ? `${first.path.map(String).join('.')}: ` : '';
  return `Invalid input: ${where}${first.message}`;
}

/**
 * Every procedure's first middleware: refuses cross-site cookie-authenticated mutations (CSRF), and
 * turns domain errors into their catalogued tRPC error and a dead database into SERVICE_UNAVAILABLE.
 * (One middleware rather than two: each layer costs every call an options object and a closure.)
 */
const base = t.middleware(async ({ ctx, type, path, next }) => {
  // Cookie-authenticated mutations must come from our own origin or ALLOWED_ORIGINS.
  if (type === 'mutation' && ctx.tokenSource === 'cookie' && isCrossSiteRequest(ctx.deps.config, ctx.request)) {
    throw toTRPCError(new AppError('CSRF_ORIGIN'));
  }
  const result = await next();
  // An account or session mutation may change its caller (e-mail, name, sessions): their cached session
  // must not outlive it. Users and sessions change only through auth.* and sessions.*; rooms, recordings
  // and orgs never touch them, so a chat message does not cost its sender a session lookup on the next call.
  if (type === 'mutation' && changesAccounts(path)) {
    if (ctx.user) ctx.deps.sessionCache.forgetUser(ctx.user.id);
    else ctx.deps.sessionCache.clear();
  }
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR') {
    const appError = findAppError(result.error);
    if (appError) throw toTRPCError(appError);
    const mapped = databaseError(result.error);
    if (mapped) throw mapped;
  }
  return result;
});

const changesAccounts = (path: string) => path.startsWith('auth.') || path.startsWith('sessions.');

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(base);

/** A live session is required. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session || !ctx.user) throw toTRPCError(new AppError('UNAUTHENTICATED'));
  // tRPC merges these into ctx (and narrows their types): no copy of the rest here.
  return next({ ctx: { session: ctx.session, user: ctx.user } });
});

/** A live session of a full member (not a guest). */
export const memberProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.kind === 'guest') throw toTRPCError(new AppError('GUEST_NOT_ALLOWED'));
  return next();
});
