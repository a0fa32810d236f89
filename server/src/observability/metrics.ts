// Prometheus metrics. One registry per server instance (tests run several in one process).
import client from 'prom-client';
import { SeriesHistogram } from './series-histogram';

/** Read when /metrics is scraped. */
export type MetricSources = { passwordHashesWaiting(): number };

export function createMetrics(sources: MetricSources) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    wsConnections: new client.Gauge({ name: 'parley_ws_connections', help: 'Open WebSocket connections', labelNames: ['path'] as const, registers }),
    wsCutOff: new client.Counter({
      name: 'parley_ws_cut_off_total',
      help: 'WebSocket connections closed for a limit: too many calls (1008), not reading their replies (1013), too many per IP (429 at upgrade)',
      labelNames: ['reason'] as const,
      registers,
    }),
    authEvents: new client.Counter({ name: 'parley_auth_events_total', help: 'Authentication events', labelNames: ['event'] as const, registers }),
    roomMessages: new client.Counter({ name: 'parley_room_messages_total', help: 'Room messages stored', registers }),
    fanoutLatency: new client.Histogram({
      name: 'parley_fanout_latency_seconds',
      help: 'Time from a room message being stored to its delivery to a subscriber on this instance',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    roomsActive: new client.Gauge({ name: 'parley_rooms_active', help: 'Rooms with live subscribers on this instance', registers }),
    recordingsActive: new client.Gauge({ name: 'parley_recordings_active', help: 'Live recordings on this instance', registers }),
    recordingBytes: new client.Counter({ name: 'parley_recording_bytes_total', help: 'Bytes of Ogg/Opus written', registers }),
    passwordHashSeconds: new client.Histogram({
      name: 'parley_password_hash_seconds',
      help: 'Time spent hashing or verifying a password',
      labelNames: ['op'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    passwordHashesWaiting: new client.Gauge({
      name: 'parley_password_hashes_waiting',
      help: 'Password hashes waiting for a hashing thread (PASSWORD_HASH_THREADS): a queue that stays up means more logins than the threads hash',
      registers,
      collect() {
        this.set(sources.passwordHashesWaiting());
      },
    }),
    // Observed on every request: a histogram whose series are resolved once (series-histogram.ts).
    httpRequestDuration: new SeriesHistogram(
      'parley_http_request_duration_seconds',
      'HTTP request duration',
      ['route', 'code'] as const,
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    ),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
