// Input schemas of the auth procedures.
import { z } from 'zod';

export const emailInput = z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be a valid email address'));
/** NIST SP 800-63B: at least 8, at most 128 characters; longer is refused, never truncated. */
export const newPasswordInput = z
  .string()
  .max(512, 'must be at most 128 characters')
  .refine((p) => [...p].length >= 8, 'must be at least 8 characters')
  .refine((p) => [...p].length <= 128, 'must be at most 128 characters');
/** Sign-in accepts any string up to the limit so old passwords still verify. */
export const passwordInput = z.string().min(1, 'is required').max(512, 'must be at most 128 characters');

export const registerInput = z.object({
  email: emailInput,
  password: newPasswordInput,
  name: z.string().trim().min(1).max(100).optional(),
});

export const loginInput = z.object({ email: emailInput, password: passwordInput });

const tokenInput = z.string().min(1, 'is required').max(200, 'is not a valid token');

export const changePasswordInput = z.object({ currentPassword: passwordInput, newPassword: newPasswordInput });
export const requestPasswordResetInput = z.object({ email: emailInput });
export const resetPasswordInput = z.object({
  token: tokenInput,
  newPassword: newPasswordInput,
  /** Passkeys are removed with a reset (one may be an intruder's) unless the owner keeps them. */
  keepPasskeys: z.boolean().default(false),
});
export const verifyEmailInput = z.object({ token: tokenInput });

// Output shapes: the REST mirror (/api, /openapi.json) and the SDK's types are generated from them.
export const publicUserOutput = z.object({
  id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  emailVerified: z.boolean(),
  kind: z.enum(['member', 'guest']),
  alias: z.string().nullable(),
  gender: z.string().nullable(),
  displayName: z.string(),
  createdAt: z.string(),
});

export const publicSessionOutput = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

export const signedInOutput = z.object({ user: publicUserOutput, token: z.string() });
/** auth.login: signed in, or (TOTP on) a challenge for auth.totp.verifyLogin. */
export const loginOutput = z.union([signedInOutput, z.object({ twoFactorRequired: z.literal(true), challenge: z.string() })]);
export const meOutput = z.object({ user: publicUserOutput, session: publicSessionOutput });

export const guestInput = z.object({
  alias: z.string().trim().min(2, 'must be at least 2 characters').max(32, 'must be at most 32 characters'),
  gender: z.string().trim().min(1).max(32).optional(),
});

export const upgradeGuestInput = z.object({ email: emailInput, password: newPasswordInput });

export const changePasswordOutput = z.object({ ok: z.literal(true), endedSessions: z.number().int() });
export const requestEmailVerificationOutput = z.object({ ok: z.literal(true), alreadyVerified: z.boolean() });
