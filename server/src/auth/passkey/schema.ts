// Input schemas of auth.passkey.*: the WebAuthn JSON a browser's navigator.credentials returns, with size limits.
import { z } from 'zod';
import { emailInput, publicUserOutput } from '../schema';
import { normalizePhone } from './phone';

const base64url = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*={0,2}$/, 'must be base64url');
const transport = z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
const clientExtensionResults = z.record(z.string(), z.unknown()).default({});
const attachment = z.enum(['cross-platform', 'platform']).optional();

export const phoneInput = z
  .string()
  .max(32, 'must be at most 32 characters')
  .transform((value, ctx) => {
    const phone = normalizePhone(value);
    if (!phone) {
      ctx.addIssue({ code: 'custom', message: 'must be a phone number in international format, such as +44 20 7946 0958' });
      return z.NEVER;
    }
    return phone;
  });

const nicknameInput = z.string().trim().min(1).max(64);

/** Signed in: adds a passkey to the account. Signed out: starts a passwordless sign-up. */
export const registrationOptionsInput = z
  .object({
    email: emailInput.optional(),
    phone: phoneInput.optional(),
    name: z.string().trim().min(1).max(100).optional(),
    nickname: nicknameInput.optional(),
  })
  .optional();

export const registrationResponseInput = z.object({
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8_192),
    attestationObject: base64url(65_536),
    authenticatorData: base64url(65_536).optional(),
    transports: z.array(transport).max(8).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(8_192).optional(),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults,
});

export const authenticationOptionsInput = z.object({ email: emailInput.optional() }).optional();

export const authenticationResponseInput = z.object({
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8_192),
    authenticatorData: base64url(65_536),
    signature: base64url(2_048),
    userHandle: base64url(1_024).optional(),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults,
});

export const removePasskeyInput = z.object({ id: base64url(1366).min(1) });

export type RegistrationOptionsInput = z.infer<typeof registrationOptionsInput>;
export type RegistrationResponse = z.infer<typeof registrationResponseInput>;
export type AuthenticationResponse = z.infer<typeof authenticationResponseInput>;

// Outputs: the WebAuthn options JSON as @simplewebauthn/server builds it (every field it may set,
// so none is stripped on the way to the browser; extensions stay free-form).
const credentialDescriptor = z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() });
const hints = z.array(z.enum(['hybrid', 'security-key', 'client-device'])).optional();
const userVerification = z.enum(['discouraged', 'preferred', 'required']).optional();

export const registrationOptionsOutput = z.object({
  challenge: z.string(),
  rp: z.object({ name: z.string(), id: z.string().optional() }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.object({ alg: z.number(), type: z.literal('public-key') })),
  timeout: z.number().optional(),
  excludeCredentials: z.array(credentialDescriptor).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.enum(['cross-platform', 'platform']).optional(),
      residentKey: z.enum(['discouraged', 'preferred', 'required']).optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification,
    })
    .optional(),
  hints,
  attestation: z.enum(['direct', 'enterprise', 'indirect', 'none']).optional(),
  attestationFormats: z.array(z.string()).optional(),
  extensions: z.unknown().optional(),
});

export const authenticationOptionsOutput = z.object({
  challenge: z.string(),
  timeout: z.number().optional(),
  rpId: z.string().optional(),
  allowCredentials: z.array(credentialDescriptor).optional(),
  userVerification,
  hints,
  extensions: z.unknown().optional(),
});

export const publicPasskeyOutput = z.object({
  id: z.string(),
  nickname: z.string().nullable(),
  transports: z.array(z.string()),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export const passkeyListOutput = z.array(publicPasskeyOutput);

/** A sign-up returns the new account's session token; adding a passkey to an account returns null. */
export const passkeyRegisteredOutput = z.object({ passkey: publicPasskeyOutput, user: publicUserOutput, token: z.string().nullable() });
