// Output schemas of the auth procedures: they check what leaves the server and describe it in
// /openapi.json for the REST mirrors. Dates travel as ISO-8601 strings.
import { z } from 'zod';

export const publicUserOutput = z.object({
  id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  emailVerified: z.boolean(),
  kind: z.enum(['member', 'guest']),
  alias: z.string().nullable(),
  gender: z.string().nullable(),
  displayName: z.string(),
  createdAt: z.string().meta({ format: 'date-time' }),
});

export const publicSessionOutput = z.object({
  id: z.string(),
  createdAt: z.string().meta({ format: 'date-time' }),
  lastSeenAt: z.string().meta({ format: 'date-time' }),
  expiresAt: z.string().meta({ format: 'date-time' }),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

/** register / login: the user and the session token (given once; also set as the cookie). */
export const signedInOutput = z.object({ user: publicUserOutput, token: z.string() });

export const meOutput = z.object({ user: publicUserOutput, session: publicSessionOutput });

export const okOutput = z.object({ ok: z.literal(true) });
