// The last step of a recovery: with a live grant, register a new passkey (or set a password), end
// every other session and every old passkey unless the person keeps them, sign in, and tell every
// channel the account has (mail and SMS) that it was recovered.
import { and, eq, ne } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { passkeys, sessions } from '../../db/schema/index';
import { AppError } from '../../errors';
import { accountRecoveredMail } from '../../mail/messages';
import { recordAuditEvent } from '../audit';
import { hashPassword } from '../password';
import { assertAcceptablePassword } from '../password-rules';
import { createRegistrationOptions, verifyPasskeyRegistration } from '../passkey/registration';
import type { RegistrationResponse } from '../passkey/schema';
import type { Passkey } from '../passkey/credentials';
import { invalidateUserSessions, type Session, type User } from '../session';
import { openSignInSession, type ClientMeta } from '../sign-in-session';
import { setPasswordHash } from '../user';
import { findRecoveryGrant, useRecoveryGrant, type RecoveryGrant } from './grant';

export type KeepOptions = { keepSessions?: boolean; keepPasskeys?: boolean };
export type RecoveredAccount = { user: User; session: Session; token: string; endedSessions: number; removedPasskeys: number };

/** WebAuthn options to create the account's new passkey; the grant stays live until it is used. */
export async function recoveryPasskeyOptions(deps: AppDeps, grantToken: string, nickname?: string) {
  const { user } = await findRecoveryGrant(deps.db, grantToken);
  // The grant is the proof of identity here: it stands for the re-authentication a signed-in
  // session needs before it adds a passkey.
  return createRegistrationOptions(deps, user, { nickname });
}

export async function recoverWithPasskey(
  deps: AppDeps,
  input: { grant: string; response: RegistrationResponse } & KeepOptions,
  meta: ClientMeta,
): Promise<RecoveredAccount & { passkey: Passkey }> {
  const { grant, user } = await findRecoveryGrant(deps.db, input.grant);
  const { passkey } = await verifyPasskeyRegistration(deps, user, input.response, meta);
  if (!(await useRecoveryGrant(deps.db, grant))) {
    // Another request used the grant first: this passkey was not granted.
    await deps.db.delete(passkeys).where(and(eq(passkeys.id, passkey.id), eq(passkeys.userId, user.id)));
    throw new AppError('RECOVERY_GRANT_INVALID');
  }
  return { ...(await finishRecovery(deps, grant, user, { ...input, newPasskeyId: passkey.id }, meta)), passkey };
}

export async function recoverWithPassword(deps: AppDeps, input: { grant: string; newPassword: string } & KeepOptions, meta: ClientMeta): Promise<RecoveredAccount> {
  const { grant, user } = await findRecoveryGrant(deps.db, input.grant);
  // Rules first: a refused password must not burn the grant.
  assertAcceptablePassword(input.newPassword, user.email);
  const passwordHash = await hashPassword(deps.passwords, input.newPassword, deps.config.passwordHashProfile);
  if (!(await useRecoveryGrant(deps.db, grant))) throw new AppError('RECOVERY_GRANT_INVALID');
  await setPasswordHash(deps.db, user.id, passwordHash);
  return finishRecovery(deps, grant, { ...user, passwordHash }, { ...input, newPasskeyId: null }, meta);
}

async function finishRecovery(
  deps: AppDeps,
  grant: RecoveryGrant,
  user: User,
  options: KeepOptions & { newPasskeyId: string | null },
  meta: ClientMeta,
): Promise<RecoveredAccount> {
  const endedSessions = options.keepSessions ? 0 : await invalidateUserSessions(deps.db, deps.bus, user.id);
  let removedPasskeys = 0;
  if (!options.keepPasskeys) {
    const others = options.newPasskeyId ? and(eq(passkeys.userId, user.id), ne(passkeys.id, options.newPasskeyId)) : eq(passkeys.userId, user.id);
    removedPasskeys = (await deps.db.delete(passkeys).where(others).returning({ id: passkeys.id })).length;
  }
  deps.sessionCache.forgetUser(user.id);
  const { session, token } = await openSignInSession(deps, user, meta, 'login_success');
  // The grant was a fresh proof of identity: it counts as the re-authentication the new session
  // would otherwise need before adding another passkey or turning on two-factor.
  const reauthenticatedAt = new Date();
  await deps.db.update(sessions).set({ reauthenticatedAt }).where(eq(sessions.id, session.id));
  session.reauthenticatedAt = reauthenticatedAt;
  const detail = { method: grant.method, with: options.newPasskeyId ? ('passkey' as const) : ('password' as const), endedSessions, removedPasskeys };
  await recordAuditEvent(deps, { event: 'account_recovered', userId: user.id, ...meta, detail });
  const at = new Date();
  if (user.email) deps.mailer.sendLater(accountRecoveredMail(deps.config, user.email, { at, ...meta }, detail));
  if (user.phone) {
    deps.sms.sendLater({
      to: user.phone,
      text: `Your Parley account was recovered just now${endedSessions || removedPasskeys ? ' and signed out everywhere else' : ''}. If this wasn't you, contact support at once.`,
    });
  }
  return { user, session, token, endedSessions, removedPasskeys };
}
