import { TRPCClientError } from '@trpc/client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { codeOfHttpStatus, errorCode, errorKey, hasErrorCode, hasErrorKey, isParleyClientError, ParleyError, type ParleyErrorKey } from './errors';

const procedureError = (code: string, key?: string) => TRPCClientError.from({ error: { message: 'no', code: -32001, data: { code, key, httpStatus: 401 } } });

describe('error codes and keys', () => {
  it('reads the code and catalogue key of a procedure error and of a helper error alike', () => {
    const fromProcedure = procedureError('UNAUTHORIZED', 'INVALID_CREDENTIALS');
    const fromHelper = new ParleyError('UNAUTHORIZED', 'Sign in first', { key: 'UNAUTHENTICATED', httpStatus: 401 });
    expect([errorCode(fromProcedure), errorKey(fromProcedure)]).toEqual(['UNAUTHORIZED', 'INVALID_CREDENTIALS']);
    expect([errorCode(fromHelper), errorKey(fromHelper)]).toEqual(['UNAUTHORIZED', 'UNAUTHENTICATED']);
    expect(hasErrorCode(fromProcedure, 'UNAUTHORIZED') && hasErrorKey(fromProcedure, 'INVALID_CREDENTIALS')).toBe(true);
    expect(isParleyClientError(fromProcedure)).toBe(true);
    expect(isParleyClientError(fromHelper)).toBe(false);
  });

  it('answers undefined for errors that are not the server speaking (a bug, a TypeError)', () => {
    expect(errorCode(new TypeError('x'))).toBeUndefined();
    expect(errorKey('oops')).toBeUndefined();
    expect(errorKey(procedureError('NOT_FOUND'))).toBeUndefined();
  });

  it('maps HTTP statuses of REST routes, downloads and uploads to tRPC codes', () => {
    expect([401, 404, 413, 415, 429, 503, 502, 418].map(codeOfHttpStatus)).toEqual([
      'UNAUTHORIZED', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'TOO_MANY_REQUESTS', 'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'BAD_REQUEST',
    ]);
  });

  it('types the keys as the catalogue union', () => {
    expectTypeOf<'INVALID_CREDENTIALS'>().toExtend<ParleyErrorKey>();
    expectTypeOf<'NOT_A_KEY'>().not.toExtend<ParleyErrorKey>();
  });
});
