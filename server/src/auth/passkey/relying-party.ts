// Who we are to authenticators (RP id, name, accepted origins) and reading the challenge a response answers.
import { decodeBase64urlIgnorePadding } from '@oslojs/encoding';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { type Challenge, type ChallengeKind, consumeChallenge } from '../challenges';

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

/** The stored challenge a ceremony's response answers, consumed (single use); null when unknown, used or expired. */
export async function consumeSignedChallenge(db: Database, kind: ChallengeKind, clientDataJSON: string): Promise<Challenge | null> {
  const challenge = readSignedChallenge(clientDataJSON);
  return challenge ? consumeChallenge(db, kind, challenge) : null;
}

/** What @simplewebauthn checks a response against: our challenge, origins and RP id, and user verification. */
export function expectedCeremony(rp: RelyingParty, challenge: Challenge) {
  return { expectedChallenge: challenge.value, expectedOrigin: rp.origins, expectedRPID: rp.rpID, requireUserVerification: true };
}
