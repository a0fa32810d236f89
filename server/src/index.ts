// @parley/server's public surface: start a server, and the router type the SDK is built on.
export { startParley, type ParleyServer } from './app';
export { loadConfig, type Config } from './config';
export type { AppRouter } from './trpc/router';
