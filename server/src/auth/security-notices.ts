// Changes to how an account signs in are audited and mailed to its owner, so a change made with a
// stolen session does not go unnoticed.
import type { AppDeps } from '../deps';
import { securityNoticeMail, type SecurityNotice } from '../mail/messages';
import { recordAuditEvent } from './audit';
import type { User } from './session';
import type { ClientMeta } from './sign-in-session';

export async function noteSecurityChange(
  deps: AppDeps,
  user: Pick<User, 'id' | 'email'>,
  change: Extract<SecurityNotice, 'passkey_added' | 'passkeys_removed' | 'totp_enabled' | 'totp_disabled'>,
  meta: ClientMeta,
  detail?: Record<string, string | number | boolean | null>,
): Promise<void> {
  await recordAuditEvent(deps, { event: change, userId: user.id, ...meta, detail });
  if (user.email) deps.mailer.sendLater(securityNoticeMail(deps.config, user.email, change, { at: new Date(), ...meta }));
}
