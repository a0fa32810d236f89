// A small route table for node:http: exact paths and prefixes, plus WebSocket upgrade paths.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export class RouteTable {
  private readonly exact = new Map<string, RouteHandler>();
  private readonly prefixes: [string, RouteHandler][] = [];
  private readonly patterns: [RegExp, RouteHandler][] = [];
  readonly upgrades = new Map<string, UpgradeHandler>();

  /** '/health' matches exactly; '/trpc/' matches the prefix; a RegExp matches the pathname. */
  add(path: string | RegExp, handler: RouteHandler): this {
    if (path instanceof RegExp) this.patterns.push([path, handler]);
    else if (path.endsWith('/')) this.prefixes.push([path, handler]);
    else this.exact.set(path, handler);
    return this;
  }

  upgrade(path: string, handler: UpgradeHandler): this {
    this.upgrades.set(path, handler);
    return this;
  }

  /** Returns the handler and a route label for metrics (never the raw path, which holds ids). */
  find(pathname: string): { handler: RouteHandler; label: string } | null {
    const exact = this.exact.get(pathname);
    if (exact) return { handler: exact, label: pathname };
    for (const [prefix, handler] of this.prefixes) if (pathname.startsWith(prefix)) return { handler, label: `${prefix}*` };
    for (const [pattern, handler] of this.patterns) if (pattern.test(pathname)) return { handler, label: pattern.source };
    return null;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}
