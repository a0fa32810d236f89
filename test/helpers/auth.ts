// Helpers for the auth and session suites: raw tRPC calls over HTTP (to see status codes, headers
// and cookies), a raw tRPC WebSocket, a real SMTP sink, and direct database reads.
import { SMTPServer } from 'smtp-server';
import { WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import type { DatabaseHandle } from '../../server/src/db/client';

export type RawResponse = { status: number; headers: Headers; body: any };

/** A tRPC call without the client: mutation → POST, query → GET (non-batched wire format). */
export async function callTrpc(
  url: string,
  path: string,
  input: unknown,
  options: { type?: 'query' | 'mutation'; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const type = options.type ?? 'mutation';
  const target = type === 'query'
    ? `${url}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
    : `${url}/trpc/${path}`;
  const res = await fetch(target, {
    method: type === 'query' ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: type === 'mutation' ? JSON.stringify(input ?? null) : undefined,
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** Rows of a SQL query on either driver. */
export async function selectRows(database: DatabaseHandle, text: string, params: unknown[] = []): Promise<Record<string, any>[]> {
  if (database.pglite) return (await database.pglite.query<Record<string, any>>(text, params)).rows;
  return [...(await database.sql!.unsafe(text, params as never[]))];
}

/** Every row of every table in the public schema, as text. */
export async function dumpDatabase(database: DatabaseHandle): Promise<string> {
  const tables = await selectRows(database, `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await selectRows(database, `select t::text as row from "${String(table_name)}" t`);
    parts.push(`${String(table_name)}:`, ...rows.map((r) => String(r.row)));
  }
  return parts.join('\n');
}

export type ReceivedMail = { from: string; to: string[]; raw: string; text: string };

/** A real SMTP server on 127.0.0.1 that keeps every mail it receives. */
export async function startSmtpSink() {
  const mails: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address), raw, text: decodeQuotedPrintable(raw) });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    /** Resolves with the first mail to `to` matching subject, waiting up to timeoutMs. */
    async waitFor(to: string, subject: RegExp, timeoutMs = 10_000): Promise<ReceivedMail> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find((m) => m.to.includes(to) && subject.test(m.text));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject} (got ${mails.length})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Undoes quoted-printable soft line breaks and escapes so links can be read from a raw mail. */
export function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function findLinkToken(text: string, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9.%_-]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in mail:\n${text}`);
  return decodeURIComponent(match[1]!);
}

/** A raw tRPC WebSocket authenticated with connectionParams, subscribed to sessions.watch. */
export async function openWatchSocket(url: string, token: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'sessions.watch', input: undefined } }));
    });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.id === 1 && message.result?.type === 'started') resolve();
      else if (message.id === 1 && message.error) reject(new Error(message.error.message));
    });
  });
  return { ws, closed };
}
