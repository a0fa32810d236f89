// The low findings of issue 21: legacy hashes answer a wrong password at an unknown address's cost,
// reset requests do the same work either way, passkey challenges are throttled per IP, links in the
// outbox are redacted, TOTP secrets are sealed at rest, and room history names its senders.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeBase32, totp } from './helpers/totp';
import { selectRows } from './helpers/auth';
import { closeClients, createClient, dbKind, describeDb, registerUser, startTestServer, type TestServer, trpcRejection, uniqueEmail } from './helpers/server';

describeDb(`low-severity hardening on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    // No SMTP_URL: mail goes to the outbox table, as on a server without mail configured.
    server = await startTestServer();
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  const verifications = async () =>
    (await server.deps.metrics.passwordHashSeconds.get()).values
      .filter((v) => v.metricName === 'parley_password_hash_seconds_count' && v.labels.op === 'verify')
      .reduce((sum, v) => sum + v.value, 0);

  it('answers a wrong password for a legacy sha256$ account with the same Argon2 work as for an unknown address', async () => {
    const legacy = await registerUser(server.url);
    const salt = 'oldsalt';
    const hex = createHash('sha256').update(salt + 'the old password 1').digest('hex');
    await selectRows(server.deps.database, 'update users set password_hash = $1 where id = $2', [`sha256$${salt}$${hex}`, legacy.user.id]);
    const anonymous = createClient(server.url);
    let before = await verifications();
    await trpcRejection(anonymous.auth.login.mutate({ email: uniqueEmail(), password: 'wrong password here' }));
    const unknownCost = (await verifications()) - before;
    before = await verifications();
    await trpcRejection(anonymous.auth.login.mutate({ email: legacy.email, password: 'wrong password here' }));
    // The sha256 check plus a dummy Argon2 verify: one Argon2 verify more than the sha256 alone, as for an unknown address.
    expect((await verifications()) - before).toBe(unknownCost + 1);
    expect(unknownCost).toBe(1);
    // The right legacy password still signs in (and is upgraded).
    const ok = await anonymous.auth.login.mutate({ email: legacy.email, password: 'the old password 1' });
    expect('token' in ok).toBe(true);
  });

  it('does the same background work for a reset request to a known and an unknown address (audit row and a mail, no link for the unknown one)', async () => {
    const known = await registerUser(server.url);
    const unknown = uniqueEmail('nobody');
    const anonymous = createClient(server.url);
    await anonymous.auth.requestPasswordReset.mutate({ email: known.email });
    await anonymous.auth.requestPasswordReset.mutate({ email: unknown });
    await server.deps.mailer.idle();
    const mails = (to: string) => selectRows(server.deps.database, 'select subject, text from outbox where "to" = $1', [to]);
    expect(await mails(known.email)).toHaveLength(1);
    expect(await mails(unknown)).toHaveLength(1);
    expect((await mails(unknown))[0]!.text).toMatch(/there is no account with it/);
    const audit = await selectRows(server.deps.database, `select user_id from audit_log where event = 'password_reset_requested' order by id desc limit 2`);
    expect(audit.map((r) => r.user_id).sort()).toEqual([known.user.id, null].sort());
  });

  it('keeps reset and verification links out of the outbox (redacted) unless MAIL_OUTBOX_KEEP_LINKS=true', async () => {
    const user = await registerUser(server.url);
    await createClient(server.url).auth.requestPasswordReset.mutate({ email: user.email });
    await user.client.auth.requestEmailVerification.mutate();
    await server.deps.mailer.idle();
    const rows = await selectRows(server.deps.database, 'select text, html from outbox where "to" = $1', [user.email]);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(`${row.text}${row.html}`).not.toMatch(/token=(?!\[redacted\])/);
    }
    expect(rows.some((r) => String(r.text).includes('token=[redacted]'))).toBe(true);

    const dev = await startTestServer({ env: { MAIL_OUTBOX_KEEP_LINKS: 'true' } });
    try {
      const devUser = await registerUser(dev.url);
      await createClient(dev.url).auth.requestPasswordReset.mutate({ email: devUser.email });
      await dev.deps.mailer.idle();
      const [mail] = await selectRows(dev.deps.database, `select text from outbox where "to" = $1 and subject like 'Reset%'`, [devUser.email]);
      expect(mail!.text).toMatch(/reset-password\?token=[A-Za-z0-9]+\.[A-Za-z0-9]+/);
    } finally {
      await dev.stop();
    }
  });

  it('seals TOTP secrets at rest (AES-256-GCM) and seals an old plain secret on its next use', async () => {
    const member = await registerUser(server.url);
    await member.client.auth.reauthenticate.mutate({ password: member.password });
    const setup = await member.client.auth.totp.setup.mutate();
    const secret = decodeBase32(setup.secret);
    const [row] = await selectRows(server.deps.database, `select encode(secret, 'hex') as hex from totp_credentials where user_id = $1`, [member.user.id]);
    expect(row!.hex).not.toContain(secret.toString('hex'));
    expect(row!.hex.length / 2).toBeGreaterThan(secret.length);
    const step = Math.floor(Date.now() / 30_000);
    await member.client.auth.totp.enable.mutate({ code: totp(secret, step) });

    // A secret stored in plain text before this release still works, and is sealed once used.
    await selectRows(server.deps.database, `update totp_credentials set secret = decode($1, 'hex') where user_id = $2`, [secret.toString('hex'), member.user.id]);
    await member.client.auth.reauthenticate.mutate({ code: totp(secret, step + 1) });
    const [after] = await selectRows(server.deps.database, `select encode(secret, 'hex') as hex from totp_credentials where user_id = $1`, [member.user.id]);
    expect(after!.hex).not.toBe(secret.toString('hex'));
    expect(after!.hex.length / 2).toBeGreaterThan(secret.length);
  });

  it('throttles passkey challenge creation per client IP (auth.passkey.authenticationOptions)', async () => {
    const own = await startTestServer();
    try {
      const anonymous = createClient(own.url);
      const statuses: string[] = [];
      for (let i = 0; i < 61; i++) {
        statuses.push(await anonymous.auth.passkey.authenticationOptions.mutate({}).then(() => 'ok', (e) => e.data?.code));
      }
      expect(statuses.slice(0, 60).every((s) => s === 'ok')).toBe(true);
      expect(statuses[60]).toBe('TOO_MANY_REQUESTS');
    } finally {
      await own.stop();
    }
  });

  it('names the real sender in rooms.history', async () => {
    const alice = await registerUser(server.url, { name: 'Alice Example' });
    const roomId = (await alice.client.rooms.create.mutate({ name: 'names' })).id;
    await alice.client.rooms.send.mutate({ roomId, body: 'hello' });
    const history = await alice.client.rooms.history.query({ roomId });
    expect(history.messages.map((m) => m.senderName)).toEqual(['Alice Example']);
  });
});
