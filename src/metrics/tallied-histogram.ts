import type { LabelValues, Metric, Registry } from 'prom-client'

interface Series {
  labels: Readonly<Record<string, string>>
  /** Observations per bucket, not cumulative; the last slot counts those above every bound. */
  counts: Float64Array
  sum: number
  count: number
}

/** What prom-client's metrics return from `get()` (its type declarations say `type` is an enum; it is this string). */
interface Exported<V> {
  name: string
  help: string
  type: 'histogram'
  values: V[]
  aggregator: 'sum'
}

interface ExportedValue {
  labels: Record<string, string | number>
  sharedLabels: Record<string, string>
  value: number
  metricName: string
  exemplar?: null
}

/**
 * A Prometheus histogram for label sets that are constant objects built once, as
 * for `Tally`: an observation is a Map lookup by the object, a search over a dozen
 * bounds and three additions. prom-client's `Histogram.observe` converts, validates
 * and hashes the labels and looks its bucket up by a number turned into a property
 * name on every call: about 3 % of hot `/verify`'s CPU in the loaded server
 * (bench/ANALYSIS.md, sixth round), paid by every request for the HTTP duration.
 *
 * It shows what prom-client's `Histogram` shows: `get()` and `getForPromString()`
 * return the same shapes, so the registry's text, the cluster's aggregation (a sum)
 * and readers of `get()` cannot tell them apart
 * (test/ops/tallied-histogram.test.ts compares the two on the same observations).
 * Label objects with equal values share one series.
 */
export class TalliedHistogram<L extends string> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  private readonly labelNames: readonly L[]
  private readonly bounds: Float64Array
  /** Weak, so that a caller building a label object per call costs a lookup by value, not a leak. */
  private byObject = new WeakMap<LabelValues<L>, Series>()
  private readonly byValues = new Map<string, Series>()

  constructor(config: {
    name: string
    help: string
    labelNames: readonly L[]
    buckets: readonly number[]
    registers: Registry[]
  }) {
    this.name = config.name
    this.help = config.help
    this.labelNames = config.labelNames
    this.bounds = Float64Array.from([...config.buckets].sort((a, b) => a - b))
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric)
  }

  /** `labels` should be a constant object (its identity is the fast key: see `labelSets` in tally.ts); `value` in the histogram's unit. */
  observe(labels: LabelValues<L>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: not a finite number: ${value}`)
    const series = this.byObject.get(labels) ?? this.seriesOf(labels)
    const bounds = this.bounds
    let bucket = 0
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++
    ;(series.counts[bucket] as number)++
    series.sum += value
    series.count++
  }

  reset(): void {
    this.byObject = new WeakMap()
    this.byValues.clear()
  }

  /** As prom-client's `Histogram.get()`: each value's labels hold `le` and the series' labels. */
  async get(): Promise<Exported<Omit<ExportedValue, 'sharedLabels'>>> {
    const values = this.exported().map(({ sharedLabels, labels, ...value }) => ({
      ...value,
      labels: { ...labels, ...sharedLabels },
    }))
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' }
  }

  /** As prom-client's `getForPromString()`, which the registry's text uses (labels and series labels apart). */
  async getForPromString(): Promise<Exported<ExportedValue>> {
    return { name: this.name, help: this.help, type: 'histogram', values: this.exported(), aggregator: 'sum' }
  }

  private seriesOf(labels: LabelValues<L>): Series {
    for (const name of Object.keys(labels)) {
      if (!this.labelNames.includes(name as L)) throw new Error(`${this.name}: unknown label ${name}`)
    }
    const key = this.labelNames.map((name) => String(labels[name] ?? '')).join('\u0000')
    let series = this.byValues.get(key)
    if (series === undefined) {
      const copy: Record<string, string> = {}
      for (const [name, value] of Object.entries(labels)) copy[name] = String(value)
      series = { labels: copy, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 }
      this.byValues.set(key, series)
    }
    this.byObject.set(labels, series)
    return series
  }

  private exported(): ExportedValue[] {
    const bucketName = `${this.name}_bucket`
    const values: ExportedValue[] = []
    for (const series of this.byValues.values()) {
      let cumulative = 0
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i] as number
        values.push({
          labels: { le: bound },
          sharedLabels: series.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        })
      })
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: series.labels,
          value: series.count,
          metricName: bucketName,
          exemplar: null,
        },
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` },
      )
    }
    return values
  }
}
