// system.*: liveness over tRPC.
import { publicProcedure, router } from '../trpc/init';

export const systemRouter = router({
  health: publicProcedure.query(() => ({ status: 'ok' as const, time: new Date().toISOString() })),
});
