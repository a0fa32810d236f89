import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDurationMs } from './config';

describe('loadConfig', () => {
  it('gives working defaults on a developer machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, passwordHashProfile: 'dev', recordingIdleTimeoutMs: 300_000 });
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.recordingsDir.endsWith('/.data/recordings')).toBe(true);
  });

  it('uses the production hash profile when NODE_ENV=production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).passwordHashProfile).toBe('production');
    expect(loadConfig({ NODE_ENV: 'production', PASSWORD_HASH_PROFILE: 'dev' }).passwordHashProfile).toBe('dev');
  });

  it('hashes passwords on one thread per core, at most 4 unless PASSWORD_HASH_THREADS says otherwise', () => {
    expect(loadConfig({}).passwordHashThreads).toBe(Math.min(availableParallelism(), 4));
    expect(loadConfig({ PASSWORD_HASH_THREADS: '8' }).passwordHashThreads).toBe(8);
    expect(() => loadConfig({ PASSWORD_HASH_THREADS: '0' })).toThrow(/PASSWORD_HASH_THREADS/);
  });

  it('names the variable and what it expected when a value is bad', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT: expected an integer from 0 to 65535 \(got "abc"\)/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'https://ok.example, nope' })).toThrow(/ALLOWED_ORIGINS.*"nope"/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ SESSION_MAX_AGE: '1d', SESSION_INACTIVITY_TIMEOUT: '2d' })).toThrow(/SESSION_MAX_AGE/);
  });

  it('treats empty strings as unset and parses lists and durations', () => {
    const config = loadConfig({ DATABASE_URL: '', ALLOWED_ORIGINS: 'http://localhost:5173/, https://app.example.com', RECORDING_IDLE_TIMEOUT: '45s' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.allowedOrigins).toEqual(['http://localhost:5173', 'https://app.example.com']);
    expect(config.recordingIdleTimeoutMs).toBe(45_000);
  });
});

describe('public origin and passkeys', () => {
  it('is http://localhost:PORT on a loopback HOST without PUBLIC_URL, so passkeys work with no settings', () => {
    for (const HOST of ['127.0.0.1', '::1', 'localhost']) {
      const config = loadConfig({ HOST, PORT: '4000' });
      expect(config.publicUrl).toBe('http://localhost:4000');
      expect(config.rpId).toBe('localhost');
      expect(config.webauthnOrigins).toEqual(['http://localhost:4000']);
    }
  });

  it('refuses an IP-address RP id at start with one line naming RP_ID and WEBAUTHN_ORIGINS', () => {
    for (const env of [{ HOST: '0.0.0.0' }, { PUBLIC_URL: 'http://192.168.1.20:3000' }, { RP_ID: '10.0.0.1' }]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(/^Invalid configuration: RP_ID: .*IP address.*RP_ID.*WEBAUTHN_ORIGINS[^\n]*$/);
    }
    expect(loadConfig({ HOST: '0.0.0.0', PUBLIC_URL: 'https://chat.example.com' }).rpId).toBe('chat.example.com');
    expect(loadConfig({ PUBLIC_URL: 'http://192.168.1.20:3000', RP_ID: 'parley.lan', WEBAUTHN_ORIGINS: 'http://parley.lan:3000' }).rpId).toBe('parley.lan');
  });
});

describe('parseDurationMs', () => {
  it('reads bare numbers in the default unit and suffixed values', () => {
    expect(parseDurationMs('300')).toBe(300_000);
    expect(parseDurationMs('1500ms')).toBe(1500);
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    expect(parseDurationMs('30', 'd')).toBe(2_592_000_000);
    expect(parseDurationMs('soon')).toBeNull();
  });
});
