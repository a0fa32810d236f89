// Which procedures start and end the session the SDK holds, read from the router's types: a
// mutation whose output carries `token` signs in (the generator lists them in SIGN_IN_PROCEDURES,
// and the compile-time guard below fails when that list and the types disagree).
import type { ParleyRouterRecord } from './router.generated';
import { SIGN_IN_PROCEDURES } from './sign-in-procedures.generated';

type AnyProcedure = { _def: { procedure: true; type: string; $types: { input: unknown; output: unknown } } };
type CarriesToken<O> = O extends { token: unknown } ? true : never;

/** Dotted paths of every procedure in a router record, e.g. 'auth.passkey.register'. */
export type ProcedurePathOf<R, Prefix extends string = ''> = {
  [K in keyof R & string]: R[K] extends AnyProcedure ? `${Prefix}${K}` : ProcedurePathOf<R[K], `${Prefix}${K}.`>;
}[keyof R & string];

/** Dotted paths of the mutations whose output (or one branch of it) carries a session `token`. */
export type SignInPathOf<R, Prefix extends string = ''> = {
  [K in keyof R & string]: R[K] extends AnyProcedure
    ? R[K]['_def']['type'] extends 'mutation'
      ? true extends CarriesToken<R[K]['_def']['$types']['output']>
        ? `${Prefix}${K}`
        : never
      : never
    : SignInPathOf<R[K], `${Prefix}${K}.`>;
}[keyof R & string];

export type ProcedurePath = ProcedurePathOf<ParleyRouterRecord>;
export type SignInPath = SignInPathOf<ParleyRouterRecord>;

/** Paths the session link keeps the token of; `never` when every sign-in procedure is handled. */
export type UnhandledSignIn<Handled extends string, R = ParleyRouterRecord> = Exclude<SignInPathOf<R>, Handled>;

/** Fails to compile while a procedure that returns a token is missing from SIGN_IN_PROCEDURES (run pnpm typecheck). */
const everySignInHandled: [UnhandledSignIn<(typeof SIGN_IN_PROCEDURES)[number]>] extends [never] ? true : { missing: UnhandledSignIn<(typeof SIGN_IN_PROCEDURES)[number]> } = true;
void everySignInHandled;

const signIns: ReadonlySet<string> = new Set<SignInPath>(SIGN_IN_PROCEDURES);

/** The mutation's result carries a new session token the client should hold from now on. */
export function startsSession(path: string): boolean {
  return signIns.has(path);
}

/**
 * Procedures that end the session: logout ends this one; a password reset ends every session of the
 * account; sessions.revoke ends this one when it names the current session (token `<id>.<secret>`).
 */
const SESSION_ENDS = {
  'auth.logout': () => true,
  'auth.resetPassword': () => true,
  'sessions.revoke': (input, token) => typeof token === 'string' && (input as { sessionId?: unknown } | undefined)?.sessionId === sessionIdOf(token),
} satisfies Partial<Record<ProcedurePath, (input: unknown, token: string | null) => boolean>>;

/** The procedure may end the session held (whether it does can depend on its input). */
export function mayEndSession(path: string): boolean {
  return Object.prototype.hasOwnProperty.call(SESSION_ENDS, path);
}

export function endsSession(path: string, input: unknown, token: string | null): boolean {
  const rule = (SESSION_ENDS as Record<string, ((input: unknown, token: string | null) => boolean) | undefined>)[path];
  return rule ? rule(input, token) : false;
}

/** Procedures whose UNAUTHORIZED is about the credentials given, not about the session held. */
const CREDENTIAL_PROCEDURES = new Set<string>([...SIGN_IN_PROCEDURES, 'auth.resetPassword', 'auth.verifyEmail'] satisfies ProcedurePath[]);

export function checksCredentials(path: string): boolean {
  return CREDENTIAL_PROCEDURES.has(path);
}

/** The session id of a token `<id>.<secret>` (what sessions.list calls `id`). */
export function sessionIdOf(token: string): string {
  return token.split('.')[0]!;
}
