// GET /recordings/:id/audio: the Ogg/Opus file, with HTTP Range. Allowed with a session (cookie
// or bearer) that may read the recording, or with a valid signed link; everyone else gets 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { AppDeps } from '../deps';
import type { RequestUrl, RouteHandler } from '../http/routes';
import { sendError } from '../http/error-response';
import { findSessionToken, HTTP_CARRIERS } from '../auth/token-carriers';
import { sessionPolicyOf, validateSessionToken } from '../auth/session';
import { canAccessRecording, getRecordingRow, type RecordingRow } from './access';
import { verifyDownloadSignature } from './signing';

export const AUDIO_PATH = /^\/recordings\/([a-z0-9]{1,64})\/audio$/;

export type ByteRange = { start: number; end: number };

/** One "bytes=" range against a file of size bytes: a range, 'unsatisfiable', or null (serve it all). */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null; // several ranges or another unit: the whole file is a valid answer
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

async function findAllowedRecording(deps: AppDeps, req: IncomingMessage, url: RequestUrl, id: string): Promise<RecordingRow | null> {
  const row = await getRecordingRow(deps.db, id);
  if (!row) return null;
  if (url.searchParams.has('sig')) {
    const userId = url.searchParams.get('uid');
    if (!(await verifyDownloadSignature(deps, id, url.searchParams.get('expires'), url.searchParams.get('sig'), userId))) return null;
    // The account the link was made for must still be allowed to read it (it may have left the org).
    return (await canAccessRecording(deps.db, row, userId!, 'read')) ? row : null;
  }
  const found = findSessionToken(req, HTTP_CARRIERS);
  if (!found) return null;
  const { user } = await validateSessionToken(deps.db, sessionPolicyOf(deps.config), found.token);
  if (!user || user.kind === 'guest') return null;
  return (await canAccessRecording(deps.db, row, user.id, 'read')) ? row : null;
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\w .-]/g, '_').slice(0, 100) || 'recording';
  return `inline; filename="${ascii}.ogg"; filename*=UTF-8''${encodeURIComponent(name.slice(0, 100))}.ogg`;
}

export function createAudioDownloadRoute(deps: AppDeps): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: RequestUrl) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'METHOD_NOT_ALLOWED', undefined, { allow: 'GET, HEAD' });
    const id = AUDIO_PATH.exec(url.pathname)![1]!;
    const row = await findAllowedRecording(deps, req, url, id);
    const size = row ? await deps.recordingStorage.size(row.filename) : null;
    if (!row || size === null) return sendError(res, 'RECORDING_NOT_FOUND');

    const headers: Record<string, string> = {
      'content-type': 'audio/ogg',
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-store',
      'content-disposition': contentDisposition(row.name),
    };
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': '0' });
      return void res.end();
    }
    if (range) {
      res.writeHead(206, { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': String(range.end - range.start + 1) });
    } else {
      res.writeHead(200, { ...headers, 'content-length': String(size) });
    }
    if (req.method === 'HEAD' || size === 0) return void res.end();
    // A live file keeps growing: read exactly the bytes announced above.
    const whole = range ?? { start: 0, end: size - 1 };
    await pipeline(deps.recordingStorage.read(row.filename, whole), res).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.logger.warn({ err: error, recordingId: id }, 'audio download failed');
      res.destroy();
    });
  };
}
