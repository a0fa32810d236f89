// system.*: liveness over tRPC.
import { publicProcedure, router } from '../trpc/init';
import { restRoutes } from '../trpc/rest-meta';
import { healthOutput } from './schema';

const route = restRoutes('system', { protect: false });

export const systemRouter = router({
  health: publicProcedure.meta(route('GET', '/system/health', 'Liveness')).output(healthOutput)
    .query(() => ({ status: 'ok' as const, time: new Date().toISOString() })),
});
