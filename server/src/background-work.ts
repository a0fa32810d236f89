// Work a service starts after answering (a mail, an SMS): tracked so that tests and shutdown can wait
// until it has settled. Failures are the job's own to log; a tracked job never rejects into the caller.

export interface BackgroundWork {
  /** Keeps `job` until it settles. */
  track(job: Promise<unknown>): void;
  /** Resolves once everything tracked (including what tracked work starts meanwhile) has settled. */
  idle(): Promise<void>;
}

export function createBackgroundWork(): BackgroundWork {
  const pending = new Set<Promise<unknown>>();
  return {
    track(job) {
      const settled: Promise<unknown> = job.catch(() => {}).finally(() => pending.delete(settled));
      pending.add(settled);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
