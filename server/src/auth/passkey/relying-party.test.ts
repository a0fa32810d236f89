import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import { readSignedChallenge, relyingPartyOf } from './relying-party';

describe('relying party', () => {
  it('derives the RP id and origin from PUBLIC_URL, and accepts ALLOWED_ORIGINS pages too', () => {
    const rp = relyingPartyOf(loadConfig({ PUBLIC_URL: 'https://chat.example.com/', ALLOWED_ORIGINS: 'https://app.example.com' }));
    expect(rp).toEqual({ rpID: 'chat.example.com', rpName: 'Parley', origins: ['https://chat.example.com', 'https://app.example.com'] });
  });

  it('takes RP_ID, RP_NAME and WEBAUTHN_ORIGINS as overrides', () => {
    const rp = relyingPartyOf(
      loadConfig({ PUBLIC_URL: 'https://api.example.com', RP_ID: 'Example.com', RP_NAME: 'Example Chat', WEBAUTHN_ORIGINS: 'https://example.com, https://app.example.com/' }),
    );
    expect(rp).toEqual({ rpID: 'example.com', rpName: 'Example Chat', origins: ['https://example.com', 'https://app.example.com'] });
  });

  it('stops at start on a bad WEBAUTHN_ORIGINS or RP_ID, naming the variable', () => {
    expect(() => loadConfig({ WEBAUTHN_ORIGINS: 'example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ WEBAUTHN_ORIGINS: 'example.com' })).toThrow(/WEBAUTHN_ORIGINS/);
    expect(() => loadConfig({ RP_ID: 'https://example.com' })).toThrow(/RP_ID/);
  });

  it('reads the challenge from clientDataJSON, and nothing from garbage', () => {
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'abc_-123', origin: 'https://example.com' })).toString('base64url');
    expect(readSignedChallenge(clientData)).toBe('abc_-123');
    expect(readSignedChallenge('not json')).toBeNull();
    expect(readSignedChallenge(Buffer.from('{"challenge":42}').toString('base64url'))).toBeNull();
  });
});
