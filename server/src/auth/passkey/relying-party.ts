// Who we are to authenticators (RP id, name, accepted origins) and reading the challenge a response answers.
import { decodeBase64urlIgnorePadding } from '@oslojs/encoding';
import type { Config } from '../../config';

export type RelyingParty = { rpID: string; rpName: string; origins: string[] };

export function relyingPartyOf(config: Config): RelyingParty {
  return { rpID: config.rpId, rpName: config.rpName, origins: config.webauthnOrigins };
}

/**
 * The challenge the authenticator signed, read from clientDataJSON so the client needn't echo an id.
 * Only a lookup key: the signature check that follows proves it.
 */
export function readSignedChallenge(clientDataJSON: string): string | null {
  try {
    const clientData = JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(clientDataJSON))) as { challenge?: unknown };
    return typeof clientData.challenge === 'string' && clientData.challenge.length <= 512 ? clientData.challenge : null;
  } catch {
    return null;
  }
}
