// Inputs and outputs of auth.recovery.*: sizes limited, shapes exact (the REST mirror and the SDK's
// types come from them).
import { z } from 'zod';
import { emailInput, newPasswordInput, publicUserOutput } from '../schema';
import { phoneInput, registrationResponseInput } from '../passkey/schema';

const grantInput = z.string().min(1, 'is required').max(200, 'is not a valid recovery grant');
/** Unless set, recovery ends every other session and removes every old passkey. */
const keepOptions = {
  keepSessions: z.boolean().default(false),
  keepPasskeys: z.boolean().default(false),
};

export const requestPhoneCodeInput = z.object({ phone: phoneInput });
export const verifyPhoneCodeInput = z.object({
  phone: phoneInput,
  code: z.string().trim().regex(/^\d{6}$/, 'must be the 6 digits of the code'),
});
export const requestEmailLinkInput = z.object({ email: emailInput });
export const redeemEmailLinkInput = z.object({ token: z.string().min(1, 'is required').max(200, 'is not a valid token') });
export const passkeyOptionsInput = z.object({ grant: grantInput, nickname: z.string().trim().min(1).max(64).optional() });
export const recoverWithPasskeyInput = z.object({ grant: grantInput, response: registrationResponseInput, ...keepOptions });
export const recoverWithPasswordInput = z.object({ grant: grantInput, newPassword: newPasswordInput, ...keepOptions });

export const grantOutput = z.object({
  /** Pass it to passkeyOptions, then to registerPasskey (or to setPassword). */
  grant: z.string(),
  expiresAt: z.string(),
});

/** PublicKeyCredentialCreationOptionsJSON, as navigator.credentials.create wants it (after base64url decoding). */
export const passkeyOptionsOutput = z.object({
  challenge: z.string(),
  rp: z.object({ id: z.string().optional(), name: z.string() }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.object({ type: z.string(), alg: z.number() })),
  timeout: z.number().optional(),
  excludeCredentials: z.array(z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() })).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.string().optional(),
      residentKey: z.string().optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification: z.string().optional(),
    })
    .optional(),
  hints: z.array(z.string()).optional(),
  attestation: z.string().optional(),
  extensions: z.object({ credProps: z.boolean().optional() }).optional(),
});

export const recoveredOutput = z.object({
  user: publicUserOutput,
  token: z.string(),
  endedSessions: z.number().int(),
  removedPasskeys: z.number().int(),
});

export const recoveredWithPasskeyOutput = recoveredOutput.extend({
  passkey: z.object({
    id: z.string(),
    nickname: z.string().nullable(),
    transports: z.array(z.string()),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  }),
});
