// A small route table for node:http: exact paths and prefixes, plus WebSocket upgrade paths.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** What handlers read of the request target: a URL's pathname and query. */
export type RequestUrl = Pick<URL, 'pathname' | 'searchParams'>;
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: RequestUrl) => void | Promise<void>;

/** Characters a path may hold for WHATWG URL parsing to leave it exactly as it is. */
const PLAIN_PATH = /^\/(?![/.])(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|\/(?![/.]))*$/;
/** A query URLSearchParams reads exactly as it reads URL's (percent-decoding makes URL's escaping moot). */
const PLAIN_QUERY = /^[\x21-\x7e]*$/;

class PlainRequestUrl implements RequestUrl {
  private params: URLSearchParams | undefined;
  constructor(
    readonly pathname: string,
    private readonly query: string,
  ) {}
  get searchParams(): URLSearchParams {
    // URLSearchParams drops one leading '?' of a string: give it one, so a query starting with '?' stays.
    return (this.params ??= new URLSearchParams(`?${this.query}`));
  }
}

/**
 * The request target as new URL(target, base) would read it: plain targets (most API calls) are
 * split as they are, without the ~2-4 µs of a full WHATWG parse; anything else (dot segments,
 * percent escapes, double slashes, spaces, non-ASCII) goes through URL. Throws like URL on garbage.
 */
export function parseRequestUrl(target: string): RequestUrl {
  const question = target.indexOf('?');
  const path = question < 0 ? target : target.slice(0, question);
  const query = question < 0 ? '' : target.slice(question + 1);
  if (PLAIN_PATH.test(path) && PLAIN_QUERY.test(query) && !query.includes('#')) {
    return new PlainRequestUrl(path, query);
  }
  return new URL(target, 'http://localhost');
}
/** Response header lines, flat: name, value, name, value ... (a value may be a list, e.g. set-cookie). */
export type HeaderLines = (string | string[])[];
export type RouteOptions = {
  /**
   * The handler writes its head only through writeHead() below, so the server's own headers
   * (request id, security headers, CORS) go out with it in one piece instead of one setHeader each.
   */
  writesHead?: boolean;
};

const SERVER_HEADERS = Symbol('parley.serverHeaders');
type WithServerHeaders = ServerResponse & { [SERVER_HEADERS]?: HeaderLines };

/** For writesHead routes: the server's headers, written by writeHead() or applyServerHeaders(). */
export function holdServerHeaders(res: ServerResponse, lines: HeaderLines): void {
  (res as WithServerHeaders)[SERVER_HEADERS] = lines;
}

/** Sets the server's held headers on res now (a writesHead route handing the response to other code). */
export function applyServerHeaders(res: ServerResponse): void {
  const held = (res as WithServerHeaders)[SERVER_HEADERS];
  if (!held) return;
  (res as WithServerHeaders)[SERVER_HEADERS] = undefined;
  for (let i = 0; i < held.length; i += 2) res.setHeader(held[i] as string, held[i + 1]!);
}

/** The status line and headers (lines, then extra), with the server's held headers if any, in one writeHead. */
export function writeHead(res: ServerResponse, status: number, lines: HeaderLines, extra?: HeaderLines): void {
  const held = (res as WithServerHeaders)[SERVER_HEADERS];
  if (held) (res as WithServerHeaders)[SERVER_HEADERS] = undefined;
  const all = held ? (extra?.length ? held.concat(lines, extra) : held.concat(lines)) : extra?.length ? lines.concat(extra) : lines;
  res.writeHead(status, all as string[]);
}
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** label: for metrics and logs (never the raw path, which holds ids). */
type Route = { handler: RouteHandler; label: string; writesHead: boolean };

export class RouteTable {
  private readonly exact = new Map<string, Route>();
  private readonly prefixes: [string, Route][] = [];
  private readonly patterns: [RegExp, Route][] = [];
  readonly upgrades = new Map<string, UpgradeHandler>();

  /** '/health' matches exactly; '/trpc/' matches the prefix; a RegExp matches the pathname. */
  add(path: string | RegExp, handler: RouteHandler, options: RouteOptions = {}): this {
    const label = path instanceof RegExp ? path.source : path.endsWith('/') ? `${path}*` : path;
    const route: Route = { handler, label, writesHead: options.writesHead ?? false };
    if (path instanceof RegExp) this.patterns.push([path, route]);
    else if (path.endsWith('/')) this.prefixes.push([path, route]);
    else this.exact.set(path, route);
    return this;
  }

  upgrade(path: string, handler: UpgradeHandler): this {
    this.upgrades.set(path, handler);
    return this;
  }

  find(pathname: string): Route | null {
    const exact = this.exact.get(pathname);
    if (exact) return exact;
    for (const [prefix, route] of this.prefixes) if (pathname.startsWith(prefix)) return route;
    for (const [pattern, route] of this.patterns) if (pattern.test(pathname)) return route;
    return null;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  const lines: HeaderLines = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(json))];
  for (const name in headers) lines.push(name, headers[name]!);
  writeHead(res, status, lines);
  res.end(json);
}
