import { describe, expect, it } from 'vitest';
import { findSessionToken, HTTP_CARRIERS, readBearer, readProtocolToken, RECORD_MESSAGE_CARRIERS, RECORD_UPGRADE_CARRIERS, TRPC_WS_CARRIERS } from './token-carriers';

describe('finding the session token', () => {
  it('reads Authorization: Bearer in any case, one token only', () => {
    expect(readBearer('Bearer abc.def')).toBe('abc.def');
    expect(readBearer('bearer   abc.def  ')).toBe('abc.def');
    expect(readBearer('Basic abc')).toBeNull();
    expect(readBearer('Bearer a b')).toBeNull();
    expect(readBearer(undefined)).toBeNull();
  });

  it('reads Sec-WebSocket-Protocol "bearer, <token>"', () => {
    expect(readProtocolToken('bearer, abc.def')).toBe('abc.def');
    expect(readProtocolToken('chat, Bearer ,abc.def')).toBe('abc.def');
    expect(readProtocolToken('bearer')).toBeNull();
    expect(readProtocolToken('chat')).toBeNull();
  });

  it('over HTTP prefers the bearer token to the cookie', () => {
    const headers = { authorization: 'Bearer from.bearer', cookie: 'other=1; parley_session=from.cookie' };
    expect(findSessionToken({ headers }, HTTP_CARRIERS)).toEqual({ token: 'from.bearer', source: 'bearer' });
    expect(findSessionToken({ headers: { cookie: headers.cookie } }, HTTP_CARRIERS)).toEqual({ token: 'from.cookie', source: 'cookie' });
    expect(findSessionToken({ headers: {} }, HTTP_CARRIERS)).toBeNull();
  });

  it('over HTTP ignores WebSocket carriers', () => {
    const carriers = { headers: { 'sec-websocket-protocol': 'bearer, p.t' }, connectionParams: { token: 'c.p' } };
    expect(findSessionToken(carriers, HTTP_CARRIERS)).toBeNull();
  });

  it('on /trpc WebSockets prefers connectionParams, then the subprotocol, then the cookie', () => {
    const headers = { 'sec-websocket-protocol': 'bearer, from.protocol', cookie: 'parley_session=from.cookie' };
    expect(findSessionToken({ headers, connectionParams: { token: 'from.params' } }, TRPC_WS_CARRIERS)).toEqual({ token: 'from.params', source: 'connection-params' });
    expect(findSessionToken({ headers, connectionParams: { token: '' } }, TRPC_WS_CARRIERS)).toEqual({ token: 'from.protocol', source: 'protocol' });
    expect(findSessionToken({ headers: { cookie: headers.cookie }, connectionParams: { token: 42 } }, TRPC_WS_CARRIERS)).toEqual({ token: 'from.cookie', source: 'cookie' });
  });

  it('on /ws/record reads the subprotocol at the upgrade and the first message after it, never the cookie', () => {
    const headers = { cookie: 'parley_session=from.cookie' };
    expect(findSessionToken({ headers }, RECORD_UPGRADE_CARRIERS)).toBeNull();
    expect(findSessionToken({ headers: { 'sec-websocket-protocol': 'bearer, p.t' } }, RECORD_UPGRADE_CARRIERS)).toEqual({ token: 'p.t', source: 'protocol' });
    expect(findSessionToken({ headers, firstMessage: { token: 'm.t' } }, RECORD_MESSAGE_CARRIERS)).toEqual({ token: 'm.t', source: 'first-message' });
    expect(findSessionToken({ headers, firstMessage: { name: 'x' } }, RECORD_MESSAGE_CARRIERS)).toBeNull();
  });
});
