import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from './series-histogram';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: [Record<'route' | 'code', string>, number][] = [
  [{ route: '/trpc/*', code: '200' }, 0.0004],
  [{ route: '/trpc/*', code: '200' }, 0.001],
  [{ route: '/trpc/*', code: '200' }, 0.05],
  [{ route: '/trpc/*', code: '401' }, 0.2],
  [{ route: '/health', code: '200' }, 7],
  [{ route: '/trpc/*', code: '200' }, 0.5],
];

describe('SeriesHistogram', () => {
  it('prints exactly what prom-client’s Histogram prints for the same observations', async () => {
    const ours = new client.Registry();
    const theirs = new client.Registry();
    const histogram = new SeriesHistogram('x_seconds', 'help text', ['route', 'code'] as const, BUCKETS, [ours]);
    const reference = new client.Histogram({ name: 'x_seconds', help: 'help text', labelNames: ['route', 'code'] as const, buckets: BUCKETS, registers: [theirs] });
    for (const [labels, value] of OBSERVATIONS) {
      histogram.seriesFor(labels).observe(value);
      reference.observe(labels, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('keeps handed-out recorders working across a reset', async () => {
    const registry = new client.Registry();
    const histogram = new SeriesHistogram('y_seconds', 'help', ['route'] as const, BUCKETS, [registry]);
    const recorder = histogram.seriesFor({ route: '/a' });
    recorder.observe(0.5);
    registry.resetMetrics();
    recorder.observe(0.005);
    const text = await registry.metrics();
    expect(text).toContain('y_seconds_count{route="/a"} 1');
    expect(text).toContain('y_seconds_bucket{le="0.01",route="/a"} 1');
    expect(text).toContain('y_seconds_sum{route="/a"} 0.005');
  });
});
