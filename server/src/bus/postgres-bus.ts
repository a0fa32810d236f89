// Bus across instances over Postgres LISTEN/NOTIFY on one database channel.
// Logical channels are multiplexed inside the payload, so each instance holds a single LISTEN
// connection however many rooms or sessions it follows. Payloads over NOTIFY's 8000-byte limit
// are stored in bus_payloads and sent by reference.
import { randomUUID } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Logger } from 'pino';
import type { Database } from '../db/client';
import { busPayloads } from '../db/schema/index';
import { type EventBus, LocalChannels } from './bus';

const PG_CHANNEL = 'parley_bus';
const MAX_INLINE_BYTES = 7800;
const PAYLOAD_RETENTION_MS = 10 * 60_000;

type Envelope = { c: string; i: string; p?: unknown; r?: number };

export async function createPostgresBus(options: { sql: postgres.Sql; db: Database; logger: Logger }): Promise<EventBus> {
  const { sql, db, logger } = options;
  const instanceId = randomUUID();
  const channels = new LocalChannels((error, channel) => logger.error({ err: error, channel }, 'bus handler failed'));

  async function onNotify(raw: string) {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      logger.warn('bus: ignored a malformed notification');
      return;
    }
    if (envelope.i === instanceId) return; // delivered locally when published
    let payload = envelope.p;
    if (envelope.r !== undefined) {
      const [row] = await db.select({ payload: busPayloads.payload }).from(busPayloads).where(eq(busPayloads.id, envelope.r));
      if (!row) return logger.warn({ ref: envelope.r }, 'bus: referenced payload is gone');
      payload = row.payload;
    }
    channels.deliver(envelope.c, payload);
  }

  const listener = await sql.listen(PG_CHANNEL, (raw) => {
    onNotify(raw).catch((error) => logger.error({ err: error }, 'bus: delivery failed'));
  });

  const cleanup = setInterval(() => {
    db.delete(busPayloads)
      .where(lt(busPayloads.createdAt, new Date(Date.now() - PAYLOAD_RETENTION_MS)))
      .catch(() => {});
  }, PAYLOAD_RETENTION_MS);
  cleanup.unref();

  return {
    async publish(channel, payload) {
      const json = JSON.stringify(payload ?? null);
      channels.deliver(channel, JSON.parse(json));
      let envelope = JSON.stringify({ c: channel, i: instanceId, p: JSON.parse(json) } satisfies Envelope);
      if (Buffer.byteLength(envelope) > MAX_INLINE_BYTES) {
        const [row] = await db.insert(busPayloads).values({ payload: JSON.parse(json) }).returning({ id: busPayloads.id });
        envelope = JSON.stringify({ c: channel, i: instanceId, r: row!.id } satisfies Envelope);
      }
      await sql.notify(PG_CHANNEL, envelope);
    },
    subscribe: (channel, handler) => channels.subscribe(channel, handler),
    async close() {
      clearInterval(cleanup);
      channels.clear();
      await listener.unlisten().catch(() => {});
    },
  };
}
