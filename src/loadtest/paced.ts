/**
 * A paced load: requests sent at a fixed rate, evenly spaced, over a fixed pool of keep-alive
 * connections — the way a latency target "N requests/s at p99 ≤ X ms" is checked.
 *
 * Why not autocannon for this: its rate limit lets each connection send its whole per-second
 * quota at the start of every second, so a "2,000 req/s" run is a burst at full speed followed
 * by silence, and its latencies are those of an overloaded server. Here request i is due at
 * start + i / rate. When every connection is busy the request waits for one, and its latency is
 * counted from when it was due, not from when it could be sent (as wrk2 does): a server that
 * falls behind cannot hide it by slowing the client down ("coordinated omission").
 */
import * as net from "node:net"

export interface PacedOptions {
  readonly url: string
  /** Requests per second. */
  readonly rate: number
  readonly requests: number
  readonly connections: number
  /** The body of request i (JSON). */
  readonly body: (i: number) => string
  /** Called with each answer; a thrown error counts the request as wrong. */
  readonly check?: (i: number, status: number, body: string) => void
}

export interface PacedResult {
  readonly requests: number
  readonly seconds: number
  /** Answers per second over the run (the offered rate when the server keeps up). */
  readonly requestsPerS: number
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number }
  readonly errors: number
  readonly statusCodes: Readonly<Record<string, number>>
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
const r2 = (x: number) => Math.round(x * 100) / 100

/**
 * One keep-alive connection speaking just enough HTTP/1.1 for this: requests with a JSON body,
 * answers with Content-Length (the server always sends one). Node's http client costs ~0.4 of
 * a core at 2,000 requests/s, which on two cores is CPU taken from the server under test.
 */
class Connection {
  private socket: net.Socket
  private buffer: Buffer = Buffer.alloc(0)
  private onAnswer: ((status: number, body: string) => void) | undefined
  private onError: ((e: Error) => void) | undefined
  busy = false

  constructor(private readonly host: string, private readonly port: number, private readonly head: string) {
    this.socket = this.connect()
  }

  private connect(): net.Socket {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true })
    this.buffer = Buffer.alloc(0)
    socket.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
      this.parse()
    })
    const fail = (e: Error) => {
      // A replaced socket's late `close` concerns no request.
      if (socket !== this.socket) return
      const cb = this.onError
      this.onAnswer = this.onError = undefined
      this.busy = false
      cb?.(e)
    }
    socket.on("error", fail)
    socket.on("close", () => fail(new Error("connection closed")))
    return socket
  }

  send(body: string, onAnswer: (status: number, body: string) => void, onError: (e: Error) => void) {
    // The server may close an idle keep-alive connection: open a new one.
    if (this.socket.destroyed) this.socket = this.connect()
    this.busy = true
    this.onAnswer = onAnswer
    this.onError = onError
    this.socket.write(`${this.head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }

  private parse() {
    const end = this.buffer.indexOf("\r\n\r\n")
    if (end < 0) return
    const headers = this.buffer.subarray(0, end).toString("latin1")
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0)
    if (this.buffer.length < end + 4 + length) return
    const status = Number(headers.slice(9, 12))
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString("utf8")
    this.buffer = this.buffer.subarray(end + 4 + length)
    const cb = this.onAnswer
    this.onAnswer = this.onError = undefined
    this.busy = false
    cb?.(status, body)
  }

  close() {
    this.socket.removeAllListeners("close")
    this.socket.destroy()
  }
}

export const pacedLoad = (opts: PacedOptions): Promise<PacedResult> =>
  new Promise((resolve) => {
    const target = new URL(opts.url)
    const head = `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n`
    const pool = Array.from({ length: opts.connections }, () => new Connection(target.hostname, Number(target.port || 80), head))
    const latencies = new Float64Array(opts.requests)
    const statusCodes: Record<string, number> = {}
    let errors = 0
    let next = 0
    let inflight = 0
    let done = 0
    let lastAnswer = 0
    const start = performance.now()
    const dueAt = (i: number) => start + (i * 1000) / opts.rate

    const finish = () => {
      for (const c of pool) c.close()
      const sorted = latencies.slice(0, done).sort()
      let sum = 0
      for (const x of sorted) sum += x
      const seconds = (lastAnswer - start) / 1000
      resolve({
        requests: done,
        seconds: r2(seconds),
        requestsPerS: Math.round(done / seconds),
        latencyMs: {
          p50: r2(percentile(sorted, 50)),
          p90: r2(percentile(sorted, 90)),
          p99: r2(percentile(sorted, 99)),
          max: r2(sorted[sorted.length - 1]),
          mean: r2(sum / Math.max(1, done))
        },
        errors,
        statusCodes
      })
    }

    const send = (i: number) => {
      const connection = pool.find((c) => !c.busy)!
      inflight++
      connection.send(
        opts.body(i),
        (status, body) => {
          statusCodes[status] = (statusCodes[status] ?? 0) + 1
          try {
            opts.check?.(i, status, body)
          } catch {
            errors++
          }
          answered(i)
        },
        () => {
          errors++
          answered(i)
        }
      )
    }

    const answered = (i: number) => {
      lastAnswer = performance.now()
      latencies[done++] = lastAnswer - dueAt(i)
      inflight--
      pump()
      if (done === opts.requests) finish()
    }

    // Send everything that is due, as far as the connections allow; then sleep until the next
    // request is due (timers are ~1 ms coarse; being late is counted against the server anyway).
    let timer: NodeJS.Timeout | undefined
    const pump = () => {
      const now = performance.now()
      while (next < opts.requests && dueAt(next) <= now && inflight < opts.connections) send(next++)
      if (next < opts.requests && timer === undefined && inflight < opts.connections) {
        timer = setTimeout(() => {
          timer = undefined
          pump()
        }, Math.max(0, dueAt(next) - performance.now()))
      }
    }
    pump()
  })
