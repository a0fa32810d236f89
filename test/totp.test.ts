// Two-factor codes end to end on both databases. The test computes codes itself from the secret
// with its own RFC 6238 implementation (test/helpers/totp.ts), independent of the server's library.
import type { AppRouter } from '../server/src/trpc/router';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { currentStep, decodeBase32, totp } from './helpers/totp';
import { selectRows } from './helpers/auth';
import { closeClients, createClient, dbKind, describeDb, registerUser, startTestServer, type TestServer, trpcRejection } from './helpers/server';




/** A six-digit code that is valid in no step the server accepts now. */
function wrongCode(secret: Buffer): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totp(secret, currentStep() + d)));
  let code = 123456;
  while (valid.has(String(code))) code++;
  return String(code);
}


describeDb(`two-factor codes (TOTP) on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  /** A member who turned TOTP on with the code of the current step. */
  async function memberWithTotp() {
    const member = await registerUser(server.url);
    // Turning two-factor on needs a fresh proof of a credential, not just the session.
    await member.client.auth.reauthenticate.mutate({ password: member.password });
    const setup = await member.client.auth.totp.setup.mutate();
    const secret = decodeBase32(setup.secret);
    const { recoveryCodes } = await member.client.auth.totp.enable.mutate({ code: totp(secret, currentStep()) });
    return { ...member, secret, recoveryCodes };
  }

  async function startLogin(member: { email: string; password: string }) {
    const result = await createClient(server.url).auth.login.mutate({ email: member.email, password: member.password });
    if (!('twoFactorRequired' in result)) throw new Error('expected a two-factor challenge');
    return result.challenge;
  }

  it('sets up with a secret, an otpauth:// URI and a QR code', async () => {
    const member = await registerUser(server.url);
    // Turning two-factor on needs a fresh proof of a credential, not just the session.
    await member.client.auth.reauthenticate.mutate({ password: member.password });
    const setup = await member.client.auth.totp.setup.mutate();
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(setup.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.pathname).toContain(encodeURIComponent(member.email));
    expect(uri.searchParams.get('secret')).toBe(setup.secret);
    expect(uri.searchParams.get('issuer')).toBe('Parley');
    expect(setup.qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(setup.qrCodeDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  it('enables only with a correct code, and returns ten distinct recovery codes once', async () => {
    const member = await registerUser(server.url);
    await member.client.auth.reauthenticate.mutate({ password: member.password });
    const secret = decodeBase32((await member.client.auth.totp.setup.mutate()).secret);
    const wrong = await trpcRejection(member.client.auth.totp.enable.mutate({ code: wrongCode(secret) }));
    expect(wrong.data?.code).toBe('BAD_REQUEST');
    // Not on yet: the password alone still signs in.
    expect(await createClient(server.url).auth.login.mutate({ email: member.email, password: member.password })).toHaveProperty('token');

    const { recoveryCodes } = await member.client.auth.totp.enable.mutate({ code: totp(secret, currentStep()) });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await trpcRejection(member.client.auth.totp.setup.mutate())).data?.code).toBe('CONFLICT');
  });

  it('makes login return a challenge, and only verifyLogin with a code creates the session', async () => {
    const member = await memberWithTotp();
    const res = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: member.email, password: member.password }),
    });
    const body = (await res.json()) as { result: { data: Record<string, unknown> } };
    expect(body.result.data).toEqual({ twoFactorRequired: true, challenge: expect.any(String) });
    expect(res.headers.get('set-cookie')).toBeNull();

    const anonymous = createClient(server.url);
    const challenge = body.result.data.challenge as string;
    const signedIn = await anonymous.auth.totp.verifyLogin.mutate({ challenge, code: totp(member.secret, currentStep() + 1) });
    expect(signedIn.user.id).toBe(member.user.id);
    expect((await createClient(server.url, { token: signedIn.token }).auth.me.query()).user.id).toBe(member.user.id);
    // The password alone signed nobody in; the second factor did, and that is audited like any sign-in.
    const audited = await selectRows(server.deps.database, `select event from audit_log where user_id = $1 and event = 'login_success'`, [member.user.id]);
    expect(audited).toHaveLength(1);

    // The challenge is spent.
    const again = await trpcRejection(anonymous.auth.totp.verifyLogin.mutate({ challenge, code: totp(member.secret, currentStep() + 1) }));
    expect(again.data?.code).toBe('BAD_REQUEST');
  });

  it('refuses a wrong code and keeps the challenge for another try', async () => {
    const member = await memberWithTotp();
    const challenge = await startLogin(member);
    const anonymous = createClient(server.url);
    const wrong = await trpcRejection(anonymous.auth.totp.verifyLogin.mutate({ challenge, code: wrongCode(member.secret) }));
    expect(wrong.data?.code).toBe('BAD_REQUEST');
    expect(wrong.message).toBe('The code is not correct');
    const signedIn = await anonymous.auth.totp.verifyLogin.mutate({ challenge, code: totp(member.secret, currentStep() + 1) });
    expect(signedIn.user.id).toBe(member.user.id);
  });

  it('refuses a code replayed within its window', async () => {
    const member = await memberWithTotp();
    const anonymous = createClient(server.url);
    const code = totp(member.secret, currentStep() + 1);
    await anonymous.auth.totp.verifyLogin.mutate({ challenge: await startLogin(member), code });
    const replay = await trpcRejection(anonymous.auth.totp.verifyLogin.mutate({ challenge: await startLogin(member), code }));
    expect(replay.data?.code).toBe('BAD_REQUEST');
  });

  it('accepts each recovery code once, instead of a code from the app', async () => {
    const member = await memberWithTotp();
    const anonymous = createClient(server.url);
    const [first, second] = member.recoveryCodes;
    const signedIn = await anonymous.auth.totp.verifyLogin.mutate({ challenge: await startLogin(member), code: first!.toUpperCase() });
    expect(signedIn.user.id).toBe(member.user.id);
    const reused = await trpcRejection(anonymous.auth.totp.verifyLogin.mutate({ challenge: await startLogin(member), code: first! }));
    expect(reused.data?.code).toBe('BAD_REQUEST');
    expect((await anonymous.auth.totp.verifyLogin.mutate({ challenge: await startLogin(member), code: second! })).user.id).toBe(member.user.id);
  });

  it('locks code entry after five wrong codes, even for the right one, with Retry-After', async () => {
    const member = await memberWithTotp();
    const anonymous = createClient(server.url);
    const challenge = await startLogin(member);
    for (let i = 0; i < 5; i++) {
      expect((await trpcRejection(anonymous.auth.totp.verifyLogin.mutate({ challenge, code: wrongCode(member.secret) }))).data?.code).toBe('BAD_REQUEST');
    }
    const locked = await trpcRejection(anonymous.auth.totp.verifyLogin.mutate({ challenge, code: totp(member.secret, currentStep() + 1) }));
    expect(locked.data?.code).toBe('TOO_MANY_REQUESTS');
    expect(locked.data?.retryAfter).toBeGreaterThan(0);
  });

  it('disables only with a valid code; then the password alone signs in again', async () => {
    const member = await memberWithTotp();
    const wrong = await trpcRejection(member.client.auth.totp.disable.mutate({ code: wrongCode(member.secret) }));
    expect(wrong.data?.code).toBe('BAD_REQUEST');
    await member.client.auth.totp.disable.mutate({ code: totp(member.secret, currentStep() + 1) });
    const login = await createClient(server.url).auth.login.mutate({ email: member.email, password: member.password });
    expect(login).toMatchObject({ user: { id: member.user.id }, token: expect.any(String) });
  });

  it('refuses an unknown login challenge', async () => {
    const error = await trpcRejection(createClient(server.url).auth.totp.verifyLogin.mutate({ challenge: 'not-a-challenge', code: '123456' }));
    expect(error.data?.code).toBe('BAD_REQUEST');
  });

  it('requires a signed-in member to set up two-factor codes', async () => {
    expect((await trpcRejection(createClient(server.url).auth.totp.setup.mutate())).data?.code).toBe('UNAUTHORIZED');
  });
});
