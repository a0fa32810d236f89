// A password-hashing thread (see hash-threads.ts). Argon2 runs here synchronously, one job after
// another in the order they arrive; the main thread keeps the next job waiting in this thread's
// queue so no time is lost between two hashes. Plain JavaScript: it starts the same from the
// sources and from the build (copied beside main.mjs), without a TypeScript loader.
import { parentPort } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';

parentPort.on('message', (job) => {
  if (job.op === 'crash') process.exit(70); // tests: a thread dies as a fault in native code would end it
  try {
    const result = job.op === 'hash' ? hashSync(job.password, job.options) : verifySync(job.hash, job.password);
    parentPort.postMessage({ result });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
