// Inputs and outputs of auth.recovery.*: sizes limited, shapes exact (the REST mirror and the SDK's
// types come from them).
import { z } from 'zod';
import { emailInput, newPasswordInput, publicUserOutput } from '../schema';
import { phoneInput, publicPasskeyOutput, registrationOptionsOutput, registrationResponseInput } from '../passkey/schema';

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

/** The same WebAuthn creation options as auth.passkey.registrationOptions gives. */
export const passkeyOptionsOutput = registrationOptionsOutput;

export const recoveredOutput = z.object({
  user: publicUserOutput,
  token: z.string(),
  endedSessions: z.number().int(),
  removedPasskeys: z.number().int(),
});

export const recoveredWithPasskeyOutput = recoveredOutput.extend({
  passkey: publicPasskeyOutput,
});
