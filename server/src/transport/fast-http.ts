// A lean tRPC-over-HTTP path for the common case: JSON queries (GET) and mutations (POST), batched
// or not, no transformer. tRPC's stock adapter turns every node:http request into a Fetch Request,
// an AbortSignal tree and a streamed Response; that costs ~9× a bare server's CPU per call (see
// bench/http.bench.ts). Here the procedures are called directly and the
// answer is written in one piece, byte-compatible with the stock adapter: the same envelopes
// ({result:{data}} / {error}), batch arrays, status codes (207 for mixed batches), headers and
// error formatter. Anything else (subscriptions over SSE, jsonl streaming, octet/form-data bodies,
// connectionParams, unknown procedures, wrong methods, lazy routers) goes to the stock handler.
// It is built on @trpc/server's unstable-core-do-not-import, so @trpc/server is pinned to the exact
// version it is byte-compatible with (11.25.2, in server/package.json and sdk/package.json): an
// upgrade must pass test/trpc-http.test.ts and test/trpc-ws.test.ts, which compare raw answers of
// this path and the stock adapter byte for byte.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyTRPCRouter } from '@trpc/server';
import {
  getErrorShape,
  getHTTPStatusCode,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  TRPCError,
  urlPathToProcedurePath,
} from '@trpc/server/unstable-core-do-not-import';
import { applyServerHeaders, type HeaderLines, type RouteHandler, writeHead } from '../http/routes';
import { callProcedureChain, noResultError, type ProcedureDef } from './call-procedure';

type ProcedureType = 'query' | 'mutation' | 'subscription';
type Procedure = ((opts: {
  path: string;
  getRawInput: () => Promise<unknown>;
  ctx: unknown;
  type: ProcedureType;
  signal: AbortSignal | undefined;
  batchIndex: number;
}) => Promise<unknown>) & { _def: ProcedureDef };

type Call = { path: string; procedure: Procedure; index: number };
type Outcome = { error: TRPCError; data?: undefined } | { error?: undefined; data: unknown };

export type FastHttpOptions<TContext> = {
  router: AnyTRPCRouter;
  /** The mount point, e.g. '/trpc/'. */
  basePath: string;
  maxBodyBytes: number;
  /** Calls in one batch; a longer batch goes to the stock adapter, whose maxBatchSize refuses it. */
  maxBatchCalls: number;
  createContext(req: IncomingMessage, res: ServerResponse): TContext | Promise<TContext>;
  /** Extra response headers (cookies, Retry-After), as the stock adapter's responseMeta gives them. */
  responseHeaders(ctx: TContext | undefined, errors: TRPCError[]): HeaderLines;
  onError(opts: { error: TRPCError; path: string | undefined; ctx: TContext | undefined }): void;
  /** Handles whatever this path does not: the stock adapter. */
  fallback: RouteHandler;
};

const METHOD_OF_TYPE = { query: 'GET', mutation: 'POST' } as const;

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semicolon = value.indexOf(';');
  return (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

/** Reads the whole body, or reports that it exceeds maxBytes (the rest is left for node to discard). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}

/** Same rule as the stock adapter: promises or async iterables need a streaming link. */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (isAsyncIterable(value)) return true;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (isPromise(item) || isAsyncIterable(item)) return true;
  }
  return false;
}

/**
 * The handler is mounted with { writesHead: true }: its answers carry the server's headers in their
 * one writeHead, and what it hands to the stock adapter gets them set first.
 */
export function createFastTrpcHttpHandler<TContext>(options: FastHttpOptions<TContext>): RouteHandler {
  const { router } = options;
  const fallback: RouteHandler = (req, res, url) => {
    applyServerHeaders(res);
    return options.fallback(req, res, url);
  };
  const config = router._def._config;
  const procedures = router._def.procedures as Record<string, Procedure | undefined>;
  const hasTransformer = !isIdentityTransformer(config.transformer);
  const base = options.basePath.replace(/\/+$/, '');

  /** findCalls' answers (read-only) by method and batch flag, then path: a few hundred distinct paths at most in practice. */
  const callsByPath = { GET: [new Map(), new Map()], POST: [new Map(), new Map()] } as Record<'GET' | 'POST', [Map<string, readonly Call[] | null>, Map<string, readonly Call[] | null>]>;
  function cachedCalls(pathname: string, batch: boolean, method: 'GET' | 'POST'): readonly Call[] | null {
    const byPath = callsByPath[method][batch ? 1 : 0];
    let calls = byPath.get(pathname);
    if (calls === undefined) {
      if (byPath.size >= 1000) byPath.clear();
      byPath.set(pathname, (calls = findCalls(pathname, batch, method)));
    }
    return calls;
  }

  /** The calls of a request when all of them can take the lean path, else null. */
  function findCalls(pathname: string, batch: boolean, method: string): Call[] | null {
    let rest = pathname.slice(base.length);
    while (rest.startsWith('/')) rest = rest.slice(1);
    while (rest.endsWith('/')) rest = rest.slice(0, -1);
    let decoded: string;
    try {
      decoded = urlPathToProcedurePath(decodeURIComponent(rest), config.pathSeparator);
    } catch {
      return null;
    }
    const paths = batch ? decoded.split(',') : [decoded];
    if (paths.length > options.maxBatchCalls) return null;
    const calls: Call[] = [];
    for (let index = 0; index < paths.length; index++) {
      const path = paths[index]!;
      const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
      if (typeof procedure !== 'function') return null;
      const type = procedure._def.type;
      if (type === 'subscription' || METHOD_OF_TYPE[type] !== method) return null;
      calls.push({ path, procedure, index });
    }
    return calls;
  }

  /** Parses the inputs as the stock JSON content handler does; errors surface when a procedure reads its input. */
  function parseInputs(raw: string | undefined, batch: boolean, count: number): { inputs: unknown[]; error?: TRPCError } {
    if (!raw) return { inputs: [] };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (cause) {
      return { inputs: [], error: new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause }) };
    }
    if (!batch) return { inputs: [parsed] };
    if (!isObject(parsed)) return { inputs: [], error: new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' }) };
    const inputs: unknown[] = new Array(count);
    for (let i = 0; i < count; i++) inputs[i] = (parsed as Record<string, unknown>)[i];
    return { inputs };
  }

  function send(res: ServerResponse, status: number, body: unknown, extra: HeaderLines) {
    // No transformer here (else the stock path runs): transformTRPCResponse would only copy the envelopes.
    const json = JSON.stringify(body);
    const lines: HeaderLines = ['vary', 'trpc-accept, accept', 'content-type', 'application/json', 'content-length', String(Buffer.byteLength(json))];
    writeHead(res, status, lines, extra);
    res.end(json);
  }

  return async (req, res, url) => {
    const method = req.method;
    if (hasTransformer || (method !== 'GET' && method !== 'POST')) return fallback(req, res, url);
    const headers = req.headers;
    if (headers['trpc-accept'] !== undefined || headers.accept?.includes('application/jsonl')) return fallback(req, res, url);
    const contentType = headers['content-type'];
    if (method === 'POST' ? !isJsonContentType(contentType) : contentType !== undefined && !isJsonContentType(contentType)) {
      return fallback(req, res, url);
    }
    const search = url.searchParams;
    if (search.has('connectionParams')) return fallback(req, res, url);
    const batch = search.get('batch') === '1';
    const calls = cachedCalls(url.pathname, batch, method);
    if (!calls) return fallback(req, res, url);

    let body: string | undefined;
    let inputError: TRPCError | undefined;
    if (method === 'POST') {
      const read = await readBody(req, options.maxBodyBytes);
      if (read === 'too-large') inputError = new TRPCError({ code: 'PAYLOAD_TOO_LARGE' });
      else body = read;
    } else {
      body = search.get('input') ?? undefined;
    }
    const parsed = inputError ? { inputs: [], error: inputError } : parseInputs(body, batch, calls.length);

    let ctx: TContext | undefined;
    try {
      const created = options.createContext(req, res);
      ctx = created instanceof Promise ? await created : created;
    } catch (cause) {
      // The stock adapter answers a failed createContext with one error object, even for a batch.
      const error = getTRPCErrorFromUnknown(cause);
      options.onError({ error, path: undefined, ctx: undefined });
      const type = calls[0]!.procedure._def.type;
      const shape = getErrorShape({ config, error, type, path: undefined, input: undefined, ctx: undefined });
      const envelope = { error: shape };
      return send(res, getHTTPStatusCode(envelope as never, [error]), envelope, options.responseHeaders(undefined, [error]));
    }

    const outcomes = calls.length === 1 ? [await runCall(calls[0]!, ctx, parsed)] : await Promise.all(calls.map((call) => runCall(call, ctx, parsed)));
    const errors: TRPCError[] = [];
    const envelopes = outcomes.map((outcome, i) => {
      const call = calls[i]!;
      if (!outcome.error) return { result: { data: outcome.data } };
      errors.push(outcome.error);
      options.onError({ error: outcome.error, path: call.path, ctx });
      const input = parsed.error ? undefined : parsed.inputs[call.index];
      return { error: getErrorShape({ config, error: outcome.error, type: call.procedure._def.type, path: call.path, input, ctx }) };
    });
    // All answered: 200, as getHTTPStatusCode says for any mix of successes alone.
    const status = errors.length === 0 ? 200 : getHTTPStatusCode(envelopes as never, outcomes.map((o) => o.error) as never);
    send(res, status, batch ? envelopes : envelopes[0], options.responseHeaders(ctx, errors));
  };

  function runCall(call: Call, ctx: unknown, parsed: { inputs: unknown[]; error?: TRPCError }): Promise<Outcome> {
    return callProcedureChain(call.procedure._def, {
      path: call.path,
      getRawInput: async () => {
        if (parsed.error) throw parsed.error;
        return parsed.inputs[call.index];
      },
      ctx,
      type: call.procedure._def.type,
      signal: undefined,
      batchIndex: call.index,
    }).then(toOutcome);
  }
}

function toOutcome(result: Awaited<ReturnType<typeof callProcedureChain>>): Outcome {
  if (!result) return { error: noResultError() };
  if (!result.ok) return { error: result.error };
  if (isDataStream(result.data)) {
    return { error: new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink' }) };
  }
  return { data: result.data };
}

/** tRPC's default transformer leaves values as they are; any other one needs the stock path. */
export function isIdentityTransformer(transformer: { input: { deserialize(v: unknown): unknown }; output: { serialize(v: unknown): unknown } }): boolean {
  const probe = { probe: [1] };
  return transformer.output.serialize(probe) === probe && transformer.input.deserialize(probe) === probe;
}
