// Every REST answer (/api/*) that an in-process test server gives during a test file — whatever the
// client: fetch, openapi-fetch, the Python and curl clients — is recorded on the server side through
// node:http's diagnostics channel and checked against /openapi.json when the file ends, so the
// document can't drift from the code unseen. (Servers spawned as child processes are not seen here.)
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { afterAll, expect } from 'vitest';
import { contractMismatches, type RecordedCall } from '../helpers/rest-contract';

const MAX_BODY_BYTES = 1024 * 1024;
const calls: RecordedCall[] = [];
let documentText: Promise<string> | null = null;

function headersOf(res: ServerResponse, given: unknown): Headers {
  const headers = new Headers();
  const add = (name: string, value: unknown) => {
    if (value === undefined) return;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
  };
  const own: OutgoingHttpHeaders = res.getHeaders();
  for (const name in own) add(name, own[name]);
  if (Array.isArray(given)) for (let i = 0; i + 1 < given.length; i += 2) add(String(given[i]), given[i + 1]);
  else if (given && typeof given === 'object') for (const [name, value] of Object.entries(given)) add(name, value);
  return headers;
}

function observe({ request, response }: { request: IncomingMessage; response: ServerResponse }): void {
  const url = request.url ?? '';
  if (!url.startsWith('/api/')) return;
  const host = request.headers.host;
  if (!documentText) {
    documentText = fetch(`http://${host}/openapi.json`).then((res) => res.text());
    // Awaited in afterAll; a test may close its server before the document arrives (handled there).
    documentText.catch(() => {});
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let headers: Headers | null = null;
  let recorded = false;
  const capture = (chunk: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function' || size > MAX_BODY_BYTES) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += bytes.length;
    chunks.push(bytes);
  };
  const record = () => {
    if (recorded) return;
    recorded = true;
    headers ??= headersOf(response, undefined);
    const contentType = headers.get('content-type') ?? '';
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    if (contentType.startsWith('application/json') && text && size <= MAX_BODY_BYTES) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text; // the check reports a body that is not the JSON it claims
      }
    }
    calls.push({ method: (request.method ?? 'GET').toUpperCase(), path: url.split('?')[0]!, status: response.statusCode, contentType, headers, body });
  };
  const { writeHead, write, end } = response;
  response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const given = args.find((a, i) => i > 0 && a !== null && typeof a === 'object');
    const result = (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    headers = headersOf(this, given);
    return result;
  } as ServerResponse['writeHead'];
  response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    capture(chunk);
    // An event stream never "ends" while the test reads it: its status and type are known now.
    if ((headers?.get('content-type') ?? String(this.getHeader('content-type') ?? '')).startsWith('text/event-stream')) record();
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  response.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    capture(chunk);
    record();
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
}

diagnostics.subscribe('http.server.request.start', observe as (message: unknown) => void);

afterAll(async () => {
  diagnostics.unsubscribe('http.server.request.start', observe as (message: unknown) => void);
  if (calls.length === 0 || !documentText) return;
  // The served document, or — when the file closed its server before it answered — the same
  // document built in-process by the function /openapi.json serves.
  const document: Parameters<typeof contractMismatches>[0] = await documentText.then(
    (text) => JSON.parse(text),
    async () => (await import('../../server/src/openapi/document')).buildOpenApiDocument('http://localhost'),
  );
  expect(contractMismatches(document, calls)).toEqual([]);
});
