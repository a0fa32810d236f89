import { describe, expect, it } from 'vitest';
import { HashThreadError } from './hash-threads';
import { hashPassword, hashThreads, verifyPasswordHash } from './password';

describe('verifyPasswordHash', () => {
  it('says valid or not for Argon2id hashes, and not valid for a stored hash it cannot read', async () => {
    const phc = await hashPassword('a long enough passphrase', 'dev');
    expect(await verifyPasswordHash(phc, 'a long enough passphrase', 'dev')).toEqual({ valid: true, needsRehash: false });
    expect(await verifyPasswordHash(phc, 'a long enough passphrasE', 'dev')).toEqual({ valid: false, needsRehash: false });
    expect(await verifyPasswordHash(phc, 'a long enough passphrase', 'production')).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPasswordHash('$argon2id$v=19$m=1024,t=1,p=1$broken', 'x', 'dev')).toEqual({ valid: false, needsRehash: false });
  });

  it('fails, rather than answering "wrong password", when no hashing thread can answer', async () => {
    const phc = await hashPassword('a long enough passphrase', 'dev');
    await hashThreads.close(); // this test file's own module instance
    await expect(verifyPasswordHash(phc, 'a long enough passphrase', 'dev')).rejects.toBeInstanceOf(HashThreadError);
  });
});
