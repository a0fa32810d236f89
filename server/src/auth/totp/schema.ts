// Input schemas of auth.totp.*.
import { z } from 'zod';

/** Six digits from the app, or a recovery code ("abcd-efgh-ijkl-mnop"). */
const codeInput = z.string().trim().min(6, 'must be at least 6 characters').max(32, 'must be at most 32 characters');

export const enableTotpInput = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code from your app') });
export const disableTotpInput = z.object({ code: codeInput });
export const verifyLoginInput = z.object({ challenge: z.string().min(1).max(128), code: codeInput });

export const totpSetupOutput = z.object({
  /** Base32, for typing into an app by hand. */
  secret: z.string(),
  /** otpauth:// URI, what the QR code holds. */
  uri: z.string(),
  qrCodeSvg: z.string(),
  qrCodeDataUrl: z.string(),
});
export const totpEnableOutput = z.object({ recoveryCodes: z.array(z.string()) });
