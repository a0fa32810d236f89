// system.* shapes.
import { z } from 'zod';

export const healthOutput = z.object({ status: z.literal('ok'), time: z.string().meta({ format: 'date-time' }) });
