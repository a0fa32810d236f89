// Input and output schemas of sessions.*.
import { z } from 'zod';
import { publicSessionOutput } from '../auth/schema';

export const revokeSessionInput = z.object({ sessionId: z.string().min(1).max(64) });
export const sessionListOutput = z.array(publicSessionOutput);
export const revokeOthersOutput = z.object({ ok: z.literal(true), revoked: z.number().int() });
