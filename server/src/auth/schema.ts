// Input schemas of the auth procedures.
import { z } from 'zod';

export const emailInput = z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be a valid email address'));
/** NIST SP 800-63B: at least 8, at most 128 characters; longer is refused, never truncated. */
export const newPasswordInput = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters');
/** Sign-in accepts any string up to the limit so old passwords still verify. */
export const passwordInput = z.string().min(1, 'is required').max(128, 'must be at most 128 characters');

export const registerInput = z.object({
  email: emailInput,
  password: newPasswordInput,
  name: z.string().trim().min(1).max(100).optional(),
});

export const loginInput = z.object({ email: emailInput, password: passwordInput });
