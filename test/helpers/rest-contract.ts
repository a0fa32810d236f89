// REST calls the way an integrator makes them (plain fetch, JSON, bearer or cookie), each answer
// recorded so a file can check at its end that every one matches /openapi.json: the route and
// method are documented, the status is declared, the body fits its schema (ajv, JSON Schema
// 2020-12 as OpenAPI 3.1 uses), and a 429 carries Retry-After. The document can't drift unseen.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

type Json = Record<string, any>;
export type RecordedCall = { method: string; path: string; status: number; contentType: string; headers: Headers; body: unknown };
export type RestAnswer = { status: number; body: Json; headers: Headers; text: string };
export type RestInit = RequestInit & { token?: string; json?: unknown };

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export class RestRecorder {
  readonly calls: RecordedCall[] = [];

  record(method: string, url: string, res: Response, text: string): void {
    const contentType = res.headers.get('content-type') ?? '';
    let body: unknown = text;
    if (contentType.startsWith('application/json') && text) body = JSON.parse(text);
    this.calls.push({ method: method.toUpperCase(), path: new URL(url).pathname, status: res.status, contentType, headers: res.headers, body });
  }

  /** fetch for /api routes, recorded: pass it to openapi-fetch or use it as fetch. */
  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const res = await fetch(request);
    if (!new URL(request.url).pathname.startsWith('/api/')) return res;
    const isStream = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    if (isStream) {
      this.record(request.method, request.url, res, '');
      return res;
    }
    const text = await res.clone().text();
    this.record(request.method, request.url, res, text);
    return res;
  };
}

/** A small REST client on a recorder: api('/auth/login', { method: 'POST', json: {...} }). */
export function restClient(baseUrl: string, recorder: RestRecorder) {
  return async (path: string, init: RestInit = {}): Promise<RestAnswer> => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    const res = await recorder.fetch(`${baseUrl}/api${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
    return { status: res.status, body: text && isJson ? JSON.parse(text) : null, headers: res.headers, text };
  };
}

function templateMatches(template: string, path: string): boolean {
  const source = template.split('/').map((s) => (/^\{\w+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}/?$`).test(path);
}

/** Every mismatch between the recorded answers and the document, as readable lines. */
export function contractMismatches(document: Json, calls: readonly RecordedCall[]): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  const resolve = (node: Json): Json => {
    while (node && typeof node.$ref === 'string') {
      node = node.$ref.slice(2).split('/').reduce((at: Json, key: string) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    }
    return node;
  };
  const base = new URL(document.servers[0].url).pathname.replace(/\/$/, '');
  const templates = Object.keys(document.paths);
  // Exact templates first: /recordings/upload before /recordings/{id}.
  templates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  const mismatches: string[] = [];
  for (const call of calls) {
    const path = call.path.slice(base.length);
    const where = `${call.method} ${call.path} → ${call.status}`;
    const candidates = templates.filter((t) => templateMatches(t, path));
    const template = candidates.find((t) => document.paths[t][call.method.toLowerCase()]);
    if (!template) {
      // Unknown routes and methods answer 404/405 with the error body; nothing to look up.
      if (call.status === 404 || call.status === 405) continue;
      mismatches.push(`${where}: no such operation in the document`);
      continue;
    }
    const operation = document.paths[template][call.method.toLowerCase()];
    const declared = operation.responses[String(call.status)] ?? operation.responses.default;
    if (!declared) {
      mismatches.push(`${where}: status not declared (declared: ${Object.keys(operation.responses).join(', ')})`);
      continue;
    }
    const response = resolve(declared);
    if (call.status === 429 && !call.headers.get('retry-after')) mismatches.push(`${where}: 429 without Retry-After`);
    if (!response.content) continue;
    const mediaType = Object.keys(response.content).find((type) => call.contentType.startsWith(type));
    if (!mediaType) {
      mismatches.push(`${where}: content type ${call.contentType} not declared (${Object.keys(response.content).join(', ')})`);
      continue;
    }
    if (!mediaType.startsWith('application/json')) continue;
    const key = `${template} ${call.method} ${call.status} ${mediaType}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ ...response.content[mediaType].schema, components: document.components });
      compiled.set(key, validate);
    }
    if (!validate(call.body)) {
      mismatches.push(`${where}: body does not match (${ajv.errorsText(validate.errors)}): ${JSON.stringify(call.body).slice(0, 300)}`);
    }
  }
  return mismatches;
}

/** The assertion a REST test file ends with. */
export async function expectAnswersMatchDocument(baseUrl: string, recorder: RestRecorder): Promise<void> {
  expect(recorder.calls.length).toBeGreaterThan(0);
  const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Json;
  expect(contractMismatches(document, recorder.calls)).toEqual([]);
}
