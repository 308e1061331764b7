/** Types for `autocannon` (untyped; only what pipelines/load-test.ts uses). */
declare module "autocannon" {
  interface Histogram {
    readonly average: number
    readonly mean: number
    readonly stddev: number
    readonly min: number
    readonly max: number
    readonly total: number
    readonly p50: number
    readonly p90: number
    readonly p97_5: number
    readonly p99: number
    readonly p99_9: number
  }
  export interface Result {
    readonly requests: Histogram & { readonly sent: number }
    readonly latency: Histogram
    readonly throughput: Histogram
    readonly duration: number
    readonly errors: number
    readonly timeouts: number
    readonly mismatches: number
    readonly non2xx: number
    readonly statusCodeStats: Readonly<Record<string, { readonly count: number }>>
  }
  export interface Request {
    readonly method?: string
    readonly path?: string
    readonly body?: string
    readonly headers?: Record<string, string>
    readonly setupRequest?: (request: Request, context: Record<string, unknown>) => Request
    readonly onResponse?: (status: number, body: string, context: Record<string, unknown>) => void
  }
  export interface Options {
    readonly url: string
    readonly connections?: number
    readonly amount?: number
    readonly duration?: number
    readonly timeout?: number
    readonly headers?: Record<string, string>
    readonly requests?: ReadonlyArray<Request>
  }
  export default function autocannon(opts: Options): Promise<Result>
}
