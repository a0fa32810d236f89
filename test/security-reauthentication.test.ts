// A stolen session must not become a lasting credential (issue 21): adding a passkey or turning on
// two-factor needs a fresh proof (password, TOTP code or passkey), each such change is mailed, and a
// password reset removes the account's passkeys unless the owner keeps them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeBase32, totp } from './helpers/totp';
import { findLinkToken, selectRows, startSmtpSink } from './helpers/auth';
import { createSoftwareAuthenticator } from './helpers/software-authenticator';
import { closeClients, createClient, dbKind, describeDb, registerUser, startTestServer, type TestServer, trpcRejection } from './helpers/server';

const WEB_ORIGIN = 'http://localhost:5173';

describeDb(`re-authentication before sensitive changes on ${dbKind}`, () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    server = await startTestServer({ env: { RP_ID: 'localhost', WEBAUTHN_ORIGINS: WEB_ORIGIN, SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
    await smtp?.close();
  });

  it('refuses to add a passkey with a session alone (the stolen-token attack), before and after the options', async () => {
    const victim = await registerUser(server.url);
    const thief = createClient(server.url, { token: victim.token });
    const refused = await trpcRejection(thief.auth.passkey.registrationOptions.mutate());
    expect(refused.data?.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/Confirm it is you first/);
    // Options obtained while re-authenticated do not help once the proof is gone.
    await victim.client.auth.reauthenticate.mutate({ password: victim.password });
    const options = await victim.client.auth.passkey.registrationOptions.mutate();
    await selectRows(server.deps.database, 'update sessions set reauthenticated_at = now() - interval \'10 minutes\' where user_id = $1', [victim.user.id]);
    const late = await trpcRejection(thief.auth.passkey.register.mutate(createSoftwareAuthenticator(WEB_ORIGIN).create(options)));
    expect(late.message).toMatch(/Confirm it is you first/);
    expect(await victim.client.auth.passkey.list.query()).toHaveLength(0);
  });

  it('refuses to set up or turn on two-factor with a session alone', async () => {
    const victim = await registerUser(server.url);
    const thief = createClient(server.url, { token: victim.token });
    expect((await trpcRejection(thief.auth.totp.setup.mutate())).message).toMatch(/Confirm it is you first/);
    expect((await trpcRejection(thief.auth.totp.enable.mutate({ code: '123456' }))).message).toMatch(/Confirm it is you first/);
    expect(await selectRows(server.deps.database, 'select 1 from totp_credentials where user_id = $1', [victim.user.id])).toHaveLength(0);
  });

  it('re-authenticates with the password (a wrong one is refused and does not count), then adds a passkey and mails the owner', async () => {
    const member = await registerUser(server.url);
    const wrong = await trpcRejection(member.client.auth.reauthenticate.mutate({ password: 'not the password at all' }));
    expect(wrong.message).toBe('The current password is not correct');
    expect((await trpcRejection(member.client.auth.passkey.registrationOptions.mutate())).message).toMatch(/Confirm it is you first/);
    expect((await trpcRejection(member.client.auth.reauthenticate.mutate({}))).data?.code).toBe('BAD_REQUEST');

    const proof = await member.client.auth.reauthenticate.mutate({ password: member.password });
    expect(new Date(proof.validUntil).getTime()).toBeGreaterThan(Date.now());
    const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
    await member.client.auth.passkey.register.mutate(authenticator.create(await member.client.auth.passkey.registrationOptions.mutate()));
    const mail = await smtp.waitFor(member.email, /A new passkey was added/);
    expect(mail.text).toContain('IP address');
    const audit = await selectRows(server.deps.database, `select event from audit_log where user_id = $1 order by id`, [member.user.id]);
    expect(audit.map((r) => r.event)).toEqual(expect.arrayContaining(['reauthenticated', 'passkey_added']));
  });

  it('re-authenticates with an existing passkey (a passkey-only account adds a second one) and with a TOTP code', async () => {
    const anonymous = createClient(server.url);
    const first = createSoftwareAuthenticator(WEB_ORIGIN);
    const signedUp = await anonymous.auth.passkey.register.mutate(first.create(await anonymous.auth.passkey.registrationOptions.mutate()));
    const member = createClient(server.url, { token: signedUp.token! });
    expect((await trpcRejection(member.auth.passkey.registrationOptions.mutate())).message).toMatch(/Confirm it is you first/);
    const assertion = first.get(await member.auth.passkey.authenticationOptions.mutate({}));
    await member.auth.reauthenticate.mutate({ passkey: assertion });
    const second = createSoftwareAuthenticator(WEB_ORIGIN);
    await member.auth.passkey.register.mutate(second.create(await member.auth.passkey.registrationOptions.mutate()));
    expect(await member.auth.passkey.list.query()).toHaveLength(2);

    // Another account's passkey is no proof for this one.
    const other = await registerUser(server.url);
    const foreign = first.get(await other.client.auth.passkey.authenticationOptions.mutate({}));
    expect((await trpcRejection(other.client.auth.reauthenticate.mutate({ passkey: foreign }))).data?.code).toBe('UNAUTHORIZED');

    // TOTP: with two-factor on, a current code is a proof too.
    await other.client.auth.reauthenticate.mutate({ password: other.password });
    const secret = decodeBase32((await other.client.auth.totp.setup.mutate()).secret);
    const step = Math.floor(Date.now() / 30_000);
    await other.client.auth.totp.enable.mutate({ code: totp(secret, step) });
    await smtp.waitFor(other.email, /Two-factor authentication was turned on/);
    await selectRows(server.deps.database, 'update sessions set reauthenticated_at = null where user_id = $1', [other.user.id]);
    expect((await trpcRejection(other.client.auth.passkey.registrationOptions.mutate())).message).toMatch(/Confirm it is you first/);
    await other.client.auth.reauthenticate.mutate({ code: totp(secret, step + 1) });
    await other.client.auth.passkey.registrationOptions.mutate();
  });

  it('removes every passkey on a password reset (mailing the owner), unless the owner keeps them', async () => {
    for (const keepPasskeys of [false, true]) {
      const member = await registerUser(server.url);
      await member.client.auth.reauthenticate.mutate({ password: member.password });
      const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
      await member.client.auth.passkey.register.mutate(authenticator.create(await member.client.auth.passkey.registrationOptions.mutate()));
      const anonymous = createClient(server.url);
      await anonymous.auth.requestPasswordReset.mutate({ email: member.email });
      const token = findLinkToken((await smtp.waitFor(member.email, /reset the password/)).text, '/reset-password');
      await anonymous.auth.resetPassword.mutate({ token, newPassword: 'a brand new passphrase 77', keepPasskeys });
      const left = await selectRows(server.deps.database, 'select id from passkeys where user_id = $1', [member.user.id]);
      expect(left).toHaveLength(keepPasskeys ? 1 : 0);
      const signIn = anonymous.auth.passkey.authenticate.mutate(authenticator.get(await anonymous.auth.passkey.authenticationOptions.mutate({})));
      if (keepPasskeys) expect((await signIn).user.id).toBe(member.user.id);
      else {
        expect((await trpcRejection(signIn)).data?.code).toBe('UNAUTHORIZED');
        await smtp.waitFor(member.email, /every passkey of your Parley account was removed/);
      }
    }
  });
});
