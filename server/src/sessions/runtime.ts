// What sessions keep per server instance: the open WebSockets of each session, closed with 4401
// when it is revoked. Added to AppDeps here (see deps.ts).
import { SocketRegistry } from './socket-registry';

export type SessionsRuntime = {
  /** Open WebSockets by the session that authenticated them (closed with 4401 on revocation). */
  sockets: SocketRegistry;
};

declare module '../deps' {
  interface AppDeps extends SessionsRuntime {}
}

export function createSessionsRuntime(): SessionsRuntime {
  return { sockets: new SocketRegistry() };
}
