import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { verify } from '@node-rs/argon2';
import { HashThreadError, HashThreads } from './hash-threads';
import { HASH_PARAMETERS } from './password';

const options = { algorithm: 2, ...HASH_PARAMETERS.dev };

describe('the password hashing threads', () => {
  const threads = new HashThreads(2);
  afterAll(() => threads.close());

  it('hash to Argon2id PHC strings that the library verifies, and verify them', async () => {
    const phc = await threads.hash('correct horse battery', options);
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await verify(phc, 'correct horse battery')).toBe(true);
    expect(await threads.verify(phc, 'correct horse battery')).toBe(true);
    expect(await threads.verify(phc, 'correct horse batterY')).toBe(false);
  });

  it('reject an unreadable stored hash as an error of the hash, not of the thread', async () => {
    const error = await threads.verify('$argon2id$nonsense', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(HashThreadError);
    expect(await threads.verify(await threads.hash('still works', options), 'still works')).toBe(true);
  });

  it('keep two jobs on each thread during a burst and answer every job', async () => {
    const phc = await threads.hash('burst', options);
    const jobs = Array.from({ length: 20 }, (_, i) => threads.verify(phc, i % 2 ? 'burst' : 'wrong'));
    expect(threads.load()).toEqual([2, 2]);
    expect(threads.waitingCount()).toBe(16);
    expect(await Promise.all(jobs)).toEqual(Array.from({ length: 20 }, (_, i) => i % 2 === 1));
    expect(threads.load()).toEqual([0, 0]);
    expect(threads.waitingCount()).toBe(0);
  });

  it('fail only the running job when a thread dies; queued jobs run on a new thread', async () => {
    const own = new HashThreads(1);
    try {
      const phc = await own.hash('survivor', options);
      // The crash goes first; the two jobs behind it have not started when the thread dies.
      own.crashThreads();
      const behind = [own.verify(phc, 'survivor'), own.verify(phc, 'nope')];
      expect(await Promise.all(behind)).toEqual([true, false]);
      expect(own.load()).toEqual([0]);
    } finally {
      await own.close();
    }
  });

  it('finish the running job before a crash queued behind it, and fail jobs in flight at shutdown with HashThreadError', async () => {
    const own = new HashThreads(1);
    try {
      const phc = await own.hash('x', { ...options, memoryCost: 65_536, timeCost: 8 }); // long enough to be running
      const running = own.verify(phc, 'x');
      own.crashThreads(); // queued behind the running hash, so it only dies after
      // The crash came after the running hash: that hash answered; a new job starts a new thread.
      expect(await running).toBe(true);
      expect(await own.verify(phc, 'x')).toBe(true);
      // One running, one queued on the thread, one waiting for room: all three fail at shutdown.
      const stopped = [own.verify(phc, 'x'), own.verify(phc, 'x'), own.verify(phc, 'x')].map((job) => job.catch((e: unknown) => e));
      expect(own.load()).toEqual([2]);
      await own.close();
      for (const outcome of await Promise.all(stopped)) expect(outcome).toBeInstanceOf(HashThreadError);
      await expect(own.verify(phc, 'x')).rejects.toBeInstanceOf(HashThreadError);
    } finally {
      await own.close();
    }
  });

  it('never keep a process alive while idle, and keep it alive while a job runs', () => {
    const module = fileURLToPath(new URL('./hash-threads.ts', import.meta.url));
    const script = `import { HashThreads } from ${JSON.stringify(module)};
      const threads = new HashThreads(2);
      threads.hash('p', ${JSON.stringify(options)}).then((phc) => console.log(phc.slice(0, 9)));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(out.trim()).toBe('$argon2id');
  });
});
