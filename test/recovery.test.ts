// Issue 4: account recovery — change and reset passwords, verify the e-mail address, security
// notices — against a real SMTP server started by the test.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callTrpc, dumpDatabase, findLinkToken, startSmtpSink } from './helpers/auth';
import { createClient, dbKind, describeDb, registerUser, startTestServer, uniqueEmail, type TestServer, signedIn } from './helpers/server';

describeDb(`account recovery over SMTP on ${dbKind}`, () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    server = await startTestServer({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Parley <no-reply@parley.test>' } });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));

  it('full reset flow: a reset link for an existing address, only a no-account notice for an unknown one (the same background work), identical answers; the token works once, old sessions die, the new password signs in', async () => {
    const user = await registerUser(server.url);
    const otherDevice = signedIn(await createClient(server.url).auth.login.mutate({ email: user.email, password: user.password }));
    const unknown = uniqueEmail('nobody');

    const forKnown = await callTrpc(server.url, 'auth.requestPasswordReset', { email: user.email });
    const forUnknown = await callTrpc(server.url, 'auth.requestPasswordReset', { email: unknown });
    expect(forKnown.status).toBe(200);
    expect(forUnknown.status).toBe(forKnown.status);
    expect(forUnknown.body).toEqual(forKnown.body);
    expect([...forUnknown.headers.keys()].sort()).toEqual([...forKnown.headers.keys()].sort());

    const mail = await smtp.waitFor(user.email, /Reset your Parley password/);
    await server.deps.mailer.idle();
    expect(mailsTo(unknown)).toHaveLength(1);
    expect(mailsTo(unknown)[0]!.text).toMatch(/there is no account with it/);
    expect(mailsTo(unknown)[0]!.text).not.toMatch(/token=/);
    expect(mailsTo(user.email).filter((m) => /Reset your Parley password/.test(m.text))).toHaveLength(1);
    expect(mail.from).toBe('no-reply@parley.test');
    expect(mail.raw).toMatch(/Content-Type: text\/plain/i);
    expect(mail.raw).toMatch(/Content-Type: text\/html/i);
    const token = findLinkToken(mail.text, '/reset-password');
    expect(mail.text).toContain(`${server.deps.config.publicUrl}/reset-password?token=`);
    const secret = token.split('.')[1]!;
    expect(secret.length * 5).toBeGreaterThanOrEqual(128); // base32: 5 bits a character
    expect(await dumpDatabase(server.deps.database)).not.toContain(secret);

    const weak = await callTrpc(server.url, 'auth.resetPassword', { token, newPassword: 'password' });
    expect(weak.status).toBe(400);
    const newPassword = 'a brand new passphrase 7';
    expect(await createClient(server.url).auth.resetPassword.mutate({ token, newPassword })).toEqual({ ok: true });
    const again = await callTrpc(server.url, 'auth.resetPassword', { token, newPassword: 'yet another passphrase 8' });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe('This link is invalid or has expired');

    await expect(user.client.auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(createClient(server.url, { token: otherDevice.token }).auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(createClient(server.url).auth.login.mutate({ email: user.email, password: user.password })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    const session = signedIn(await createClient(server.url).auth.login.mutate({ email: user.email, password: newPassword }));
    expect(session.user.id).toBe(user.user.id);

    const notice = await smtp.waitFor(user.email, /password was reset/);
    expect(notice.text).toContain('/sessions');
    expect(notice.text).toMatch(/Time: \d{4}-\d{2}-\d{2}T/);
  });

  it('changePassword checks the current password, ends the other sessions, keeps the current one and mails a notice', async () => {
    const user = await registerUser(server.url);
    const other = signedIn(await createClient(server.url).auth.login.mutate({ email: user.email, password: user.password }));
    await expect(user.client.auth.changePassword.mutate({ currentPassword: 'not my password', newPassword: 'whatever new phrase 1' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: 'The current password is not correct',
    });
    const result = await user.client.auth.changePassword.mutate({ currentPassword: user.password, newPassword: 'my changed passphrase 2' });
    expect(result).toEqual({ ok: true, endedSessions: 1 });
    expect((await user.client.auth.me.query()).user.id).toBe(user.user.id);
    await expect(createClient(server.url, { token: other.token }).auth.me.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    signedIn(await createClient(server.url).auth.login.mutate({ email: user.email, password: 'my changed passphrase 2' }));
    const notice = await smtp.waitFor(user.email, /password was changed/);
    expect(notice.text).toMatch(/Device: /);
  });

  it('verification flow: emailVerified goes from false to true, and the link works once', async () => {
    const user = await registerUser(server.url);
    expect((await user.client.auth.me.query()).user.emailVerified).toBe(false);
    expect(await user.client.auth.requestEmailVerification.mutate()).toEqual({ ok: true, alreadyVerified: false });
    const mail = await smtp.waitFor(user.email, /Confirm/);
    const token = findLinkToken(mail.text, '/verify-email');
    expect(await createClient(server.url).auth.verifyEmail.mutate({ token })).toEqual({ ok: true });
    expect((await user.client.auth.me.query()).user.emailVerified).toBe(true);
    await expect(createClient(server.url).auth.verifyEmail.mutate({ token })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    expect(await user.client.auth.requestEmailVerification.mutate()).toEqual({ ok: true, alreadyVerified: true });
  });

  it('mails a notice for a sign-in from a new device (user agent + IP), naming the time and device, and not for a known one', async () => {
    const user = await registerUser(server.url);
    const login = (ua: string) => callTrpc(server.url, 'auth.login', { email: user.email, password: user.password }, { headers: { 'user-agent': ua } });
    await login('Mozilla/5.0 (X11; Linux) Firefox/999.0');
    const notice = await smtp.waitFor(user.email, /New sign-in/);
    expect(notice.text).toContain('Firefox/999.0');
    expect(notice.text).toContain('127.0.0.1');
    expect(notice.text).toContain(`${server.deps.config.publicUrl}/sessions`);
    await login('Mozilla/5.0 (X11; Linux) Firefox/999.0');
    signedIn(await createClient(server.url).auth.login.mutate({ email: user.email, password: user.password })); // the registering device
    await server.deps.mailer.idle();
    expect(mailsTo(user.email).filter((m) => /New sign-in/.test(m.text))).toHaveLength(1);
  });

  it('rate-limits reset requests per address with the same answer for known and unknown addresses', async () => {
    const unknown = uniqueEmail('flood');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await callTrpc(server.url, 'auth.requestPasswordReset', { email: unknown })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
