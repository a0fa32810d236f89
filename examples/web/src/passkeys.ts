// Passkeys on the example page: sign up with a passkey alone (a phone number kept for recovery),
// sign in with one, and "lost your passkey?": a code by SMS or a mailed link, then a new passkey.
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { createPasskey, type ParleyClient } from '@parley/sdk';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const value = (id: string) => $<HTMLInputElement>(id).value.trim();

type Wiring = { client: ParleyClient; guarded(action: () => Promise<unknown>): Promise<void>; onSignedIn(): Promise<void> };

/** The signed-in account's passkeys. */
export async function listPasskeys(client: ParleyClient) {
  const passkeys = await client.auth.passkey.list.query();
  $('passkeys').replaceChildren(
    ...passkeys.map((passkey) => {
      const item = document.createElement('li');
      item.textContent = `${passkey.nickname ?? 'passkey'} · added ${new Date(passkey.createdAt).toLocaleString()}`;
      return item;
    }),
  );
}

export function setUpPasskeys({ client, guarded, onSignedIn }: Wiring) {
  // Signed in: add a passkey to this account (the SDK's helper runs the browser ceremony).
  $('add-passkey').addEventListener('click', () => void guarded(async () => {
    // Adding a passkey needs a fresh proof that it is you (a session token alone is not enough):
    // the password from the form, else asked for.
    const password = (document.getElementById('password') as HTMLInputElement | null)?.value || window.prompt('Confirm your password') || '';
    await client.auth.reauthenticate.mutate({ password });
    await createPasskey(client);
    await listPasskeys(client);
  }));

  $('passkey-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const action = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value;
    void guarded(async () => {
      if (action === 'register') {
        const optionsJSON = await client.auth.passkey.registrationOptions.mutate({
          name: value('pk-name') || undefined,
          phone: value('pk-phone') || undefined,
          email: value('pk-email') || undefined,
        });
        // The SDK keeps the session token a sign-up returns.
        await client.auth.passkey.register.mutate((await startRegistration({ optionsJSON: optionsJSON as never })) as never);
      } else {
        const optionsJSON = await client.auth.passkey.authenticationOptions.mutate();
        await client.auth.passkey.authenticate.mutate((await startAuthentication({ optionsJSON: optionsJSON as never })) as never);
      }
      await onSignedIn();
    });
  });

  // Lost your passkey? Prove the phone number (SMS code) or the e-mail (mailed link), then a new passkey.
  let grant: string | null = null;
  const status = (text: string) => ($('recovery-status').textContent = text);
  const granted = (result: { grant: string; expiresAt: string }) => {
    grant = result.grant;
    $('recovery-finish').hidden = false;
    status(`Verified. Create a new passkey before ${new Date(result.expiresAt).toLocaleTimeString()}.`);
  };

  $('recovery-phone-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void guarded(async () => {
      await client.auth.recovery.requestPhoneCode.mutate({ phone: value('recovery-phone') });
      $('recovery-code-form').hidden = false;
      status('If this number belongs to an account, a code is on its way by SMS.');
    });
  });

  $('recovery-code-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void guarded(async () => granted(await client.auth.recovery.verifyPhoneCode.mutate({ phone: value('recovery-phone'), code: value('recovery-code') })));
  });

  $('recovery-email-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void guarded(async () => {
      await client.auth.recovery.requestEmailLink.mutate({ email: value('recovery-email') });
      status('If this address belongs to an account, a link is on its way by e-mail.');
    });
  });

  $('recovery-finish').addEventListener('submit', (event) => {
    event.preventDefault();
    void guarded(async () => {
      if (!grant) return;
      const optionsJSON = await client.auth.recovery.passkeyOptions.mutate({ grant, nickname: 'Recovered' });
      const response = await startRegistration({ optionsJSON: optionsJSON as never });
      const keepSessions = $<HTMLInputElement>('keep-sessions').checked;
      const keepPasskeys = $<HTMLInputElement>('keep-passkeys').checked;
      // Signs in: the SDK keeps the session token this last step returns.
      const result = await client.auth.recovery.registerPasskey.mutate({ grant, response: response as never, keepSessions, keepPasskeys });
      grant = null;
      $('recovery-finish').hidden = true;
      status(`Recovered: ${result.endedSessions} other session(s) ended, ${result.removedPasskeys} old passkey(s) removed.`);
      await onSignedIn();
    });
  });

  // The mailed link opens /recover-account?token=… on this page: trade it for a grant at once.
  const token = location.pathname.endsWith('/recover-account') ? new URLSearchParams(location.search).get('token') : null;
  if (token) {
    history.replaceState(null, '', '/');
    ($('recovery') as HTMLDetailsElement).open = true;
    void guarded(async () => granted(await client.auth.recovery.redeemEmailLink.mutate({ token })));
  }
}
