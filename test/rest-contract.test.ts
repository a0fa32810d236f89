// The contract check itself: it must catch a body off its schema, an undeclared status, a 429
// without Retry-After and an error body with extra fields, or the REST suites prove nothing.
import { beforeAll, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../server/src/openapi/document';
import { contractMismatches, type RecordedCall } from './helpers/rest-contract';
import { describeOnce } from './helpers/server';

describeOnce('the REST contract check', () => {
  let document: Parameters<typeof contractMismatches>[0];
  beforeAll(async () => {
    document = JSON.parse(JSON.stringify(await buildOpenApiDocument('http://localhost:3000')));
  });
  const call = (over: Partial<RecordedCall>): RecordedCall => ({ method: 'GET', path: '/api/recordings/abc', status: 200, contentType: 'application/json', headers: new Headers(), body: {}, ...over });
  const error = { message: 'Recording not found', code: 'NOT_FOUND', key: 'RECORDING_NOT_FOUND' };

  it('passes answers that fit the document', () => {
    expect(contractMismatches(document, [call({ status: 404, body: error })])).toEqual([]);
  });

  it('reports a body off its schema, an undeclared status, extra error fields and a 429 without Retry-After', () => {
    const mismatches = contractMismatches(document, [
      call({ body: { id: 1 } }),
      call({ status: 409, body: { ...error, code: 'CONFLICT' } }),
      call({ status: 404, body: { ...error, data: {} } }),
      call({ method: 'POST', path: '/api/auth/login', status: 429, body: { message: 'Slow down', code: 'TOO_MANY_REQUESTS', key: 'RATE_LIMITED' } }),
      call({ status: 404, body: { ...error, key: 'NOT_A_KEY' } }),
    ]);
    expect(mismatches).toHaveLength(5);
    expect(mismatches[0]).toMatch(/body does not match/);
    expect(mismatches[1]).toMatch(/status not declared/);
    expect(mismatches[3]).toMatch(/Retry-After/);
  });
});
