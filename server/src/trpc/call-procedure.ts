// Calls a tRPC procedure through its middleware chain exactly as tRPC's own caller does
// (createProcedureCaller/callRecursive in @trpc/server), with native object spread instead of
// the transpiled _objectSpread2 helper tRPC ships: that helper's defineProperty per key was the
// largest single item of tRPC's share in a --cpu-prof of auth.me (bench/http.bench.ts).
import { getTRPCErrorFromUnknown, middlewareMarker, TRPCError } from '@trpc/server/unstable-core-do-not-import';

type MiddlewareResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };
type NextOptions = { ctx?: Record<string, unknown>; input?: unknown; getRawInput?: () => Promise<unknown> };
type CallOptions = {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  ctx: unknown;
  getRawInput: () => Promise<unknown>;
  input?: unknown;
  signal: AbortSignal | undefined;
  batchIndex: number;
};
type Middleware = (opts: CallOptions & { meta: unknown; next(opts?: NextOptions): Promise<MiddlewareResult> }) => Promise<MiddlewareResult>;
export type ProcedureDef = { middlewares: Middleware[]; meta: unknown; type: CallOptions['type'] };

async function callFrom(index: number, def: ProcedureDef, opts: CallOptions): Promise<MiddlewareResult> {
  try {
    return await def.middlewares[index]!({
      ...opts,
      meta: def.meta,
      input: opts.input,
      next(nextOpts) {
        return callFrom(index + 1, def, {
          ...opts,
          ctx: nextOpts?.ctx ? { ...(opts.ctx as Record<string, unknown>), ...nextOpts.ctx } : opts.ctx,
          input: nextOpts && 'input' in nextOpts ? nextOpts.input : opts.input,
          getRawInput: nextOpts?.getRawInput ?? opts.getRawInput,
        });
      },
    });
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker } as MiddlewareResult;
  }
}

/** The procedure's result, or throws its error, like calling the procedure itself. */
export async function callProcedureLean(def: ProcedureDef, opts: CallOptions): Promise<unknown> {
  const result = await callFrom(0, def, opts);
  if (!result) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'No result from middlewares - did you forget to `return next()`?' });
  if (!result.ok) throw result.error;
  return result.data;
}
