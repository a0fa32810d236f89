import { describe, expect, it } from 'vitest';
import { normalizePhone } from './phone';

describe('normalizePhone', () => {
  it('writes international numbers in E.164 whatever the spacing and punctuation', () => {
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone(' +1 (415) 555-2671 ')).toBe('+14155552671');
    expect(normalizePhone('0033 6 12 34 56 78')).toBe('+33612345678');
  });

  it('refuses national numbers, which are ambiguous without a country', () => {
    expect(normalizePhone('020 7946 0958')).toBeNull();
  });

  it('refuses numbers that cannot exist', () => {
    expect(normalizePhone('+1 555')).toBeNull();
    expect(normalizePhone('+44 abc')).toBeNull();
    expect(normalizePhone('')).toBeNull();
  });
});
