// Headless Debian Chromium for the example tests, with the DevTools-protocol pieces they use: a
// virtual passkey authenticator (discoverable credentials, user verification) and network cuts.
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    ],
    // Playwright gives each launch a fresh, empty profile (user-data-dir) of its own.
  });
}

const sessions = new WeakMap<Page, Promise<CDPSession>>();
function cdp(page: Page): Promise<CDPSession> {
  let session = sessions.get(page);
  if (!session) sessions.set(page, (session = page.context().newCDPSession(page)));
  return session;
}

/** A platform authenticator on this page that holds resident keys and verifies the user without asking. */
export async function addVirtualAuthenticator(page: Page): Promise<{ credentialCount(): Promise<number> }> {
  const session = await cdp(page);
  await session.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    credentialCount: async () => (await session.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length,
  };
}

/** Emulates losing (and regaining) the network for this page: its open WebSockets drop. */
export async function setOffline(page: Page, offline: boolean): Promise<void> {
  const session = await cdp(page);
  await session.send('Network.enable');
  await session.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
}
