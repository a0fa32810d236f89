// Calls a tRPC procedure through its middleware chain with the semantics of tRPC's own caller
// (createProcedureCaller/callRecursive in @trpc/server): each middleware gets { ctx, type, path,
// input, getRawInput, meta, signal, batchIndex, next }, next(opts) merges ctx, replaces input or
// getRawInput, and a throw anywhere becomes { ok: false, error }. What differs is cost: tRPC copies
// the whole option object twice per level with its transpiled _objectSpread2 helper (a
// defineProperty per key); here each level builds one object literal of a fixed shape, and the
// output validator, when a procedure has one, runs its parser without copying the result. A
// --cpu-prof of auth.me (bench/http.bench.ts) had tRPC's chain as the largest item of the request.
import { getParseFn, getTRPCErrorFromUnknown, middlewareMarker, TRPCError } from '@trpc/server/unstable-core-do-not-import';

type MiddlewareResult = { ok: true; data: unknown; marker?: unknown; ctx?: unknown } | { ok: false; error: TRPCError; marker?: unknown };
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
type MiddlewareOptions = CallOptions & { meta: unknown; next(opts?: NextOptions): Promise<MiddlewareResult> };
type Middleware = ((opts: MiddlewareOptions) => Promise<MiddlewareResult>) & { _type?: string };
export type ProcedureDef = { middlewares: Middleware[]; meta: unknown; type: CallOptions['type']; output?: unknown };

/** The same for every level of one call: what tRPC passes down unchanged. */
type Call = { def: ProcedureDef; chain: Middleware[]; path: string; type: CallOptions['type']; signal: AbortSignal | undefined; batchIndex: number };

async function callFrom(index: number, call: Call, ctx: unknown, input: unknown, getRawInput: () => Promise<unknown>): Promise<MiddlewareResult> {
  try {
    return await call.chain[index]!({
      ctx,
      type: call.type,
      path: call.path,
      input,
      getRawInput,
      meta: call.def.meta,
      signal: call.signal,
      batchIndex: call.batchIndex,
      next: (next?: NextOptions) =>
        callFrom(
          index + 1,
          call,
          next?.ctx ? { ...(ctx as Record<string, unknown>), ...next.ctx } : ctx,
          next && 'input' in next ? next.input : input,
          next?.getRawInput ?? getRawInput,
        ),
    });
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker };
  }
}

/** tRPC's output validator, minus its two copies of the result: parse, and keep the result's shape. */
function outputValidator(parse: (value: unknown) => unknown): Middleware {
  return async ({ next }) => {
    const result = await next();
    if (!result.ok) return result;
    let data: unknown;
    try {
      data = await parse(result.data);
    } catch (cause) {
      throw new TRPCError({ message: 'Output validation failed', code: 'INTERNAL_SERVER_ERROR', cause });
    }
    return { marker: result.marker, ok: true, data, ctx: result.ctx };
  };
}

/**
 * The chain to run: the procedure's own middlewares, with its output validator replaced by the
 * lean one above when there is exactly one (then def.output is its parser; tRPC's getParseFn reads it
 * as tRPC does).
 */
const chains = new WeakMap<ProcedureDef, Middleware[]>();
function chainOf(def: ProcedureDef): Middleware[] {
  let chain = chains.get(def);
  if (chain) return chain;
  chain = def.middlewares;
  if (def.output && chain.filter((m) => m._type === 'output').length === 1) {
    const parse = getParseFn(def.output as Parameters<typeof getParseFn>[0]);
    chain = chain.map((m) => (m._type === 'output' ? outputValidator(parse) : m));
  }
  chains.set(def, chain);
  return chain;
}

/** What the middleware chain answers: { ok: true, data } or { ok: false, error }; never rejects. */
export function callProcedureChain(def: ProcedureDef, opts: CallOptions): Promise<MiddlewareResult | undefined> {
  const call: Call = { def, chain: chainOf(def), path: opts.path, type: opts.type, signal: opts.signal, batchIndex: opts.batchIndex };
  return callFrom(0, call, opts.ctx, opts.input, opts.getRawInput);
}

/** A chain that ended without a result (a middleware that did not return next()), as tRPC reports it. */
export function noResultError(): TRPCError {
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'No result from middlewares - did you forget to `return next()`?' });
}

/** The procedure's result, or throws its error, like calling the procedure itself. */
export async function callProcedureLean(def: ProcedureDef, opts: CallOptions): Promise<unknown> {
  const result = await callProcedureChain(def, opts);
  if (!result) throw noResultError();
  if (!result.ok) throw result.error;
  return result.data;
}
