// A subscription result that can also be pushed: besides being an ordinary async iterable (what
// every transport and tRPC's own adapters read), it takes an observer under PUSH_SUBSCRIBE. The lean
// WebSocket handler (fast-ws-calls.ts) uses that, so an idle subscription is the observer and the
// source's own state: no async function parked on next(), no promise chain, no AbortSignal kept.
// The observer's calls mean what tRPC's observables mean: next (a value; tracked() envelopes
// included), error (answered, then `stopped`), complete (`stopped`); unsubscribe ends it quietly.

export const PUSH_SUBSCRIBE = Symbol.for('parley.pushSubscribe');

export type PushObserver = { next(value: unknown): void; error(cause: unknown): void; complete(): void };
export type PushSubscription = { unsubscribe(): void };
export type PushSource = AsyncIterable<unknown> & { [PUSH_SUBSCRIBE](observer: PushObserver): PushSubscription };

export function isPushSource(value: unknown): value is PushSource {
  return typeof value === 'object' && value !== null && typeof (value as Partial<PushSource>)[PUSH_SUBSCRIBE] === 'function';
}
