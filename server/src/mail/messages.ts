// The mails Parley sends: plain text and HTML bodies with the same content.
import type { Config } from '../config';
import type { Mail } from './mailer';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Builds a mail from paragraphs and an optional call-to-action link. */
function composeMail(to: string, subject: string, paragraphs: string[], link?: { label: string; url: string }): Mail {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : []), '— Parley'].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`] : []),
    '<p>— Parley</p></body></html>',
  ].join('\n');
  return { to, subject, text, html };
}

/** A link to one of the web app's pages carrying a single-use token. */
function tokenLink(config: Config, page: string, token: string, label: string): { label: string; url: string } {
  return { label, url: `${config.publicUrl}/${page}?token=${encodeURIComponent(token)}` };
}

export function passwordResetMail(config: Config, to: string, token: string, validMinutes: number): Mail {
  return composeMail(to, 'Reset your Parley password', [
    'Someone asked to reset the password of your Parley account.',
    `The link below works once, for ${validMinutes} minutes. If it wasn't you, ignore this mail: your password stays as it is.`,
  ], tokenLink(config, 'reset-password', token, 'Choose a new password'));
}

/** A reset asked for an address without an account: said to its owner (the requester learns nothing). */
export function noAccountResetMail(config: Config, to: string): Mail {
  return composeMail(to, 'Password reset requested', [
    'Someone asked to reset the password of a Parley account with this address, but there is no account with it.',
    "If it wasn't you, ignore this mail. If you meant another address, ask again with that one.",
  ], { label: 'Create an account', url: `${config.publicUrl}/register` });
}

export function emailVerificationMail(config: Config, to: string, token: string): Mail {
  const link = tokenLink(config, 'verify-email', token, 'Confirm my address');
  return composeMail(to, 'Confirm your e-mail address', ['Confirm that this address belongs to your Parley account.'], link);
}

export function orgInvitationMail(config: Config, to: string, orgName: string, role: 'admin' | 'member'): Mail {
  return composeMail(
    to,
    `You are invited to ${orgName} on Parley`,
    [
      `You are invited to join the organization "${orgName}" on Parley as ${role === 'admin' ? 'an admin' : 'a member'}.`,
      'Sign in with this address (or create an account with it) and accept the invitation. If you do not know this organization, ignore this mail: nothing changes without your yes.',
    ],
    { label: 'See your invitations', url: `${config.publicUrl}/invitations` },
  );
}

export type DeviceInfo = { at: Date; ip: string | null; userAgent: string | null };

function describeDevice(device: DeviceInfo): string[] {
  return [`Time: ${device.at.toISOString()}`, `Device: ${device.userAgent ?? 'unknown browser or app'}`, `IP address: ${device.ip ?? 'unknown'}`];
}

export type SecurityNotice = 'password_changed' | 'password_reset' | 'new_sign_in' | 'passkey_added' | 'passkeys_removed' | 'totp_enabled' | 'totp_disabled';

export function securityNoticeMail(config: Config, to: string, kind: SecurityNotice, device: DeviceInfo): Mail {
  const what = {
    passkey_added: { subject: 'A passkey was added to your Parley account', line: 'A new passkey was added to your Parley account. It can sign in without your password.' },
    passkeys_removed: { subject: 'The passkeys of your Parley account were removed', line: 'With the password reset, every passkey of your Parley account was removed. Add your passkeys again once signed in.' },
    totp_enabled: { subject: 'Two-factor authentication is on', line: 'Two-factor authentication was turned on for your Parley account.' },
    totp_disabled: { subject: 'Two-factor authentication is off', line: 'Two-factor authentication was turned off for your Parley account.' },
    password_changed: { subject: 'Your Parley password was changed', line: 'The password of your Parley account was changed.' },
    password_reset: { subject: 'Your Parley password was reset', line: 'The password of your Parley account was reset with a link sent to this address. Every session was signed out.' },
    new_sign_in: { subject: 'New sign-in to your Parley account', line: 'Your Parley account was signed in to from a device it had not seen before.' },
  }[kind];
  return composeMail(
    to,
    what.subject,
    [what.line, describeDevice(device).join('\n'), "If this wasn't you, reset your password and sign out the sessions you don't recognize."],
    { label: 'Review your sessions', url: `${config.publicUrl}/sessions` },
  );
}

export function accountRecoveryMail(config: Config, to: string, token: string, validMinutes: number): Mail {
  return composeMail(to, 'Get back into your Parley account', [
    'Someone asked to recover your Parley account, which signs in with a passkey and has no password.',
    `The link below works once, for ${validMinutes} minutes, and lets you add a new passkey. If it wasn't you, ignore this mail: nothing changes.`,
  ], tokenLink(config, 'recover-account', token, 'Recover my account'));
}

export function accountRecoveredMail(
  config: Config,
  to: string,
  device: DeviceInfo,
  what: { method: 'phone' | 'email'; with: 'passkey' | 'password'; endedSessions: number; removedPasskeys: number },
): Mail {
  const proof = what.method === 'phone' ? 'a code sent by SMS to your phone number' : 'a link sent to this address';
  const ended = what.endedSessions || what.removedPasskeys
    ? `${what.endedSessions} other session(s) were signed out and ${what.removedPasskeys} old passkey(s) removed.`
    : 'Your other sessions and passkeys were kept.';
  return composeMail(
    to,
    'Your Parley account was recovered',
    [`Your Parley account was recovered with ${proof}, and a new ${what.with} was added.`, ended, describeDevice(device).join('\n'), "If this wasn't you, recover the account again at once and tell us."],
    { label: 'Review your sessions', url: `${config.publicUrl}/sessions` },
  );
}
