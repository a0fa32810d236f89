// system.*: liveness over tRPC.
import { publicProcedure, router } from '../trpc/init';
import { healthOutput } from './schema';

export const systemRouter = router({
  health: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/system/health', tags: ['system'], protect: false, summary: 'Liveness' } })
    .output(healthOutput)
    .query(() => ({ status: 'ok' as const, time: new Date().toISOString() })),
});
