// Password hashing: Argon2id (PHC strings) with a cost profile from configuration,
// plus verification of the old system's sha256$<salt>$<hex> hashes so they can be upgraded.
import { createHash, timingSafeEqual } from 'node:crypto';
import { HashThreadError, HashThreads } from './hash-threads';

// Algorithm.Argon2id (a const enum that isolatedModules can't read).
export const ARGON2ID = 2;

export type HashProfile = 'dev' | 'production';

/** production: OWASP's Argon2id recommendation (19 MiB, 2 passes, 1 lane). dev: fast for tests. */
export const HASH_PARAMETERS = {
  production: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
  dev: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
} as const satisfies Record<HashProfile, { memoryCost: number; timeCost: number; parallelism: number }>;

/** Hashes on the server's hashing threads (deps.passwords, see hash-threads.ts). */
export function hashPassword(threads: HashThreads, password: string, profile: HashProfile): Promise<string> {
  return threads.hash(password, { algorithm: ARGON2ID, ...HASH_PARAMETERS[profile] });
}

export type PasswordCheck = { valid: boolean; needsRehash: boolean };

export async function verifyPasswordHash(threads: HashThreads, storedHash: string, password: string, profile: HashProfile): Promise<PasswordCheck> {
  if (storedHash.startsWith('sha256$')) {
    return { valid: verifyLegacySha256(storedHash, password), needsRehash: true };
  }
  if (!storedHash.startsWith('$argon2')) return { valid: false, needsRehash: false };
  let valid = false;
  try {
    valid = await threads.verify(storedHash, password);
  } catch (error) {
    if (error instanceof HashThreadError) throw error; // no answer is not a wrong password
    valid = false; // a stored hash that cannot be read matches nothing
  }
  return { valid, needsRehash: valid && isWeakerThanProfile(storedHash, profile) };
}

/** sha256$<salt>$<hex of sha256(salt + password)>, compared in constant time. */
export function verifyLegacySha256(storedHash: string, password: string): boolean {
  const parts = storedHash.split('$');
  if (parts.length !== 3 || !/^[0-9a-f]{64}$/i.test(parts[2]!)) return false;
  const expected = Buffer.from(parts[2]!, 'hex');
  const actual = createHash('sha256').update(parts[1]! + password, 'utf8').digest();
  return timingSafeEqual(expected, actual);
}

/** True when a PHC argon2 hash is not argon2id or uses less memory, time or lanes than the profile. */
export function isWeakerThanProfile(phc: string, profile: HashProfile): boolean {
  const match = /^\$(argon2(?:id|i|d))\$(?:v=\d+\$)?m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  if (!match) return true;
  const want = HASH_PARAMETERS[profile];
  return match[1] !== 'argon2id' || Number(match[2]) < want.memoryCost || Number(match[3]) < want.timeCost || Number(match[4]) < want.parallelism;
}
