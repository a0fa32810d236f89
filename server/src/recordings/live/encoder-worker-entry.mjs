// Entry of an encoder thread (see encoder-pool.ts): the server runs its TypeScript through tsx,
// and a worker thread starts without the parent's loader, so it registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./encoder-worker.ts');
