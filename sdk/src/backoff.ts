// Reconnect delays: exponential backoff with full jitter, so clients dropped together by one
// outage don't come back together.
const BASE_MS = 300;
const MAX_MS = 15_000;

export function backoffDelay(attempt: number): number {
  const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
