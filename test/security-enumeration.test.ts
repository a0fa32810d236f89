// Enumeration oracles (issue 21): known and unknown addresses get the same answer at the same cost —
// passwordless sign-up options, guest upgrades, org invitations — and nobody joins an org without
// accepting its invitation.
import { afterAll, beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import { selectRows, startSmtpSink } from './helpers/auth';
import { speechWav16k } from './helpers/recording-fixtures';
import { closeClients, createClient, dbKind, describeDb, registerUser, startTestServer, type TestServer, trpcRejection, uniqueEmail } from './helpers/server';

describeDb(`enumeration oracles on ${dbKind}`, () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    server = await startTestServer({ env: { SMTP_URL: smtp.url, RATE_LIMIT_REGISTER_EMAIL: '3/1h' } });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
    await smtp?.close();
  });

  const hashCount = async () =>
    (await server.deps.metrics.passwordHashSeconds.get()).values
      .filter((v) => v.metricName === 'parley_password_hash_seconds_count' && v.labels.op === 'hash')
      .reduce((sum, v) => sum + v.value, 0);

  it('answers auth.passkey.registrationOptions({ email }) the same for a known and an unknown address', async () => {
    const known = await registerUser(server.url);
    const anonymous = createClient(server.url);
    const a = await anonymous.auth.passkey.registrationOptions.mutate({ email: known.email });
    const b = await anonymous.auth.passkey.registrationOptions.mutate({ email: uniqueEmail() });
    const shape = (o: typeof a) => ({ ...o, challenge: '', user: { ...o.user, id: '', name: '', displayName: '' } });
    expect(shape(a)).toEqual(shape(b));
    // Forty probes in one batch: all answered alike.
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => anonymous.auth.passkey.registrationOptions.mutate({ email: i % 2 ? known.email : uniqueEmail() })));
    expect(new Set(many.map((o) => JSON.stringify(shape(o)))).size).toBe(1);
  });

  it('auth.upgradeGuest: register password rules, the taken address found only after the hash, and throttled per address', async () => {
    const taken = await registerUser(server.url);
    const guest = async () => createClient(server.url, { token: (await createClient(server.url).auth.guest.mutate({ alias: 'Visitor' })).token });
    const g = await guest();
    const email = uniqueEmail();
    for (const password of ['password', '12345678', email]) {
      expect((await trpcRejection(g.auth.upgradeGuest.mutate({ email, password }))).data?.code).toBe('BAD_REQUEST');
    }
    const before = await hashCount();
    const conflict = await trpcRejection((await guest()).auth.upgradeGuest.mutate({ email: taken.email, password: 'a long enough passphrase 9' }));
    expect(conflict.data?.code).toBe('CONFLICT');
    // The password was hashed before the address was found taken: a known address costs what a free one does.
    expect(await hashCount()).toBe(before + 1);
    // RATE_LIMIT_REGISTER_EMAIL=3/1h (its registration was the first): the fourth try on one address is throttled.
    const probe = await guest();
    await trpcRejection(probe.auth.upgradeGuest.mutate({ email: taken.email, password: 'a long enough passphrase 9' }));
    expect((await trpcRejection(probe.auth.upgradeGuest.mutate({ email: taken.email, password: 'a long enough passphrase 9' }))).data?.code).toBe('TOO_MANY_REQUESTS');
  });

  it('orgs.addMember invites: the same answer whether the address has an account, a mail to the invitee, membership only on accepting', async () => {
    const admin = await registerUser(server.url);
    const invitee = await registerUser(server.url);
    const org = await admin.client.orgs.create.mutate({ name: 'Invitational' });
    const toAccount = await admin.client.orgs.addMember.mutate({ orgId: org.id, email: invitee.email, role: 'member' });
    const nobody = uniqueEmail();
    const toNobody = await admin.client.orgs.addMember.mutate({ orgId: org.id, email: nobody, role: 'member' });
    const shape = (i: typeof toAccount) => ({ ...i, invitationId: '', email: '', expiresAt: '' });
    expect(shape(toAccount)).toEqual(shape(toNobody));
    await smtp.waitFor(invitee.email, /You are invited to join the organization "Invitational"/);
    await smtp.waitFor(nobody, /You are invited to join the organization "Invitational"/);

    // Not a member until they say yes.
    expect(await invitee.client.orgs.list.query()).toEqual([]);
    expect(await selectRows(server.deps.database, 'select 1 from org_members where user_id = $1', [invitee.user.id])).toHaveLength(0);
    const [invitation] = await invitee.client.orgs.invitations.query();
    expect(invitation).toMatchObject({ invitationId: toAccount.invitationId, orgId: org.id, orgName: 'Invitational', role: 'member' });

    // Someone else cannot take it.
    const other = await registerUser(server.url);
    expect((await trpcRejection(other.client.orgs.acceptInvitation.mutate({ invitationId: toAccount.invitationId }))).data?.code).toBe('NOT_FOUND');

    expect(await invitee.client.orgs.acceptInvitation.mutate({ invitationId: toAccount.invitationId })).toMatchObject({ id: org.id, role: 'member' });
    expect((await invitee.client.orgs.list.query()).map((o) => o.id)).toEqual([org.id]);
    expect(await invitee.client.orgs.invitations.query()).toEqual([]);

    // And may leave; the last admin may not.
    await invitee.client.orgs.leave.mutate({ orgId: org.id });
    expect(await invitee.client.orgs.list.query()).toEqual([]);
    expect((await trpcRejection(admin.client.orgs.leave.mutate({ orgId: org.id }))).data?.code).toBe('BAD_REQUEST');
  });

  it('lets the invitee decline, and does not hand an invitation to an account registered for the address afterwards (unverified)', async () => {
    const admin = await registerUser(server.url);
    const invitee = await registerUser(server.url);
    const org = await admin.client.orgs.create.mutate({ name: 'Declined' });
    const { invitationId } = await admin.client.orgs.addMember.mutate({ orgId: org.id, email: invitee.email, role: 'admin' });
    await invitee.client.orgs.declineInvitation.mutate({ invitationId });
    expect(await invitee.client.orgs.invitations.query()).toEqual([]);
    expect((await trpcRejection(invitee.client.orgs.acceptInvitation.mutate({ invitationId }))).data?.code).toBe('NOT_FOUND');

    const later = uniqueEmail();
    await admin.client.orgs.addMember.mutate({ orgId: org.id, email: later, role: 'member' });
    const squatter = await registerUser(server.url, { email: later });
    expect(await squatter.client.orgs.invitations.query()).toEqual([]);
  });

  it('stops a signed download link working once its holder left the org', async () => {
    const admin = await registerUser(server.url);
    const member = await registerUser(server.url);
    const org = await admin.client.orgs.create.mutate({ name: 'Recorded' });
    const { invitationId } = await admin.client.orgs.addMember.mutate({ orgId: org.id, email: member.email, role: 'member' });
    await member.client.orgs.acceptInvitation.mutate({ invitationId });
    const upload = await fetch(`${server.url}/api/recordings/upload?name=Standup&orgId=${org.id}`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', authorization: `Bearer ${admin.token}` },
      body: fs.readFileSync(speechWav16k(1)),
    });
    expect(upload.status).toBe(201);
    const id = (await upload.json()).recording.id as string;
    const link = (await member.client.recordings.downloadUrl.query({ id })).url.replace(/^https?:\/\/[^/]+/, server.url);
    expect((await fetch(link)).status).toBe(200);
    // Another account's id in the link breaks the signature.
    expect((await fetch(link.replace(/uid=[^&]+/, `uid=${admin.user.id}`))).status).toBe(404);
    await member.client.orgs.leave.mutate({ orgId: org.id });
    expect((await fetch(link)).status).toBe(404);
  });
});
