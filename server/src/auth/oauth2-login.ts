// The old recorder's and OAuth2 password-flow clients' view of REST sign-in, in front of the
// REST handler: POST /api/auth/login also takes `application/x-www-form-urlencoded`
// (`username` + `password`, what OAuth2 clients and the API docs' "Authorize" button send), and
// login/register answers also carry `access_token` and `token_type: "bearer"` beside `token`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../deps';
import { sendJson, type RouteHandler } from '../http/routes';
import { isCrossSiteRequest } from './csrf';
import { readRequestInfo } from './request';

export const REST_LOGIN_PATH = '/api/auth/login';
export const REST_REGISTER_PATH = '/api/auth/register';
/** A form of two short fields. */
const MAX_FORM_BYTES = 16 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Adds the OAuth2 names of the session token to a successful sign-in answer (before it is written). */
function withOAuth2Fields(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let held: unknown[] | null = null;
  res.writeHead = ((...args: unknown[]) => {
    held = args;
    return res;
  }) as ServerResponse['writeHead'];
  res.end = ((body?: unknown, ...rest: unknown[]) => {
    if (held) {
      const args = held;
      const [status, headers] = args as [number, unknown];
      held = null;
      if (status < 300 && typeof body === 'string' && headers && typeof headers === 'object' && !Array.isArray(headers)) {
        try {
          const answer = JSON.parse(body) as Record<string, unknown>;
          if (typeof answer.token === 'string') {
            body = JSON.stringify({ ...answer, access_token: answer.token, token_type: 'bearer' });
            writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body as string) });
            return end(body, ...rest);
          }
        } catch {
          // not JSON: written as it is
        }
      }
      writeHead(...args);
    }
    return end(body, ...rest);
  }) as ServerResponse['end'];
}

/** The request as the REST handler reads it, with a JSON body instead of the form (read already). */
function asJsonRequest(req: IncomingMessage, body: unknown): IncomingMessage {
  const json = Buffer.from(JSON.stringify(body));
  const headers = { ...req.headers, 'content-type': 'application/json', 'content-length': String(json.length) };
  delete headers['transfer-encoding'];
  const view = Object.create(req) as IncomingMessage;
  Object.defineProperty(view, 'headers', { value: headers });
  Object.defineProperty(view, Symbol.asyncIterator, {
    value: async function* () {
      yield json;
    },
  });
  return view;
}

export function createOAuth2LoginAdapter(deps: AppDeps, rest: RouteHandler): RouteHandler {
  return async (req, res, url) => {
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (req.method === 'POST' && type === 'application/x-www-form-urlencoded') {
      if (url.pathname !== REST_LOGIN_PATH) return sendJson(res, 415, { message: 'Send JSON', code: 'UNSUPPORTED_MEDIA_TYPE' });
      // A form post is a "simple" cross-site request: only the server's own pages may sign in this way.
      if (isCrossSiteRequest(deps.config, readRequestInfo(req, deps.config))) {
        return sendJson(res, 403, { message: 'Request origin not allowed', code: 'FORBIDDEN', key: 'CSRF_ORIGIN' });
      }
      const form = await readForm(req);
      if (!form) return sendJson(res, 413, { message: 'The request is too large', code: 'PAYLOAD_TOO_LARGE' });
      withOAuth2Fields(res);
      // OAuth2's `username` is the account's e-mail address here.
      return rest(asJsonRequest(req, { email: form.get('username') ?? '', password: form.get('password') ?? '' }), res, url);
    }
    withOAuth2Fields(res);
    return rest(req, res, url);
  };
}
