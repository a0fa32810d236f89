import { afterAll, describe, expect, it } from 'vitest';
import { HashThreadError, HashThreads } from './hash-threads';
import { hashPassword, verifyPasswordHash } from './password';

describe('verifyPasswordHash', () => {
  const threads = new HashThreads(2);
  afterAll(() => threads.close());

  it('says valid or not for Argon2id hashes, and not valid for a stored hash it cannot read', async () => {
    const phc = await hashPassword(threads, 'a long enough passphrase', 'dev');
    expect(await verifyPasswordHash(threads, phc, 'a long enough passphrase', 'dev')).toEqual({ valid: true, needsRehash: false });
    expect(await verifyPasswordHash(threads, phc, 'a long enough passphrasE', 'dev')).toEqual({ valid: false, needsRehash: false });
    expect(await verifyPasswordHash(threads, phc, 'a long enough passphrase', 'production')).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPasswordHash(threads, '$argon2id$v=19$m=1024,t=1,p=1$broken', 'x', 'dev')).toEqual({ valid: false, needsRehash: false });
  });

  it('fails, rather than answering "wrong password", when no hashing thread can answer', async () => {
    const own = new HashThreads(1);
    const phc = await hashPassword(own, 'a long enough passphrase', 'dev');
    await own.close();
    await expect(verifyPasswordHash(own, phc, 'a long enough passphrase', 'dev')).rejects.toBeInstanceOf(HashThreadError);
  });
});
