import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles its ceiling with each attempt, with jitter in the upper half', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const ceiling = 300 * 2 ** attempt;
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attempt);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('never waits more than 15 s, however many attempts failed', () => {
    for (const attempt of [6, 10, 50, 1000]) expect(backoffDelay(attempt)).toBeLessThanOrEqual(15_000);
  });

  it('spreads clients dropped together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(1);
  });
});
