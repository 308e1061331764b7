/**
 * The server's counters, rendered in the Prometheus text exposition format (version 0.0.4)
 * for `GET /metrics`. A small in-process registry: label sets are few and fixed (routes are
 * the server's own, never the raw URL), so nothing grows with traffic.
 */
import { Context } from "effect"

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
const labelText = (labels: Readonly<Record<string, string>>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
  return parts.length ? `{${parts.join(",")}}` : ""
}
/** Prometheus wants Go-style floats: `+Inf`, no exponent surprises for integers. */
const num = (x: number) => (x === Infinity ? "+Inf" : x === -Infinity ? "-Inf" : Number.isNaN(x) ? "NaN" : String(x))

class Counter {
  private readonly values = new Map<string, { labels: Record<string, string>; value: number }>()
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Record<string, string> = {}, by = 1) {
    const key = labelText(labels)
    const v = this.values.get(key)
    if (v) v.value += by
    else this.values.set(key, { labels, value: by })
  }
  get(labels: Record<string, string> = {}) {
    return this.values.get(labelText(labels))?.value ?? 0
  }
  /** Sum over all label sets. */
  total() {
    let n = 0
    for (const v of this.values.values()) n += v.value
    return n
  }
  snapshot(): CounterSnapshot {
    return [...this.values.values()].map((v) => [v.labels, v.value] as const)
  }
  /** Add another process's counts (cluster workers report one total). */
  absorb(snapshot: CounterSnapshot) {
    for (const [labels, value] of snapshot) this.inc(labels, value)
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    for (const [key, v] of [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      lines.push(`${this.name}${key} ${num(v.value)}`)
    }
    return lines.join("\n")
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Record<string, string>; counts: Array<number>; sum: number; count: number }>()
  constructor(readonly name: string, readonly help: string, readonly buckets: ReadonlyArray<number>) {}
  private seriesFor(labels: Record<string, string>) {
    const key = labelText(labels)
    let s = this.series.get(key)
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }))
    return s
  }
  observe(value: number, labels: Record<string, string> = {}) {
    const s = this.seriesFor(labels)
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++
    s.sum += value
    s.count++
  }
  count(labels: Record<string, string> = {}) {
    return this.series.get(labelText(labels))?.count ?? 0
  }
  sum(labels: Record<string, string> = {}) {
    return this.series.get(labelText(labels))?.sum ?? 0
  }
  snapshot(): HistogramSnapshot {
    return [...this.series.values()].map((v) => ({ labels: v.labels, counts: [...v.counts], sum: v.sum, count: v.count }))
  }
  absorb(snapshot: HistogramSnapshot) {
    for (const part of snapshot) {
      const into = this.seriesFor(part.labels)
      part.counts.forEach((c, i) => (into.counts[i] += c))
      into.sum += part.sum
      into.count += part.count
    }
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const [, s] of [...this.series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(le) })} ${s.counts[i]}`))
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`)
      lines.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`)
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`)
    }
    return lines.join("\n")
  }
}

type CounterSnapshot = ReadonlyArray<readonly [Record<string, string>, number]>
type HistogramSnapshot = ReadonlyArray<{ labels: Record<string, string>; counts: ReadonlyArray<number>; sum: number; count: number }>

/** One process's metrics as plain JSON (sent between cluster workers over IPC). */
export interface MetricsSnapshot {
  readonly started: number
  readonly counters: Readonly<Record<string, CounterSnapshot>>
  readonly histograms: Readonly<Record<string, HistogramSnapshot>>
  readonly inflight: number
  readonly queued: number
  readonly rss: number
  readonly heapUsed: number
}

const gauge = (name: string, help: string, value: number, labels: Record<string, string> = {}) =>
  `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}${labelText(labels)} ${num(value)}`

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

export class ServeMetricsRegistry {
  constructor(readonly started: number = Date.now()) {}
  readonly requests = new Counter("duoguard_http_requests_total", "HTTP requests answered, by route, method and status.")
  readonly latency = new Histogram("duoguard_http_request_duration_seconds", "Time from request to response, by route.", LATENCY_BUCKETS)
  readonly errors = new Counter("duoguard_http_errors_total", "Requests answered with an error, by error code.")
  readonly aborted = new Counter("duoguard_http_client_aborts_total", "Requests whose client disconnected before the answer.")
  readonly texts = new Counter("duoguard_moderated_texts_total", "Texts classified (a conversation turn with a reply counts two).")
  readonly results = new Counter("duoguard_moderation_results_total", "Moderation results returned, by flagged.")
  readonly modelCalls = new Counter("duoguard_model_calls_total", "Forward passes of the guard (one per micro-batch).")
  readonly batchTexts = new Histogram("duoguard_batch_texts", "Texts per model call (micro-batch size).", BATCH_BUCKETS)
  readonly batchRequests = new Histogram("duoguard_batch_requests", "Requests merged into one model call.", BATCH_BUCKETS)
  readonly modelSeconds = new Histogram("duoguard_model_call_duration_seconds", "Time of one model call.", LATENCY_BUCKETS)
  readonly skipped = new Counter("duoguard_batch_skipped_requests_total", "Queued requests dropped because their client left.")
  inflight = 0
  queued = 0

  private counters() {
    const { requests, errors, aborted, texts, results, modelCalls, skipped } = this
    return { requests, errors, aborted, texts, results, modelCalls, skipped }
  }
  private histograms() {
    const { latency, batchTexts, batchRequests, modelSeconds } = this
    return { latency, batchTexts, batchRequests, modelSeconds }
  }

  snapshot(): MetricsSnapshot {
    const mem = process.memoryUsage()
    return {
      started: this.started,
      counters: Object.fromEntries(Object.entries(this.counters()).map(([k, c]) => [k, c.snapshot()])),
      histograms: Object.fromEntries(Object.entries(this.histograms()).map(([k, h]) => [k, h.snapshot()])),
      inflight: this.inflight,
      queued: this.queued,
      rss: mem.rss,
      heapUsed: mem.heapUsed
    }
  }

  /**
   * Several processes' metrics (cluster workers) as one: counts and histograms are summed,
   * gauges too (memory is the workers' total), the start time is the earliest.
   */
  static merge(snapshots: ReadonlyArray<MetricsSnapshot>): { registry: ServeMetricsRegistry; memory: { rss: number; heapUsed: number } } {
    const registry = new ServeMetricsRegistry(Math.min(...snapshots.map((s) => s.started)))
    const counters = registry.counters()
    const histograms = registry.histograms()
    let rss = 0
    let heapUsed = 0
    for (const s of snapshots) {
      for (const [k, c] of Object.entries(s.counters)) counters[k as keyof typeof counters]?.absorb(c)
      for (const [k, h] of Object.entries(s.histograms)) histograms[k as keyof typeof histograms]?.absorb(h)
      registry.inflight += s.inflight
      registry.queued += s.queued
      rss += s.rss
      heapUsed += s.heapUsed
    }
    return { registry, memory: { rss, heapUsed } }
  }

  render(extra: { readonly draining: boolean; readonly workers?: number; readonly memory?: { rss: number; heapUsed: number } }): string {
    const mem = extra.memory ?? process.memoryUsage()
    return [
      this.requests.render(),
      this.latency.render(),
      this.errors.render(),
      this.aborted.render(),
      this.texts.render(),
      this.results.render(),
      this.modelCalls.render(),
      this.batchTexts.render(),
      this.batchRequests.render(),
      this.modelSeconds.render(),
      this.skipped.render(),
      gauge("duoguard_http_inflight_requests", "Requests being handled now.", this.inflight),
      gauge("duoguard_batch_queue_requests", "Requests waiting for the model.", this.queued),
      gauge("duoguard_draining", "1 while the server shuts down (SIGTERM received).", extra.draining ? 1 : 0),
      gauge("duoguard_workers", "Server processes whose metrics are summed here (cluster workers).", extra.workers ?? 1),
      gauge("process_resident_memory_bytes", "Resident set size (summed over workers).", mem.rss),
      gauge("nodejs_heap_used_bytes", "V8 heap in use (summed over workers).", mem.heapUsed),
      gauge("process_start_time_seconds", "Start time of the process (Unix seconds).", Math.floor(this.started / 1000))
    ].join("\n") + "\n"
  }
}

export class ServeMetrics extends Context.Tag("duoguard/serve/Metrics")<ServeMetrics, ServeMetricsRegistry>() {}
