// Passkeys end to end: a software authenticator with real ES256 keys talks to a real server on both
// databases; @simplewebauthn/server verifies real signatures.
import type { AppRouter } from '../server/src/trpc/router';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryDatabase } from './helpers/database';
import { createSoftwareAuthenticator } from './helpers/software-authenticator';
import { closeClients, createClient, dbKind, describeDb, registerUser, startTestServer, type TestServer, trpcRejection } from './helpers/server';

const WEB_ORIGIN = 'http://localhost:5173';


describeDb(`passkeys on ${dbKind}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { RP_ID: 'localhost', RP_NAME: 'Parley Test', WEBAUTHN_ORIGINS: WEB_ORIGIN } });
  });
  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  /** A member with one registered passkey. */
  async function memberWithPasskey(nickname?: string) {
    const member = await registerUser(server.url);
    // Adding a passkey needs a fresh proof of a credential, not just the session.
    await member.client.auth.reauthenticate.mutate({ password: member.password });
    const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
    const options = await member.client.auth.passkey.registrationOptions.mutate(nickname ? { nickname } : undefined);
    const registered = await member.client.auth.passkey.register.mutate(authenticator.create(options));
    return { ...member, authenticator, passkeyId: registered.passkey.id };
  }

  it('registers a passkey for a signed-in member, bound to the configured relying party', async () => {
    const member = await registerUser(server.url);
    await member.client.auth.reauthenticate.mutate({ password: member.password });
    const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
    const options = await member.client.auth.passkey.registrationOptions.mutate({ nickname: 'Laptop' });
    expect(options.rp).toEqual({ id: 'localhost', name: 'Parley Test' });
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });

    const result = await member.client.auth.passkey.register.mutate(authenticator.create(options));
    expect(result.token).toBeNull();
    expect(result.user.id).toBe(member.user.id);
    expect(result.passkey).toMatchObject({ nickname: 'Laptop', transports: ['internal'], lastUsedAt: null });

    const list = await member.client.auth.passkey.list.query();
    expect(list).toEqual([result.passkey]);
    expect(list[0]).not.toHaveProperty('publicKey');
  });

  it('excludes the passkeys a member already has when adding another', async () => {
    const member = await memberWithPasskey();
    const options = await member.client.auth.passkey.registrationOptions.mutate();
    expect(options.excludeCredentials?.map((c) => c.id)).toEqual([member.passkeyId]);
  });

  it('signs in with a passkey offered for an e-mail, and the new session works', async () => {
    const member = await memberWithPasskey();
    const anonymous = createClient(server.url);
    const options = await anonymous.auth.passkey.authenticationOptions.mutate({ email: member.email });
    expect(options.rpId).toBe('localhost');
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([member.passkeyId]);

    const signedIn = await anonymous.auth.passkey.authenticate.mutate(member.authenticator.get(options));
    expect(signedIn.user.id).toBe(member.user.id);
    const me = await createClient(server.url, { token: signedIn.token }).auth.me.query();
    expect(me.user.id).toBe(member.user.id);
    const [passkey] = await member.client.auth.passkey.list.query();
    expect(passkey!.lastUsedAt).not.toBeNull();
  });

  it('signs in with a discoverable passkey and no e-mail, setting the session cookie', async () => {
    const member = await memberWithPasskey();
    const options = await createClient(server.url).auth.passkey.authenticationOptions.mutate();
    expect(options.allowCredentials ?? []).toEqual([]);
    // Raw HTTP, as a browser would send it, to see the Set-Cookie header.
    const res = await fetch(`${server.url}/trpc/auth.passkey.authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(member.authenticator.get(options)),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^parley_session=[^;]+;.*HttpOnly/i);
    const body = (await res.json()) as { result: { data: { user: { id: string }; token: string } } };
    expect(body.result.data.user.id).toBe(member.user.id);
  });

  it('stores the signature counter and refuses a counter that goes backwards (a cloned authenticator)', async () => {
    const member = await memberWithPasskey();
    const anonymous = createClient(server.url);
    for (let i = 0; i < 2; i++) {
      const options = await anonymous.auth.passkey.authenticationOptions.mutate({ email: member.email });
      await anonymous.auth.passkey.authenticate.mutate(member.authenticator.get(options));
    }
    const stored = member.authenticator.credentials.get(member.passkeyId)!;
    expect(stored.counter).toBe(2);
    stored.counter = 0; // the clone signs with counter 1, not above the server's 2
    const options = await anonymous.auth.passkey.authenticationOptions.mutate({ email: member.email });
    const error = await trpcRejection(anonymous.auth.passkey.authenticate.mutate(member.authenticator.get(options)));
    expect(error.data?.code).toBe('UNAUTHORIZED');
  });

  it('refuses ceremonies performed for another origin', async () => {
    const member = await memberWithPasskey();
    const anonymous = createClient(server.url);
    const authOptions = await anonymous.auth.passkey.authenticationOptions.mutate({ email: member.email });
    const phished = member.authenticator.get(authOptions, { origin: 'https://parley-login.example' });
    expect((await trpcRejection(anonymous.auth.passkey.authenticate.mutate(phished))).data?.code).toBe('UNAUTHORIZED');

    const regOptions = await member.client.auth.passkey.registrationOptions.mutate();
    const foreign = member.authenticator.create(regOptions, { origin: 'https://parley-login.example' });
    expect((await trpcRejection(member.client.auth.passkey.register.mutate(foreign))).data?.code).toBe('BAD_REQUEST');
    expect(await member.client.auth.passkey.list.query()).toHaveLength(1);
  });

  it('accepts each challenge once: a replayed response is refused', async () => {
    const member = await memberWithPasskey();
    const anonymous = createClient(server.url);
    const options = await anonymous.auth.passkey.authenticationOptions.mutate({ email: member.email });
    const response = member.authenticator.get(options);
    await anonymous.auth.passkey.authenticate.mutate(response);
    const error = await trpcRejection(anonymous.auth.passkey.authenticate.mutate(response));
    expect(error.data?.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/expired or was already used/);
  });

  it('refuses a challenge older than five minutes', async () => {
    const member = await memberWithPasskey();
    const anonymous = createClient(server.url);
    const options = await anonymous.auth.passkey.authenticationOptions.mutate({ email: member.email });
    await queryDatabase(server, `update auth_challenges set expires_at = now() - interval '1 second' where id = $1`, [options.challenge]);
    const error = await trpcRejection(anonymous.auth.passkey.authenticate.mutate(member.authenticator.get(options)));
    expect(error.data?.code).toBe('BAD_REQUEST');
  });

  it('refuses a passkey of another account when options named an e-mail', async () => {
    const alice = await memberWithPasskey();
    const bob = await memberWithPasskey();
    const anonymous = createClient(server.url);
    const options = await anonymous.auth.passkey.authenticationOptions.mutate({ email: alice.email });
    const error = await trpcRejection(anonymous.auth.passkey.authenticate.mutate(bob.authenticator.get(options, { credentialId: bob.passkeyId })));
    expect(error.data?.code).toBe('UNAUTHORIZED');
  });

  it('signs up with a passkey alone, keeping the phone number normalized and private', async () => {
    const anonymous = createClient(server.url);
    const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
    const options = await anonymous.auth.passkey.registrationOptions.mutate({ name: 'Ada', phone: '+44 20 7946 0958' });
    const signedUp = await anonymous.auth.passkey.register.mutate(authenticator.create(options));
    expect(signedUp.token).toEqual(expect.any(String));
    expect(signedUp.user).toMatchObject({ name: 'Ada', email: null, kind: 'member' });
    expect(signedUp.user).not.toHaveProperty('phone');

    const client = createClient(server.url, { token: signedUp.token! });
    const me = await client.auth.me.query();
    expect(me.user.id).toBe(signedUp.user.id);
    expect(JSON.stringify(me)).not.toContain('7946');
    const [row] = await queryDatabase<{ phone: string; password_hash: string | null }>(server, 'select phone, password_hash from users where id = $1', [signedUp.user.id]);
    expect(row!.phone).toBe('+442079460958');
    expect(row!.password_hash).toBeNull();

    // And the passkey alone signs back in, without an e-mail.
    const authOptions = await anonymous.auth.passkey.authenticationOptions.mutate();
    const again = await anonymous.auth.passkey.authenticate.mutate(authenticator.get(authOptions));
    expect(again.user.id).toBe(signedUp.user.id);
    // Both are in the audit log like their password counterparts.
    const events = await queryDatabase<{ event: string }>(server, 'select event from audit_log where user_id = $1 order by id', [signedUp.user.id]);
    expect(events.map((e) => e.event)).toEqual(['register', 'login_success']);
  });

  it('signs up with an e-mail and passkey, refusing an e-mail already taken', async () => {
    const anonymous = createClient(server.url);
    const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
    const email = `Passkey-${Date.now()}@Example.com`;
    const options = await anonymous.auth.passkey.registrationOptions.mutate({ email });
    expect(options.user.name).toBe(email.toLowerCase());
    const signedUp = await anonymous.auth.passkey.register.mutate(authenticator.create(options));
    expect(signedUp.user.email).toBe(email.toLowerCase());

    // The options do not tell a taken address from a free one; only a completed ceremony does.
    const again = await anonymous.auth.passkey.registrationOptions.mutate({ email });
    const taken = await trpcRejection(anonymous.auth.passkey.register.mutate(createSoftwareAuthenticator(WEB_ORIGIN).create(again)));
    expect(taken.data?.code).toBe('CONFLICT');
  });

  it('refuses a phone number that is not international', async () => {
    const error = await trpcRejection(createClient(server.url).auth.passkey.registrationOptions.mutate({ phone: '020 7946 0958' }));
    expect(error.data?.code).toBe('BAD_REQUEST');
  });

  it("removes one's own passkey, answers NOT_FOUND for someone else's, and keeps a passwordless account's last one", async () => {
    const alice = await memberWithPasskey();
    const bob = await memberWithPasskey();
    const notFound = await trpcRejection(bob.client.auth.passkey.remove.mutate({ id: alice.passkeyId }));
    expect(notFound.data?.code).toBe('NOT_FOUND');
    expect(await alice.client.auth.passkey.list.query()).toHaveLength(1);

    await alice.client.auth.passkey.remove.mutate({ id: alice.passkeyId });
    expect(await alice.client.auth.passkey.list.query()).toEqual([]);
    const options = await createClient(server.url).auth.passkey.authenticationOptions.mutate();
    const error = await trpcRejection(createClient(server.url).auth.passkey.authenticate.mutate(alice.authenticator.get(options, { credentialId: alice.passkeyId })));
    expect(error.data?.code).toBe('UNAUTHORIZED');

    const anonymous = createClient(server.url);
    const authenticator = createSoftwareAuthenticator(WEB_ORIGIN);
    const signedUp = await anonymous.auth.passkey.register.mutate(authenticator.create(await anonymous.auth.passkey.registrationOptions.mutate()));
    const onlyWay = await trpcRejection(createClient(server.url, { token: signedUp.token! }).auth.passkey.remove.mutate({ id: signedUp.passkey.id }));
    expect(onlyWay.data?.code).toBe('BAD_REQUEST');
  });

  it('requires a session to list passkeys', async () => {
    const error = await trpcRejection(createClient(server.url).auth.passkey.list.query());
    expect(error.data?.code).toBe('UNAUTHORIZED');
  });
});
