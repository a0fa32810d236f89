// A WebAuthn authenticator in Node for tests: real P-256 keys and real ES256 signatures over real
// authenticator data and clientDataJSON, attestation "none" in CBOR. What a browser plus a platform
// authenticator would hand the server, with no verification mocked anywhere.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AuthenticationResponse, RegistrationResponse } from '../../server/src/auth/passkey/schema';

/** The parts of PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON an authenticator reads. */
type CreationOptions = { challenge: string; rp: { id?: string }; user: { id: string } };
type RequestOptions = { challenge: string; rpId?: string; allowCredentials?: { id: string }[] };

type CborValue = number | string | Uint8Array | CborValue[] | Map<CborValue, CborValue> | { [key: string]: CborValue };

/** The CBOR subset WebAuthn needs (RFC 8949): integers, byte and text strings, arrays, maps. */
export function encodeCbor(value: CborValue): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(encodeCbor)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_CREDENTIAL = 0x40;

export type StoredCredential = { id: Buffer; rpId: string; userHandle: string; privateKey: KeyObject; counter: number };

export type CeremonyOptions = {
  /** The page origin the browser would report (defaults to the authenticator's). */
  origin?: string;
  /** Sign with this credential instead of the first one the options allow. */
  credentialId?: string;
};

export function createSoftwareAuthenticator(defaultOrigin: string) {
  const credentials = new Map<string, StoredCredential>();

  function authenticatorData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counterBytes, ...(attested ? [attested] : [])]);
  }

  return {
    credentials,

    /** navigator.credentials.create(): a new ES256 key pair, self-reported with attestation "none". */
    create(options: CreationOptions, ceremony: CeremonyOptions = {}): RegistrationResponse {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      // COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
      const coseKey = encodeCbor(new Map<CborValue, CborValue>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
      const id = randomBytes(16);
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(id.length);
      const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID */, idLength, id, coseKey]);
      const rpId = options.rp.id!;
      const authData = authenticatorData(rpId, FLAG_USER_PRESENT | FLAG_USER_VERIFIED | FLAG_ATTESTED_CREDENTIAL, 0, attested);
      const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: ceremony.origin ?? defaultOrigin, crossOrigin: false });
      credentials.set(b64url(id), { id, rpId, userHandle: options.user.id, privateKey, counter: 0 });
      return {
        id: b64url(id),
        rawId: b64url(id),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientDataJSON),
          attestationObject: b64url(encodeCbor({ fmt: 'none', attStmt: {}, authData })),
          transports: ['internal'],
        },
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
      };
    },

    /** navigator.credentials.get(): signs authenticatorData ‖ SHA-256(clientDataJSON), counter + 1. */
    get(options: RequestOptions, ceremony: CeremonyOptions = {}): AuthenticationResponse {
      const rpId = options.rpId!;
      const allowed = options.allowCredentials?.map((c) => c.id);
      const id = ceremony.credentialId ?? [...credentials.keys()].find((key) => credentials.get(key)!.rpId === rpId && (!allowed?.length || allowed.includes(key)));
      const credential = id ? credentials.get(id) : undefined;
      if (!credential) throw new Error('NotAllowedError: no credential for these options');
      credential.counter += 1;
      const authData = authenticatorData(rpId, FLAG_USER_PRESENT | FLAG_USER_VERIFIED, credential.counter);
      const clientDataJSON = JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: ceremony.origin ?? defaultOrigin, crossOrigin: false });
      const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
      return {
        id: id!,
        rawId: id!,
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientDataJSON),
          authenticatorData: b64url(authData),
          signature: b64url(signature),
          userHandle: credential.userHandle,
        },
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
      };
    },
  };
}
