// Local HTTP servers that receive SMS the way real gateways do, for the recovery suites: a webhook
// receiver that checks Parley's HMAC signature, and one speaking Twilio's Messages API (form fields
// To, From, Body; HTTP basic auth). Nothing leaves the machine.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature, SIGNATURE_HEADER } from '../../server/src/sms/webhook';

export type ReceivedSms = { to: string; text: string; from?: string };

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function inbox() {
  const messages: ReceivedSms[] = [];
  const waiters: (() => void)[] = [];
  return {
    messages,
    push(sms: ReceivedSms) {
      messages.push(sms);
      for (const wake of waiters.splice(0)) wake();
    },
    /** The first message to `to` whose text matches, waiting up to timeoutMs. */
    async waitFor(to: string, text: RegExp, timeoutMs = 10_000): Promise<ReceivedSms> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find((m) => m.to === to && text.test(m.text));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no SMS to ${to} matching ${text} (got ${messages.length})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Accepts POST {to, text} signed with secret; anything unsigned or mis-signed gets 401 and is counted. */
export async function startWebhookSink(secret: string) {
  const box = inbox();
  let rejected = 0;
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json' || !verifyWebhookSignature(secret, req.headers[SIGNATURE_HEADER] as string | undefined, body)) {
      rejected++;
      res.writeHead(401).end();
      return;
    }
    const { to, text } = JSON.parse(body) as { to: string; text: string };
    box.push({ to, text });
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
  });
  const url = await listen(server);
  return { url: `${url}/sms`, ...box, rejected: () => rejected, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** POST /2010-04-01/Accounts/{sid}/Messages.json as Twilio answers it: 201 with a message resource, 401 with error 20003. */
export async function startTwilioSink(account: { sid: string; token: string }) {
  const box = inbox();
  const requests: { path: string; authorized: boolean; contentType: string | undefined; fields: Record<string, string> }[] = [];
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const expected = `Basic ${Buffer.from(`${account.sid}:${account.token}`).toString('base64')}`;
    const authorized = req.headers.authorization === expected;
    const fields = Object.fromEntries(new URLSearchParams(body));
    requests.push({ path: req.url ?? '', authorized, contentType: req.headers['content-type'], fields });
    res.setHeader('content-type', 'application/json');
    if (!authorized) {
      res.writeHead(401).end(JSON.stringify({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }));
      return;
    }
    if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${account.sid}/Messages.json` || !fields.To || !fields.Body || !(fields.From || fields.MessagingServiceSid)) {
      res.writeHead(400).end(JSON.stringify({ code: 21604, message: "A 'To' phone number is required.", status: 400 }));
      return;
    }
    box.push({ to: fields.To, text: fields.Body, from: fields.From });
    res.writeHead(201).end(JSON.stringify({ sid: `SM${'0'.repeat(32)}`, account_sid: account.sid, to: fields.To, from: fields.From, body: fields.Body, status: 'queued' }));
  });
  const url = await listen(server);
  return { url, requests, ...box, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let phoneCounter = Math.floor(Math.random() * 5000);
/** A valid, unique-enough UK number in the range Ofcom keeps for drama (+44 20 7946 0xxx…). */
export function uniquePhone(): string {
  phoneCounter = (phoneCounter + 1) % 10_000;
  return `+44207946${String(phoneCounter).padStart(4, '0')}`;
}
