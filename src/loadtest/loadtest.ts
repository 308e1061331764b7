/**
 * Pieces of the load test (pipelines/load-test.ts): the seeded request mix, the check of each
 * answer against what its request deserves, RSS sampling and the machine description.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import type { Rng } from "../runtime/rng.ts"

export interface MixRequest {
  /** "single", "array" or "bad:<what>". */
  readonly kind: string
  readonly method: "GET" | "POST" | "PUT"
  readonly path: string
  readonly body?: string
  /** The status this request must get. */
  readonly expect: number
  /** For 200s: how many results the answer must hold. */
  readonly results?: number
}

export interface MixOptions {
  /** Share of requests with an array of 2..maxArray texts. */
  readonly arrayShare: number
  readonly maxArray: number
  /** Share of bad requests, spread over the kinds below. */
  readonly badShare: number
}

export const DEFAULT_MIX: MixOptions = { arrayShare: 0.1, maxArray: 32, badShare: 0.05 }

/** Bad requests the server must refuse with a 4xx (never a 5xx), and keep serving. */
const BAD: ReadonlyArray<(text: string) => Omit<MixRequest, "kind"> & { readonly what: string }> = [
  (t) => ({ what: "invalid-json", method: "POST", path: "/v1/moderations", body: `{"input": ${JSON.stringify(t)}`, expect: 400 }),
  (t) => ({ what: "wrong-type", method: "POST", path: "/v1/moderations", body: JSON.stringify({ input: { text: t } }), expect: 400 }),
  (t) => ({ what: "bad-element", method: "POST", path: "/v1/moderations", body: JSON.stringify({ input: [t, 42] }), expect: 400 }),
  () => ({ what: "empty-array", method: "POST", path: "/v1/moderations", body: JSON.stringify({ input: [] }), expect: 400 }),
  (t) => ({ what: "missing-input", method: "POST", path: "/v1/moderations", body: JSON.stringify({ prompt: t }), expect: 400 }),
  () => ({ what: "too-many-inputs", method: "POST", path: "/v1/moderations", body: JSON.stringify({ input: Array(257).fill("x") }), expect: 400 }),
  () => ({ what: "too-long", method: "POST", path: "/v1/moderations", body: JSON.stringify({ input: "a".repeat(40_000) }), expect: 400 }),
  (t) => ({ what: "unknown-route", method: "POST", path: "/v1/moderate", body: JSON.stringify({ input: t }), expect: 404 }),
  () => ({ what: "wrong-method", method: "PUT", path: "/v1/moderations", body: "{}", expect: 405 })
]

/** `n` requests drawn with `rng` from `texts` (seeded: same texts and rng → same mix). */
export const buildMix = (texts: ReadonlyArray<string>, n: number, rng: Rng, opts: MixOptions = DEFAULT_MIX): Array<MixRequest> =>
  Array.from({ length: n }, () => {
    const u = rng.next()
    const text = texts[rng.int(texts.length)]
    if (u < opts.badShare) {
      const { what, ...req } = BAD[rng.int(BAD.length)](text)
      return { kind: `bad:${what}`, ...req }
    }
    if (u < opts.badShare + opts.arrayShare) {
      const k = 2 + rng.int(opts.maxArray - 1)
      const input = Array.from({ length: k }, () => texts[rng.int(texts.length)])
      return { kind: "array", method: "POST", path: "/v1/moderations", body: JSON.stringify({ input }), expect: 200, results: k }
    }
    return { kind: "single", method: "POST", path: "/v1/moderations", body: JSON.stringify({ input: text }), expect: 200, results: 1 }
  })

/** What the answers were, by request kind, and every answer that was not what it should be. */
export class Tally {
  readonly byKind = new Map<string, { sent: number; ok: number }>()
  readonly unexpected = new Map<string, number>()

  check(req: MixRequest, status: number, body: string): void {
    let k = this.byKind.get(req.kind)
    if (!k) this.byKind.set(req.kind, (k = { sent: 0, ok: 0 }))
    k.sent++
    let problem: string | undefined
    if (status !== req.expect) problem = `${req.kind}: got ${status}, expected ${req.expect}`
    else if (req.expect === 200) {
      try {
        const n = (JSON.parse(body) as { results?: Array<unknown> }).results?.length
        if (n !== req.results) problem = `${req.kind}: ${n} results, expected ${req.results}`
      } catch {
        problem = `${req.kind}: 200 with a body that is not JSON`
      }
    } else if (!body.includes('"invalid_request_error"')) problem = `${req.kind}: ${status} without an OpenAI error body`
    if (problem) this.unexpected.set(problem, (this.unexpected.get(problem) ?? 0) + 1)
    else k.ok++
  }

  get unexpectedCount(): number {
    let n = 0
    for (const v of this.unexpected.values()) n += v
    return n
  }
}

export interface RssSample {
  readonly t: number
  readonly rssMiB: number
}

/** The fields of /proc/PID/stat after the command name (field 3 onwards), or undefined. */
const statOf = (pid: number): Array<string> | undefined => {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return text.slice(text.lastIndexOf(") ") + 2).split(" ")
  } catch {
    return undefined
  }
}

/** `pid` and all its live descendants (a clustered server is a primary and its workers). */
export const processTree = (pid: number): Array<number> => {
  const children = new Map<number, Array<number>>()
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const ppid = Number(statOf(Number(entry))?.[1])
    if (Number.isFinite(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
  }
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []))
  return tree
}

/** Resident set size of `pid` and its descendants from /proc (Linux), in MiB; undefined where unreadable. */
export const rssOf = (pid: number): number | undefined => {
  let kib = 0
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))
      if (m) kib += Number(m[1])
    } catch {
      // A process that just ended.
    }
  }
  return kib > 0 ? kib / 1024 : undefined
}

/** CPU seconds (user + system) used so far by `pid` and its live descendants; undefined off Linux. */
export const cpuSecondsOf = (pid: number): number | undefined => {
  if (statOf(pid) === undefined) return undefined
  let ticks = 0
  for (const p of processTree(pid)) {
    const f = statOf(p)
    if (f) ticks += Number(f[11]) + Number(f[12]) // utime, stime (fields 14, 15)
  }
  return ticks / 100 // USER_HZ is 100 on Linux
}

/**
 * CPU seconds every process on the machine has used since boot (/proc/stat: user, nice,
 * system, irq, softirq, steal), or undefined off Linux. Read before and after a run, minus the
 * server's and the load generator's own, it says how much other work shared the cores.
 */
export const machineCpuSeconds = (): number | undefined => {
  try {
    const cpu = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number)
    const [user, nice, system, , , irq, softirq, steal] = cpu
    return (user + nice + system + irq + softirq + (steal ?? 0)) / 100 // USER_HZ
  } catch {
    return undefined
  }
}

/** Sample `read()` every `everyMs` until stopped. */
export const sampleEvery = (read: () => Promise<number | undefined> | number | undefined, everyMs: number) => {
  const samples: Array<RssSample> = []
  const t0 = performance.now()
  let stopped = false
  const tick = async () => {
    if (stopped) return
    const v = await read()
    if (v !== undefined) samples.push({ t: (performance.now() - t0) / 1000, rssMiB: Math.round(v * 10) / 10 })
    if (!stopped) timer = setTimeout(tick, everyMs)
  }
  let timer = setTimeout(tick, 0)
  return {
    stop: (): Array<RssSample> => {
      stopped = true
      clearTimeout(timer)
      return samples
    }
  }
}

/** RSS over the second half of the run: spread relative to its minimum. */
export const rssStability = (samples: ReadonlyArray<RssSample>) => {
  if (samples.length === 0) return { samples: 0, minMiB: NaN, maxMiB: NaN, spreadPct: NaN, firstMiB: NaN, lastMiB: NaN }
  const end = samples[samples.length - 1].t
  const half = samples.filter((s) => s.t >= end / 2)
  const values = half.map((s) => s.rssMiB)
  const min = Math.min(...values)
  const max = Math.max(...values)
  return {
    samples: half.length,
    minMiB: min,
    maxMiB: max,
    spreadPct: Math.round((10000 * (max - min)) / min) / 100,
    firstMiB: values[0],
    lastMiB: values[values.length - 1]
  }
}

export const machine = () => {
  let cpu = os.cpus()[0]?.model ?? "unknown"
  try {
    const line = fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"))
    if (line) cpu = line.split(":")[1].trim()
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    cpu,
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`
  }
}
