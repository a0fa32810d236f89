import { describe, expect, it } from 'vitest';
import { findPasswordProblem, isCommonPassword } from './password-rules';
import { verifyLegacySha256 } from './password';
import { createHash } from 'node:crypto';

describe('password rules (NIST SP 800-63B)', () => {
  it('accepts a long uncommon passphrase without composition rules', () => {
    expect(findPasswordProblem('correct horse battery staple')).toBeNull();
    expect(findPasswordProblem('alllowercaseletters')).toBeNull();
  });

  it('refuses fewer than 8 and more than 128 characters, counting characters not bytes', () => {
    expect(findPasswordProblem('short12')).toBe('too_short');
    expect(findPasswordProblem('x'.repeat(129))).toBe('too_long');
    expect(findPasswordProblem('é'.repeat(128))).toBeNull();
    expect(findPasswordProblem('🔒🔒🔒🔒')).toBe('too_short');
  });

  it('ships at least the 10,000 most common passwords and refuses them in any case', () => {
    expect(isCommonPassword('password')).toBe(true);
    expect(isCommonPassword('Password1')).toBe(true);
    expect(findPasswordProblem('12345678')).toBe('common');
    expect(findPasswordProblem('iloveyou')).toBe('common');
    expect(findPasswordProblem('QWERTYUIOP')).toBe('common');
  });

  it('refuses the account e-mail address (and its local part) as the password', () => {
    expect(findPasswordProblem('Alice.Smith@example.com', 'alice.smith@example.com')).toBe('email');
    expect(findPasswordProblem('alice.smith', 'alice.smith@example.com')).toBe('email');
  });
});

describe('legacy sha256$<salt>$<hex> hashes', () => {
  it('verify sha256(salt + password) and nothing else', () => {
    const hex = createHash('sha256').update('NaCl' + 'old password 1').digest('hex');
    expect(verifyLegacySha256(`sha256$NaCl$${hex}`, 'old password 1')).toBe(true);
    expect(verifyLegacySha256(`sha256$NaCl$${hex}`, 'old password 2')).toBe(false);
    expect(verifyLegacySha256(`sha256$NaCl$nothex`, 'old password 1')).toBe(false);
  });
});
