// Issue 24: recovery of accounts without a password — a code by SMS (through the signed webhook or
// Twilio's API, each a real local HTTP server) or a mailed link (real SMTP sink) — on both databases.
// Passkeys come from the software authenticator (real keys, real signatures).
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../server/src/observability/logger';
import { callTrpc, dumpDatabase, findLinkToken, selectRows, startSmtpSink } from './helpers/auth';
import { createSoftwareAuthenticator } from './helpers/software-authenticator';
import { startTwilioSink, startWebhookSink, uniquePhone } from './helpers/sms-sinks';
import { closeClients, createClient, dbKind, describeDb, startTestServer, trpcRejection, uniqueEmail, type TestServer } from './helpers/server';

const WEB_ORIGIN = 'http://localhost:5173';
const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789abcdef';
const webauthnEnv = { RP_ID: 'localhost', WEBAUTHN_ORIGINS: WEB_ORIGIN };
// Many requests come from 127.0.0.1 in one file: the per-IP windows are widened, the per-number one is not.
const limitEnv = { RATE_LIMIT_RECOVERY_IP: '1000/1h', RATE_LIMIT_RECOVERY_VERIFY_IP: '1000/1h' };

/** A passkey-only account (no password), signed up with a phone and/or e-mail, and a second session. */
async function passkeyOnlyAccount(url: string, contact: { phone?: string; email?: string }) {
  const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
  const anonymous = createClient(url);
  const options = await anonymous.auth.passkey.registrationOptions.mutate({ name: 'Ada', ...contact });
  const signedUp = await anonymous.auth.passkey.register.mutate(authenticator.create(options));
  const otherDevice = await anonymous.auth.passkey.authenticate.mutate(authenticator.get(await anonymous.auth.passkey.authenticationOptions.mutate()));
  return { authenticator, user: signedUp.user, passkeyId: signedUp.passkey.id, tokens: [signedUp.token!, otherDevice.token] };
}

async function expectSignedOut(url: string, token: string) {
  const error = await trpcRejection(createClient(url, { token }).auth.me.query());
  expect(error.data?.code).toBe('UNAUTHORIZED');
}

describeDb(`account recovery by SMS webhook and e-mail on ${dbKind}`, () => {
  let server: TestServer;
  let sink: Awaited<ReturnType<typeof startWebhookSink>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    sink = await startWebhookSink(WEBHOOK_SECRET);
    smtp = await startSmtpSink();
    server = await startTestServer({ env: { ...webauthnEnv, ...limitEnv, SMS_WEBHOOK_URL: sink.url, SMS_WEBHOOK_SECRET: WEBHOOK_SECRET, SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
    await sink?.close();
    await smtp?.close();
  });

  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;

  it('recovers a passkey-only account by SMS code: a new passkey signs in, the old passkey and every old session stop working, every channel is told', async () => {
    const phone = uniquePhone();
    const email = uniqueEmail('pk');
    const account = await passkeyOnlyAccount(server.url, { phone, email });
    const unknown = uniquePhone();

    const forKnown = await callTrpc(server.url, 'auth.recovery.requestPhoneCode', { phone });
    const forUnknown = await callTrpc(server.url, 'auth.recovery.requestPhoneCode', { phone: unknown });
    expect(forKnown.status).toBe(200);
    expect(forKnown.body).toEqual({ result: { data: { ok: true } } });
    expect(forUnknown.status).toBe(forKnown.status);
    expect(forUnknown.body).toEqual(forKnown.body);
    expect([...forUnknown.headers.keys()].sort()).toEqual([...forKnown.headers.keys()].sort());

    const sms = await sink.waitFor(phone, /recovery code/);
    await server.deps.sms.idle();
    expect(sink.messages.filter((m) => m.to === unknown)).toHaveLength(0);
    expect(sink.rejected()).toBe(0); // every request carried a valid signature
    const code = codeIn(sms.text);
    expect(await dumpDatabase(server.deps.database)).not.toMatch(new RegExp(`\\b${code}\\b`));

    const anonymous = createClient(server.url);
    const { grant } = await anonymous.auth.recovery.verifyPhoneCode.mutate({ phone, code });
    // The code works once.
    const again = await callTrpc(server.url, 'auth.recovery.verifyPhoneCode', { phone, code });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe('This code is not correct, has expired or was tried too often; request a new one');

    const newDevice = createSoftwareAuthenticator(WEB_ORIGIN);
    const options = await anonymous.auth.recovery.passkeyOptions.mutate({ grant, nickname: 'New phone' });
    expect(options.user.id).toBe(Buffer.from(account.user.id).toString('base64url'));
    const recovered = await anonymous.auth.recovery.registerPasskey.mutate({ grant, response: newDevice.create(options) });
    expect(recovered.user.id).toBe(account.user.id);
    expect(recovered).toMatchObject({ endedSessions: 2, removedPasskeys: 1, passkey: { nickname: 'New phone' } });
    expect((await createClient(server.url, { token: recovered.token }).auth.me.query()).user.id).toBe(account.user.id);

    for (const token of account.tokens) await expectSignedOut(server.url, token);
    const oldPasskey = await trpcRejection(anonymous.auth.passkey.authenticate.mutate(account.authenticator.get(await anonymous.auth.passkey.authenticationOptions.mutate())));
    expect(oldPasskey.data?.code).toBe('UNAUTHORIZED');
    const signedIn = await anonymous.auth.passkey.authenticate.mutate(newDevice.get(await anonymous.auth.passkey.authenticationOptions.mutate()));
    expect(signedIn.user.id).toBe(account.user.id);

    // The grant was used: a second passkey can't ride on it.
    const reused = await trpcRejection(anonymous.auth.recovery.passkeyOptions.mutate({ grant }));
    expect(reused.message).toBe('This recovery has expired or was already used; start again');

    await sink.waitFor(phone, /account was recovered/);
    const notice = await smtp.waitFor(email, /account was recovered/);
    expect(notice.text).toContain('a code sent by SMS');
  });

  it('keeps the other sessions and old passkeys when the person chooses to', async () => {
    const phone = uniquePhone();
    const account = await passkeyOnlyAccount(server.url, { phone });
    await createClient(server.url).auth.recovery.requestPhoneCode.mutate({ phone });
    const code = codeIn((await sink.waitFor(phone, /recovery code/)).text);
    const anonymous = createClient(server.url);
    const { grant } = await anonymous.auth.recovery.verifyPhoneCode.mutate({ phone, code });
    const recovered = await anonymous.auth.recovery.registerPasskey.mutate({
      grant,
      response: createSoftwareAuthenticator(WEB_ORIGIN).create(await anonymous.auth.recovery.passkeyOptions.mutate({ grant })),
      keepSessions: true,
      keepPasskeys: true,
    });
    expect(recovered).toMatchObject({ endedSessions: 0, removedPasskeys: 0 });
    // The grant counts as re-authentication: the recovered session may add another passkey at once.
    const recoveredClient = createClient(server.url, { token: recovered.token });
    expect((await recoveredClient.auth.passkey.registrationOptions.mutate()).challenge).toBeTruthy();
    for (const token of account.tokens) expect((await createClient(server.url, { token }).auth.me.query()).user.id).toBe(account.user.id);
    expect(await createClient(server.url, { token: recovered.token }).auth.passkey.list.query()).toHaveLength(2);
  });

  it('locks a code after 5 wrong tries: even the right code then fails, and the answers never tell why', async () => {
    const phone = uniquePhone();
    await passkeyOnlyAccount(server.url, { phone });
    await createClient(server.url).auth.recovery.requestPhoneCode.mutate({ phone });
    const code = codeIn((await sink.waitFor(phone, /recovery code/)).text);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await callTrpc(server.url, 'auth.recovery.verifyPhoneCode', { phone, code: wrong }));
    const right = await callTrpc(server.url, 'auth.recovery.verifyPhoneCode', { phone, code });
    const unknown = await callTrpc(server.url, 'auth.recovery.verifyPhoneCode', { phone: uniquePhone(), code });
    for (const answer of [...answers, right, unknown]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toBe('This code is not correct, has expired or was tried too often; request a new one');
    }
    const [row] = await selectRows(server.deps.database, 'select attempts from phone_recovery_codes where phone = $1', [phone]);
    expect(row!.attempts).toBe(5);
  });

  it('counts parallel guesses too: 12 wrong codes at once use up the 5 tries, and the right code is refused after them', async () => {
    const phone = uniquePhone();
    await passkeyOnlyAccount(server.url, { phone });
    await createClient(server.url).auth.recovery.requestPhoneCode.mutate({ phone });
    const code = codeIn((await sink.waitFor(phone, /recovery code/)).text);
    const wrong = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(wrong.map((guess) => callTrpc(server.url, 'auth.recovery.verifyPhoneCode', { phone, code: guess })));
    expect(answers.map((a) => a.status)).toEqual(wrong.map(() => 400));
    expect((await callTrpc(server.url, 'auth.recovery.verifyPhoneCode', { phone, code })).status).toBe(400);
    const [row] = await selectRows(server.deps.database, 'select attempts from phone_recovery_codes where phone = $1', [phone]);
    expect(row!.attempts).toBe(5);
  });

  it('limits code requests per number (and per IP), whether the number has an account or not', async () => {
    for (const phone of [uniquePhone(), uniquePhone()]) {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await callTrpc(server.url, 'auth.recovery.requestPhoneCode', { phone }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('refuses a number that is not international and a code that is not 6 digits', async () => {
    expect((await callTrpc(server.url, 'auth.recovery.requestPhoneCode', { phone: '020 7946 0958' })).status).toBe(400);
    expect((await callTrpc(server.url, 'auth.recovery.verifyPhoneCode', { phone: uniquePhone(), code: '12345' })).status).toBe(400);
    expect((await callTrpc(server.url, 'auth.recovery.verifyPhoneCode', { phone: uniquePhone(), code: 'x'.repeat(10_000) })).status).toBe(400);
  });

  it('recovers by a mailed link: same answer for unknown addresses, one use, then a password signs in and old sessions end', async () => {
    const email = uniqueEmail('nopass');
    const phone = uniquePhone();
    const account = await passkeyOnlyAccount(server.url, { email, phone });
    const unknown = uniqueEmail('nobody');
    const forKnown = await callTrpc(server.url, 'auth.recovery.requestEmailLink', { email });
    const forUnknown = await callTrpc(server.url, 'auth.recovery.requestEmailLink', { email: unknown });
    expect(forUnknown.status).toBe(forKnown.status);
    expect(forUnknown.body).toEqual(forKnown.body);
    const mail = await smtp.waitFor(email, /Get back into your Parley account/);
    await server.deps.mailer.idle();
    expect(smtp.mails.filter((m) => m.to.includes(unknown))).toHaveLength(0);
    const token = findLinkToken(mail.text, '/recover-account');
    expect(await dumpDatabase(server.deps.database)).not.toContain(token.split('.')[1]!);

    const anonymous = createClient(server.url);
    const { grant } = await anonymous.auth.recovery.redeemEmailLink.mutate({ token });
    const twice = await trpcRejection(anonymous.auth.recovery.redeemEmailLink.mutate({ token }));
    expect(twice.message).toBe('This link is invalid or has expired');

    const weak = await trpcRejection(anonymous.auth.recovery.setPassword.mutate({ grant, newPassword: 'password' }));
    expect(weak.data?.code).toBe('BAD_REQUEST');
    const newPassword = 'recovered with a long passphrase 9';
    const recovered = await anonymous.auth.recovery.setPassword.mutate({ grant, newPassword }); // a refused password did not burn the grant
    expect(recovered).toMatchObject({ endedSessions: 2, removedPasskeys: 1 });
    expect(recovered.user.emailVerified).toBe(true);
    for (const token of account.tokens) await expectSignedOut(server.url, token);
    const login = await anonymous.auth.login.mutate({ email, password: newPassword });
    expect('token' in login && login.user.id).toBe(account.user.id);
    await sink.waitFor(phone, /account was recovered/);
    expect((await smtp.waitFor(email, /account was recovered/)).text).toContain('a link sent to this address');
  });

  it('sends the ordinary password reset to an account that has a password, with the same answer', async () => {
    const email = uniqueEmail('haspass');
    await createClient(server.url).auth.register.mutate({ email, password: 'a long enough passphrase 42' });
    const answer = await callTrpc(server.url, 'auth.recovery.requestEmailLink', { email });
    expect(answer.body).toEqual({ result: { data: { ok: true } } });
    await smtp.waitFor(email, /Reset your Parley password/);
  });

  it('serves the procedures as REST and describes them in /openapi.json', async () => {
    const res = await fetch(`${server.url}/api/auth/recovery/phone-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: uniquePhone() }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const bad = await fetch(`${server.url}/api/auth/recovery/phone-code/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: uniquePhone(), code: '123456' }) });
    expect(bad.status).toBe(400);
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of ['phone-code', 'phone-code/verify', 'email-link', 'email-link/redeem', 'passkey-options', 'passkey', 'password']) {
      expect(document.paths).toHaveProperty([`/auth/recovery/${path}`, 'post']);
    }
  });
});

describeDb(`recovery codes through Twilio's Messages API on ${dbKind}`, () => {
  const account = { sid: `AC${'1'.repeat(32)}`, token: 'twilio-auth-token-for-tests' };
  const from = '+15005550006';
  let server: TestServer;
  let twilio: Awaited<ReturnType<typeof startTwilioSink>>;
  beforeAll(async () => {
    twilio = await startTwilioSink(account);
    server = await startTestServer({ env: { ...webauthnEnv, ...limitEnv, SMS_URL: `twilio://${account.sid}:${account.token}@${from}`, SMS_TWILIO_API_URL: twilio.url } });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
    await twilio?.close();
  });

  it('posts To, From and Body form-encoded with basic auth, and the code it carries recovers the account', async () => {
    const phone = uniquePhone();
    await passkeyOnlyAccount(server.url, { phone });
    const unknown = uniquePhone();
    await createClient(server.url).auth.recovery.requestPhoneCode.mutate({ phone: unknown });
    await createClient(server.url).auth.recovery.requestPhoneCode.mutate({ phone });
    const sms = await twilio.waitFor(phone, /recovery code/);
    await server.deps.sms.idle();
    expect(sms.from).toBe(from);
    expect(twilio.requests).toHaveLength(1);
    expect(twilio.requests[0]).toMatchObject({ path: `/2010-04-01/Accounts/${account.sid}/Messages.json`, authorized: true, contentType: 'application/x-www-form-urlencoded' });
    expect(Object.keys(twilio.requests[0]!.fields).sort()).toEqual(['Body', 'From', 'To']);
    const code = /\b(\d{6})\b/.exec(sms.text)![1]!;
    const { grant } = await createClient(server.url).auth.recovery.verifyPhoneCode.mutate({ phone, code });
    expect(grant).toMatch(/^[a-z0-9]+\.[a-z0-9]+$/);
  });

  it("answers the caller the same when Twilio refuses the credentials (the failure is logged, not shown)", async () => {
    const wrong = await startTestServer({ env: { ...webauthnEnv, SMS_URL: `twilio://${account.sid}:not-the-token@${from}`, SMS_TWILIO_API_URL: twilio.url } });
    try {
      const phone = uniquePhone();
      await passkeyOnlyAccount(wrong.url, { phone });
      const before = twilio.requests.length;
      expect(await createClient(wrong.url).auth.recovery.requestPhoneCode.mutate({ phone })).toEqual({ ok: true });
      await wrong.deps.sms.idle();
      expect(twilio.requests.slice(before).map((r) => r.authorized)).toEqual([false]);
    } finally {
      closeClients();
      await wrong.stop();
    }
  });
});

describe.skipIf(dbKind !== 'pglite')('SMS without a transport', () => {
  const lines: string[] = [];
  let dev: TestServer;
  let production: TestServer;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    dev = await startTestServer({ env: { ...webauthnEnv } });
    production = await startTestServer({ env: { ...webauthnEnv, NODE_ENV: 'production' }, logger: createLogger({ level: 'info', destination: sink }) });
  });
  afterAll(async () => {
    closeClients();
    await dev?.stop();
    await production?.stop();
  });

  async function requestCode(server: TestServer) {
    const phone = uniquePhone();
    await passkeyOnlyAccount(server.url, { phone });
    await createClient(server.url).auth.recovery.requestPhoneCode.mutate({ phone });
    await server.deps.sms.idle();
    return { phone, rows: await selectRows(server.deps.database, 'select "to", text from sms_outbox where "to" = $1', [phone]) };
  }

  it('keeps the message, code included, in the sms_outbox table on a developer machine', async () => {
    const { phone, rows } = await requestCode(dev);
    expect(rows).toEqual([{ to: phone, text: expect.stringMatching(/recovery code is \d{6}\./) }]);
  });

  it('in production keeps it with the code hidden, in the table and in the log', async () => {
    const { phone, rows } = await requestCode(production);
    expect(rows).toEqual([{ to: phone, text: expect.stringMatching(/recovery code is ••••••\./) }]);
    const logged = lines.filter((line) => line.includes('sms_outbox'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('••••••');
    expect(lines.join('\n')).not.toMatch(/recovery code is \d/);
    expect(lines.join('\n')).not.toContain(phone);
  });
});
