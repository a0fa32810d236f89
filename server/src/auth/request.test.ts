import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { clientAddress, readRequestInfo } from './request';

function request(headers: IncomingMessage['headers'], remoteAddress = '10.0.0.5'): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('who is calling', () => {
  it('reads the socket address without TRUST_PROXY, whatever X-Forwarded-For says', () => {
    const info = readRequestInfo(request({ 'x-forwarded-for': '198.51.100.7' }, '::ffff:203.0.113.4'), loadConfig({}));
    expect(info.ip).toBe('203.0.113.4');
  });

  it('behind one trusted proxy takes the entry it appended, not the client-chosen first one', () => {
    const config = loadConfig({ TRUST_PROXY: 'true' });
    expect(readRequestInfo(request({ 'x-forwarded-for': '198.51.100.7' }), config).ip).toBe('198.51.100.7');
    expect(readRequestInfo(request({ 'x-forwarded-for': '1.2.3.4, 198.51.100.7' }), config).ip).toBe('198.51.100.7');
    expect(readRequestInfo(request({ 'x-forwarded-for': ['6.6.6.6', '198.51.100.7'] }), config).ip).toBe('198.51.100.7');
  });

  it('behind TRUST_PROXY=<n> counts n entries from the right', () => {
    expect(clientAddress('10.0.0.5', '1.2.3.4, 198.51.100.7, 10.0.0.9', 2)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.5', '198.51.100.7', 3)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.5', ' , ', 1)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', undefined, 1)).toBe('10.0.0.5');
  });

  it('refuses a TRUST_PROXY that is neither a flag nor a count', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
  });

  it('keeps the user agent short and reads Origin and Sec-Fetch-Site', () => {
    const info = readRequestInfo(request({ 'user-agent': 'u'.repeat(2000), origin: 'https://app.example', 'sec-fetch-site': 'same-site' }), loadConfig({}));
    expect(info.userAgent).toHaveLength(512);
    expect(info).toMatchObject({ origin: 'https://app.example', secFetchSite: 'same-site' });
    expect(readRequestInfo(request({}), loadConfig({}))).toMatchObject({ userAgent: null, origin: null, secFetchSite: null });
  });
});
