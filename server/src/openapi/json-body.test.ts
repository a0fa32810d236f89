import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coerceQuery, jsonDepthExceeds } from './json-body';

describe('jsonDepthExceeds', () => {
  it('counts nesting of objects and arrays, not brackets inside strings', () => {
    expect(jsonDepthExceeds('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":"[[[[[[[[[[\\"[[[["}', 2)).toBe(false);
    expect(jsonDepthExceeds('['.repeat(100_000) + ']'.repeat(100_000), 32)).toBe(true);
  });
});

describe('coerceQuery', () => {
  const schema = z.object({ roomId: z.string(), limit: z.number().int().default(50), flag: z.boolean().optional(), tags: z.array(z.string()).optional() });
  it('gives query values the types of their schema fields', () => {
    expect(coerceQuery(schema, new URLSearchParams('roomId=7&limit=10&flag=true&tags=a'))).toEqual({ roomId: '7', limit: 10, flag: true, tags: ['a'] });
  });
  it('leaves a value that is not a number as it is, so zod names the field', () => {
    expect(coerceQuery(schema, new URLSearchParams('limit=ten'))).toEqual({ limit: 'ten' });
  });
});
