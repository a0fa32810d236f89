// A Prometheus histogram whose label sets are resolved once: series(labels) returns a recorder
// whose observe() is a bucket search and three additions. prom-client's Histogram validates and
// hashes the label object on every observe(), even through labels(): ~4 µs, a visible share of a
// fast request's CPU (bench/http.bench.ts), and the HTTP server observes every request. This
// registers in a prom-client Registry like any metric (get() returns what prom-client's own
// Histogram returns), so /metrics prints it in the same format.
import type { Registry } from 'prom-client';

export type SeriesRecorder = { observe(value: number): void };

class Series implements SeriesRecorder {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

type ValuePair = { labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string };

export class SeriesHistogram<Label extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly Label[],
    private readonly upperBounds: readonly number[],
    registers: Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /** The recorder of one label set; keep it (a Map lookup by the joined values otherwise). */
  seriesFor(labels: Record<Label, string>): SeriesRecorder {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = new Series({ ...labels }, this.upperBounds)));
    return series;
  }

  /** What prom-client's Registry formats (the shape of its own Histogram's get()). */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: ValuePair[] }> {
    const values: ValuePair[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: { le }, sharedLabels: series.labels, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_bucket` },
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Zeroes every series in place: recorders handed out stay valid. */
  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
