// Request input for the REST routes: a JSON body read with a hard size and nesting limit (a
// 100,000-deep body must be a 400, never a stack overflow further in), and query strings turned
// into the types the procedure's zod schema expects (numbers, booleans, arrays).
import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors';

/** Same limit as /trpc: JSON inputs are small; audio goes to /api/recordings/upload or /ws/record. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;
/** No procedure input nests deeper than a few levels; WebAuthn responses are the deepest (~4). */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of arrays/objects in a JSON text, counted without parsing (strings skipped). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The parsed body (undefined when empty); AppError PAYLOAD_TOO_LARGE / INVALID_JSON otherwise. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_JSON_BODY_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', { message: `The body is larger than ${MAX_JSON_BODY_BYTES} bytes` });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', { message: `The body is larger than ${MAX_JSON_BODY_BYTES} bytes` });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw new AppError('INVALID_JSON', { message: `The body nests deeper than ${MAX_JSON_DEPTH} levels` });
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON');
  }
}

type ZodLike = { _zod?: { def?: { type?: string; innerType?: ZodLike; in?: ZodLike; shape?: Record<string, ZodLike> } }; shape?: Record<string, ZodLike> };

/** Through optional/nullable/default/pipe wrappers to the schema that decides the value's type. */
function unwrap(schema: ZodLike | undefined): ZodLike | undefined {
  let current = schema;
  for (let i = 0; i < 10 && current?._zod?.def; i++) {
    const def = current._zod.def;
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else break;
  }
  return current;
}

/** The fields of an object input schema (unwrapped), if it is one. */
export function inputFields(schema: unknown): Record<string, ZodLike> | undefined {
  const object = unwrap(schema as ZodLike);
  return object?._zod?.def?.type === 'object' ? (object.shape ?? object._zod.def.shape) : undefined;
}

/** Query values are strings: give each field the type its schema wants, so zod sees what /trpc would send. */
export function coerceQuery(schema: unknown, query: URLSearchParams): Record<string, unknown> {
  const fields = inputFields(schema) ?? {};
  const input: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    const type = unwrap(fields[key])?._zod?.def?.type;
    if (type === 'array') input[key] = values;
    else if (type === 'number' || type === 'int') input[key] = values[0] !== '' && Number.isFinite(Number(values[0])) ? Number(values[0]) : values[0];
    else if (type === 'boolean') input[key] = values[0] === 'true' ? true : values[0] === 'false' ? false : values[0];
    else input[key] = values[0];
  }
  return input;
}
