// A user's authenticator app: setup (secret, otpauth:// URI, QR code), enable with a first code,
// disable with a code, and checking a code once per time step.
import { encodeBase32NoPadding } from '@oslojs/encoding';
import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { renderSVG } from 'uqr';
import type { AppDeps } from '../../deps';
import type { Database } from '../../db/client';
import { totpCredentials } from '../../db/schema/index';
import { AppError } from '../../errors';
import type { User } from '../session';
import { displayName } from '../user';
import { throttleCodeAttempts } from './attempts';
import { openTotpSecret, sealTotpSecret } from './secret-box';
import { createTotpUri, generateTotpSecret, matchTotpStep } from './codes';
import { deleteRecoveryCodes, looksLikeRecoveryCode, replaceRecoveryCodes, useRecoveryCode } from './recovery-codes';

type TotpCredential = typeof totpCredentials.$inferSelect;

async function getTotpCredential(db: Database, userId: string): Promise<TotpCredential | null> {
  const [credential] = await db.select().from(totpCredentials).where(eq(totpCredentials.userId, userId));
  return credential ?? null;
}

export async function isTotpEnabled(db: Database, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ userId: totpCredentials.userId })
    .from(totpCredentials)
    .where(and(eq(totpCredentials.userId, userId), isNotNull(totpCredentials.enabledAt)));
  return row !== undefined;
}

/** A new secret each time until enabled, so an abandoned setup leaves nothing usable. */
export async function setupTotp(deps: AppDeps, user: User) {
  const existing = await getTotpCredential(deps.db, user.id);
  if (existing?.enabledAt) throw new AppError('TOTP_ALREADY_ENABLED');
  const secret = generateTotpSecret();
  const sealed = await sealTotpSecret(deps, secret);
  await deps.db
    .insert(totpCredentials)
    .values({ userId: user.id, secret: sealed })
    .onConflictDoUpdate({ target: totpCredentials.userId, set: { secret: sealed, enabledAt: null, lastUsedStep: null, createdAt: new Date() } });
  const uri = createTotpUri(deps.config.rpName, user.email ?? displayName(user), secret);
  const qrCodeSvg = renderSVG(uri, { border: 2 });
  return {
    secret: encodeBase32NoPadding(secret),
    uri,
    qrCodeSvg,
    qrCodeDataUrl: `data:image/svg+xml;base64,${Buffer.from(qrCodeSvg).toString('base64')}`,
  };
}

/**
 * True when code is the authenticator's code for a step after the last one used (recorded in the
 * same statement, so two requests with one code can't both pass), or an unused recovery code.
 */
async function acceptCode(deps: AppDeps, credential: TotpCredential, code: string, allowRecoveryCode: boolean): Promise<boolean> {
  const db = deps.db;
  const { secret, sealed } = await openTotpSecret(deps, credential.secret);
  // A plain secret stored before sealing existed is sealed on its first use.
  if (!sealed) {
    await db.update(totpCredentials).set({ secret: await sealTotpSecret(deps, secret) }).where(eq(totpCredentials.userId, credential.userId));
  }
  const step = matchTotpStep(secret, code);
  if (step !== null) {
    const updated = await db
      .update(totpCredentials)
      .set({ lastUsedStep: step })
      .where(and(eq(totpCredentials.userId, credential.userId), or(isNull(totpCredentials.lastUsedStep), lt(totpCredentials.lastUsedStep, step))))
      .returning({ userId: totpCredentials.userId });
    return updated.length > 0;
  }
  return allowRecoveryCode && looksLikeRecoveryCode(code) && useRecoveryCode(db, credential.userId, code);
}

/** Checks a second-factor code of an account with TOTP on (throttled); false when wrong. */
export async function verifySecondFactor(deps: AppDeps, userId: string, code: string): Promise<boolean> {
  const credential = await getTotpCredential(deps.db, userId);
  if (!credential?.enabledAt) return false;
  const ok = await throttleCodeAttempts(deps, userId, () => acceptCode(deps, credential, code, true));
  if (!ok) deps.metrics.authEvents.inc({ event: 'two_factor_failed' });
  return ok;
}

/** The first valid code proves the app holds the secret; returns the recovery codes, once. */
export async function enableTotp(deps: AppDeps, user: User, code: string): Promise<{ recoveryCodes: string[] }> {
  const credential = await getTotpCredential(deps.db, user.id);
  if (!credential) throw new AppError('TOTP_NOT_SET_UP');
  if (credential.enabledAt) throw new AppError('TOTP_ALREADY_ENABLED');
  const ok = await throttleCodeAttempts(deps, user.id, () => acceptCode(deps, credential, code, false));
  if (!ok) throw new AppError('INVALID_CODE');
  await deps.db.update(totpCredentials).set({ enabledAt: new Date() }).where(eq(totpCredentials.userId, user.id));
  deps.metrics.authEvents.inc({ event: 'totp_enabled' });
  return { recoveryCodes: await replaceRecoveryCodes(deps.db, user.id) };
}

/** Turning two-factor off needs a current code (or a recovery code), not just a session. */
export async function disableTotp(deps: AppDeps, user: User, code: string): Promise<void> {
  if (!(await isTotpEnabled(deps.db, user.id))) throw new AppError('TOTP_NOT_ENABLED');
  if (!(await verifySecondFactor(deps, user.id, code))) throw new AppError('INVALID_CODE');
  await deps.db.delete(totpCredentials).where(eq(totpCredentials.userId, user.id));
  await deleteRecoveryCodes(deps.db, user.id);
  deps.metrics.authEvents.inc({ event: 'totp_disabled' });
}
