// system.*: liveness over tRPC.
import { z } from 'zod';
import { publicProcedure, router } from '../trpc/init';

export const systemRouter = router({
  health: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/system/health', tags: ['system'], protect: false, summary: 'Liveness' } })
    .output(z.object({ status: z.literal('ok'), time: z.string().meta({ format: 'date-time' }) }))
    .query(() => ({ status: 'ok' as const, time: new Date().toISOString() })),
});
