import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { isCrossSiteRequest, isOriginAllowed } from './csrf';

const config = loadConfig({ PUBLIC_URL: 'https://api.parley.example', ALLOWED_ORIGINS: 'https://app.parley.example' });

describe('the CSRF origin check', () => {
  it('allows the server’s own origin and ALLOWED_ORIGINS, with or without a trailing slash', () => {
    expect(isOriginAllowed(config, 'https://api.parley.example')).toBe(true);
    expect(isOriginAllowed(config, 'https://app.parley.example/')).toBe(true);
    expect(isOriginAllowed(config, 'https://evil.example')).toBe(false);
    expect(isOriginAllowed(config, 'http://app.parley.example')).toBe(false);
  });

  it('calls a request cross-site by its Origin, "null" included', () => {
    expect(isCrossSiteRequest(config, { origin: 'https://evil.example', secFetchSite: null })).toBe(true);
    expect(isCrossSiteRequest(config, { origin: 'null', secFetchSite: null })).toBe(true);
    expect(isCrossSiteRequest(config, { origin: 'https://app.parley.example', secFetchSite: 'cross-site' })).toBe(false);
  });

  it('without an Origin, believes Sec-Fetch-Site, and a request with neither is not a browser’s cross-site one', () => {
    expect(isCrossSiteRequest(config, { origin: null, secFetchSite: 'cross-site' })).toBe(true);
    expect(isCrossSiteRequest(config, { origin: null, secFetchSite: 'same-origin' })).toBe(false);
    expect(isCrossSiteRequest(config, { origin: null, secFetchSite: null })).toBe(false);
  });
});
