// Calls arriving on a lean tRPC WebSocket connection (see fast-ws.ts): queries and mutations
// answered once, subscriptions streamed with started/data/stopped, as the stock adapter does.
import type { TRPCClientOutgoingMessage } from '@trpc/server/rpc';
import { isObservable, observableToAsyncIterable } from '@trpc/server/observable';
import {
  callProcedure,
  getTRPCErrorFromUnknown,
  isAbortError,
  isAsyncIterable,
  isObject,
  isTrackedEnvelope,
  TRPCError,
} from '@trpc/server/unstable-core-do-not-import';
import { callProcedureLean, type ProcedureDef } from './call-procedure';
import { CALLS_IN_FLIGHT_PER_CONNECTION } from './connection-limits';
import { getEventListeners } from 'node:events';
import { abortOnce, type CallType, type Connection, type FastWsOptions, OPEN, type Replies, type RequestId, stopSubscription } from './fast-ws-connection';
import { isPushSource, PUSH_SUBSCRIBE, type PushObserver, type PushSource, type PushSubscription } from './push-subscription';

type Procedure = { _def: ProcedureDef };

export function createCallRunner<TContext>(options: FastWsOptions<TContext>, replies: Replies<TContext>) {
  const { router } = options;
  const procedures = router._def.procedures as Record<string, Procedure | undefined>;
  const { respond, report, respondWithError, subscriptionContext } = replies;
  type Conn = Connection<TContext>;

  function call(conn: Conn, type: CallType, path: string, input: unknown, signal: AbortSignal | undefined, batchIndex: number, ctx = conn.ctx) {
    const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
    const getRawInput = async () => input;
    if (procedure && procedure._def.type === type) {
      return callProcedureLean(procedure._def, { path, getRawInput, ctx, type, signal, batchIndex });
    }
    // Lazy routers and the NOT_FOUND answer, exactly as tRPC gives them.
    return callProcedure({ router, path, getRawInput, ctx, type, signal, batchIndex });
  }

  const highWaterBytes = options.limits.maxBufferedBytes / 4;

  /**
   * Queries and mutations queue per connection and start only while the client reads its replies:
   * a batch of history calls never materialises all its answers at once, and nothing new starts
   * while replies pile up (reading from the socket pauses too, until the keep-alive tick sees it drained).
   */
  function dispatch(conn: Conn, message: TRPCClientOutgoingMessage, batchIndex: number): void {
    if (message.method !== 'query' && message.method !== 'mutation') {
      handleRequest(conn, message, batchIndex).catch(reportStray);
      return;
    }
    (conn.waiting ??= []).push({ message, index: batchIndex });
    startWaiting(conn);
  }

  function startWaiting(conn: Conn): void {
    const socket = conn.socket;
    while (conn.waiting?.length && conn.running < CALLS_IN_FLIGHT_PER_CONNECTION && socket.readyState === OPEN) {
      if (socket.bufferedAmount > highWaterBytes) {
        if (!conn.stalledSince) {
          conn.stalledSince = Date.now();
          socket.pause();
        }
        return;
      }
      const next = conn.waiting.shift()!;
      conn.running++;
      handleRequest(conn, next.message, next.index)
        .catch(reportStray)
        .finally(() => {
          conn.running--;
          startWaiting(conn);
        });
    }
  }

  /** The keep-alive tick: resumes a connection whose client caught up, closes one stalled too long. */
  function checkStalled(conn: Conn, now: number, stallLimitMs: number): void {
    const socket = conn.socket;
    if (!conn.stalledSince || socket.readyState !== OPEN) return;
    if (socket.bufferedAmount <= highWaterBytes) {
      conn.stalledSince = 0;
      socket.resume();
      startWaiting(conn);
    } else if (now - conn.stalledSince >= stallLimitMs) {
      replies.closeNotReading(conn);
    }
  }

  async function handleRequest(conn: Conn, message: TRPCClientOutgoingMessage, batchIndex: number): Promise<void> {
    const { id, jsonrpc } = message;
    if (id === null) {
      respondWithError(conn, id, jsonrpc, new TRPCError({ code: 'PARSE_ERROR', message: '`id` is required' }), 'unknown');
      return;
    }
    if (message.method === 'subscription.stop') {
      const handle = conn.findSubscription(id);
      if (handle) stopSubscription(handle);
      return;
    }
    const { path, lastEventId } = message.params;
    const type = message.method;
    let input = message.params.input;
    if (lastEventId !== undefined) input = isObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });
    if (type === 'subscription') {
      if (conn.findSubscription(id)) {
        respondWithError(conn, id, jsonrpc, new TRPCError({ message: `Duplicate id ${id}`, code: 'BAD_REQUEST' }), type, path, input);
        return;
      }
      return runSubscription(conn, id, jsonrpc, path, input, batchIndex);
    }
    try {
      const failed = await conn.ready;
      if (failed) throw failed;
      const data = await call(conn, type, path, input, undefined, batchIndex);
      if (isAsyncIterable(data) || isObservable(data)) {
        throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `Cannot return an async iterable or observable from a ${type} procedure with WebSockets` });
      }
      respond(conn, { id, jsonrpc, result: { type: 'data', data } });
    } catch (cause) {
      respondWithError(conn, id, jsonrpc, cause, type, path, input);
    }
  }

  /**
   * The subscription's whole life in one async function (an idle subscription is this function
   * parked on iterator.next()); the id is freed right before the client hears `stopped`.
   */
  async function runSubscription(conn: Conn, id: RequestId, jsonrpc: '2.0' | undefined, path: string, input: unknown, batchIndex: number) {
    const controller = new AbortController();
    const signal = controller.signal;
    // Registered before any await: a stop or a disconnect during setup cancels it.
    conn.addSubscription(id, controller);
    let error: TRPCError | null = null;
    let iterator: AsyncIterator<unknown> | null = null;
    try {
      const opened = await openSubscription(conn, id, jsonrpc, path, input, batchIndex, controller);
      if (opened && isPushSource(opened)) return startPushed(conn, id, jsonrpc, path, input, controller, opened);
      iterator = opened;
    } catch (cause) {
      error = getTRPCErrorFromUnknown(cause);
    }
    if (iterator) {
      respond(conn, { id, jsonrpc, result: { type: 'started' } });
      let completed = false;
      try {
        for (;;) {
          let next: IteratorResult<unknown>;
          try {
            next = await iterator.next();
          } catch (cause) {
            const failure = getTRPCErrorFromUnknown(cause);
            if (!signal.aborted) throw failure;
            if (!isAbortError(failure.cause)) report(conn, failure, 'subscription', path, input);
            break;
          }
          // Stopped while waiting: the value is not sent (the stock adapter races next() with the signal).
          if (signal.aborted) break;
          if (next.done) {
            completed = true;
            break;
          }
          // The next value is asked for only once this one was handed to the socket (rooms rely on it).
          respond(conn, { id, jsonrpc, result: dataResult(next.value) });
        }
      } catch (cause) {
        error = getTRPCErrorFromUnknown(cause);
      }
      // Cleanup that waits for cancellation is woken unless the iterator finished by itself.
      if (!completed) abortOnce(controller);
      try {
        await iterator.return?.();
      } catch (cause) {
        report(conn, getTRPCErrorFromUnknown(cause), 'subscription', path, input);
      }
      // An iteration error is answered, and `stopped` follows it.
      if (error) respondWithError(conn, id, jsonrpc, error, 'subscription', path, input);
      error = null;
    }
    if (conn.socket.readyState !== OPEN) abortOnce(controller);
    conn.removeSubscription(id, controller);
    // A setup error is answered instead of `stopped`, unless it only says the setup was cancelled.
    const cancelled = error && signal.aborted && error.code === 'INTERNAL_SERVER_ERROR' && isAbortError(error.cause);
    if (error && !cancelled) respondWithError(conn, id, jsonrpc, error, 'subscription', path, input);
    else respond(conn, { id, jsonrpc, result: { type: 'stopped' } });
  }

  /**
   * Calls the procedure; the iterator to stream (or the source to subscribe to, when it can be
   * pushed), or null when there is nothing to stream. Throws setup errors.
   */
  async function openSubscription(conn: Conn, id: RequestId, jsonrpc: '2.0' | undefined, path: string, input: unknown, batchIndex: number, controller: AbortController): Promise<AsyncIterator<unknown> | PushSource | null> {
    const { socket } = conn;
    const signal = controller.signal;
    const failed = await conn.ready;
    if (failed) throw failed;
    if (signal.aborted || socket.readyState !== OPEN) return null;
    const result = await call(conn, 'subscription', path, input, signal, batchIndex, subscriptionContext(conn.ctx as TContext, id, jsonrpc));
    const observable = isObservable(result);
    if (!observable && !isAsyncIterable(result)) {
      throw new TRPCError({ message: `Subscription ${path} did not return an observable or a AsyncGenerator`, code: 'INTERNAL_SERVER_ERROR' });
    }
    if (isPushSource(result)) {
      if (!signal.aborted && socket.readyState === OPEN) return result;
      // Stopped during the setup: subscribing and unsubscribing releases what the source holds.
      abortOnce(controller);
      result[PUSH_SUBSCRIBE](IGNORED).unsubscribe();
      return null;
    }
    if (socket.readyState !== OPEN) {
      abortOnce(controller);
      if (observable) return null;
    }
    const iterable = (observable ? observableToAsyncIterable(result, signal) : result) as AsyncIterable<unknown>;
    const iterator = iterable[Symbol.asyncIterator]();
    if (!signal.aborted && socket.readyState === OPEN) return iterator;
    abortOnce(controller);
    await iterator.return?.().catch((cause: unknown) => report(conn, getTRPCErrorFromUnknown(cause), 'subscription', path, input));
    return null;
  }

  /**
   * A pushed subscription: `started`, then the source calls the observer. The observer replaces the
   * setup's AbortController as the connection's handle; the controller is kept only while something
   * listens to its signal (the procedure may have), else stopping the source is the observer's job.
   */
  function startPushed(conn: Conn, id: RequestId, jsonrpc: '2.0' | undefined, path: string, input: unknown, controller: AbortController, source: PushSource): void {
    respond(conn, { id, jsonrpc, result: { type: 'started' } });
    const observer = new PushedSubscription(conn, id, jsonrpc, path, input, controller);
    if (!conn.replaceSubscription(id, controller, observer)) {
      source[PUSH_SUBSCRIBE](IGNORED).unsubscribe();
      return;
    }
    let subscription: PushSubscription;
    try {
      subscription = source[PUSH_SUBSCRIBE](observer);
    } catch (cause) {
      observer.error(cause);
      return;
    }
    if (observer.done) subscription.unsubscribe();
    else observer.subscription = subscription;
    if (getEventListeners(controller.signal, 'abort').length === 0) observer.controller = null;
  }

  /** One pushed subscription: the observer its source calls, and the connection's handle to stop it. */
  class PushedSubscription implements PushObserver {
    subscription: PushSubscription | null = null;
    done = false;

    constructor(
      readonly conn: Conn,
      readonly id: RequestId,
      readonly jsonrpc: '2.0' | undefined,
      readonly path: string,
      readonly input: unknown,
      public controller: AbortController | null,
    ) {}

    next(value: unknown): void {
      if (this.done) return;
      try {
        respond(this.conn, { id: this.id, jsonrpc: this.jsonrpc, result: dataResult(value) });
      } catch (cause) {
        this.error(cause); // as an iterated subscription whose value fails to encode
      }
    }

    error(cause: unknown): void {
      this.end(getTRPCErrorFromUnknown(cause));
    }

    complete(): void {
      this.end(null);
    }

    /** The client's subscription.stop, or the connection closing: `stopped` (when still open), no error. */
    stop(): void {
      this.end(null);
    }

    private end(error: TRPCError | null): void {
      if (this.done) return;
      this.done = true;
      const { conn, id, jsonrpc } = this;
      if (this.controller) abortOnce(this.controller);
      try {
        this.subscription?.unsubscribe();
      } catch (cause) {
        report(conn, getTRPCErrorFromUnknown(cause), 'subscription', this.path, this.input);
      }
      this.subscription = null;
      if (error) respondWithError(conn, id, jsonrpc, error, 'subscription', this.path, this.input);
      conn.removeSubscription(id, this);
      respond(conn, { id, jsonrpc, result: { type: 'stopped' } });
    }
  }

  /** handleRequest answers its own errors; this catches only a failure to do so. */
  function reportStray(cause: unknown): void {
    try {
      options.onError({ error: getTRPCErrorFromUnknown(cause), path: undefined, type: 'unknown', input: undefined, ctx: undefined });
    } catch {
      console.error('[parley fast-ws]', cause);
    }
  }

  return { dispatch, checkStalled, reportStray };
}

const IGNORED: PushObserver = { next() {}, error() {}, complete() {} };

/** A data result; a tracked() value carries its event id twice, in the stock adapter's key order. */
function dataResult(value: unknown) {
  if (!isTrackedEnvelope(value)) return { type: 'data' as const, data: value };
  const [eventId, data] = value;
  return { type: 'data' as const, data: { id: eventId, data }, id: eventId };
}
