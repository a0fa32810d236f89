import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequestUrl } from './routes';

function viaUrl(target: string) {
  try {
    const url = new URL(target, 'http://localhost');
    return { pathname: url.pathname, params: [...url.searchParams] };
  } catch {
    return 'throws';
  }
}

function viaParse(target: string) {
  try {
    const url = parseRequestUrl(target);
    return { pathname: url.pathname, params: [...url.searchParams] };
  } catch {
    return 'throws';
  }
}

describe('parseRequestUrl', () => {
  const targets = [
    '/', '/trpc/auth.me', '/trpc/auth.me,auth.me?batch=1', '/trpc/auth.login?batch=1&input=%7B%220%22%3A%7B%7D%7D',
    '/trpc/x?input={"a":1}', '/a/../b', '/a/./b', '//evil.example/x', '/.well-known/x', '/a%2Fb', '/a b', '/é', '/a?x=1#frag',
    '/a?x=a+b', '/a?x=%zz', '/a?', '/a//b', '/a/.', '/a/..', '?x=1', 'http://other/x', '/a\\b', '/a?x=é',
  ];
  it.each(targets)('reads %s as URL does', (target) => {
    expect(viaParse(target)).toEqual(viaUrl(target));
  });

  it('reads arbitrary request targets as URL does', () => {
    const chars = fc.constantFrom(...'/?.=&%+#ab-_~:@,;!$*()\'"<> é\\'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 24 }).map((cs) => `/${cs.join('')}`), (target) => {
        expect(viaParse(target)).toEqual(viaUrl(target));
      }),
      { numRuns: 20000 },
    );
  });
});
