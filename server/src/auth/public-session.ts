// What a client is given of a session: the token and cookie when one is issued (issueSession), and
// the session as sessions.list and auth.me show it (toPublicSession).
import type { Config } from '../config';
import type { Context } from '../trpc/context';
import { serializeSessionCookie } from './cookies';
import { sessionExpiresAt, sessionPolicyOf, type Session, type User } from './session';
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
