/**
 * Fault test of the moderation server on loopback (127.0.0.1 only):
 *
 *   npx tsx pipelines/fault-test.ts [--model DIR] [--seconds S] [--workers N]
 *
 * Starts `pipelines/serve.ts` and checks, in order:
 *   1. clients that vanish mid-request (half a body, a full body then gone before the answer,
 *      half a chunked body), mixed with good requests: every good request is answered, nothing
 *      stays in flight, and the server still serves;
 *   2. every kind of bad request, interleaved with good ones, concurrently: each gets its 4xx
 *      (never a 5xx), each good one its 200;
 *   3. SIGTERM under load (S seconds of 32 clients, default 2): every request the server had
 *      accepted is answered with a 200, later connections are refused, and the process exits
 *      0 after draining.
 * Prints what it saw per check; exits 1 if any check fails.
 */
import { Command, Options } from "@effect/cli"
import { optionalText, runCommandLine } from "../src/runtime/cli.ts"
import { Console, Data, Effect, Option } from "effect"
import * as http from "node:http"
import * as path from "node:path"
import { rawRequest, type RawResponse } from "../src/loadtest/rawclient.ts"
import { spawnServer, type ServerProcess } from "../src/loadtest/spawn.ts"

const repoRoot = path.resolve(import.meta.dirname, "..")

const model = optionalText("model", "guard folder (default: models/default)")
const workers = Options.integer("workers").pipe(
  Options.withDescription("server worker processes (default: the server's own default, one per core)"),
  Options.optional
)
const seconds = Options.integer("seconds").pipe(Options.withDescription("load before the SIGTERM, in seconds"), Options.withDefault(2))

const json = { "content-type": "application/json" }
const good = (base: string, texts: ReadonlyArray<string>) => {
  const body = JSON.stringify({ input: texts })
  return rawRequest(`${base}/v1/moderations`, { headers: { ...json, "content-length": String(Buffer.byteLength(body)) }, chunks: [body] })
}
const okWith = (n: number) => (r: RawResponse) => r.status === 200 && (JSON.parse(r.body) as { results: Array<unknown> }).results.length === n

/** Send part of a request, then drop the connection without reading an answer. */
const vanish = (base: string, headers: Record<string, string>, chunks: ReadonlyArray<string>, waitMs: number) =>
  new Promise<void>((resolve) => {
    const req = http.request(`${base}/v1/moderations`, { method: "POST", headers, agent: false })
    req.on("error", () => resolve())
    req.on("close", () => resolve())
    for (const c of chunks) req.write(c)
    setTimeout(() => req.destroy(), waitMs)
  })

interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

/** Sum of a metric's values on the server's /metrics, over the series whose labels contain `having`. */
const metric = async (base: string, name: string, having = "") => {
  const text = await fetch(`${base}/metrics`).then((r) => r.text())
  return [...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, "gm"))]
    .filter((m) => (m[1] ?? "").includes(having))
    .reduce((a, m) => a + Number(m[2]), 0)
}

const disconnects = async (base: string): Promise<Check> => {
  const big = JSON.stringify({ input: Array.from({ length: 200 }, (_, i) => `the garden number ${i} `.repeat(20)) })
  const aborted0 = await metric(base, "duoguard_http_client_aborts_total")
  const skipped0 = await metric(base, "duoguard_batch_skipped_requests_total")
  const tasks: Array<Promise<unknown>> = []
  const goods: Array<Promise<boolean>> = []
  for (let i = 0; i < 30; i++) {
    // Half a body, then gone while the server waits for the rest; a whole body, then gone
    // while the model works (timing-dependent: some may leave before or after); half a chunked body.
    tasks.push(vanish(base, { ...json, "content-length": "1000" }, ['{"input": "half a bo'], 200))
    tasks.push(vanish(base, { ...json, "content-length": String(big.length) }, [big], 5 + i))
    if (i % 3 === 0) tasks.push(vanish(base, json, ['{"input": ["a chunk'], 200))
    goods.push(good(base, [`murder number ${i}`, "the cat read a book"]).then(okWith(2), () => false))
  }
  await Promise.all(tasks)
  const served = (await Promise.all(goods)).filter(Boolean).length
  await new Promise((r) => setTimeout(r, 300))
  const inflight = await metric(base, "duoguard_http_inflight_requests") // counts this /metrics request
  const aborted = (await metric(base, "duoguard_http_client_aborts_total")) - aborted0
  const skipped = (await metric(base, "duoguard_batch_skipped_requests_total")) - skipped0
  const after = await good(base, ["still there?"]).then(okWith(1), () => false)
  return {
    name: "clients vanishing mid-request",
    ok: served === goods.length && inflight <= 1 && after,
    detail: `${tasks.length} vanished (the server counted ${aborted} client aborts; ${skipped} dropped from a batch before the model ran), ${served}/${goods.length} good answered, in flight afterwards ${Math.max(0, inflight - 1)}, next request ${after ? "served" : "FAILED"}`
  }
}

const badRequests = async (base: string): Promise<Check> => {
  const url = `${base}/v1/moderations`
  const withBody = (body: string | Buffer, extra: Record<string, string> = {}) =>
    rawRequest(url, { headers: { ...json, "content-length": String(Buffer.byteLength(body)), ...extra }, chunks: [body] })
  const kinds: ReadonlyArray<[string, number, () => Promise<RawResponse>]> = [
    ["invalid JSON", 400, () => withBody('{"input": ')],
    ["invalid UTF-8", 400, () => withBody(Buffer.from([0x7b, 0x22, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))],
    ["empty body", 400, () => withBody("")],
    ["wrong type", 400, () => withBody('{"input": 3}')],
    ["bad element", 400, () => withBody('{"input": ["a", null]}')],
    ["bad role", 400, () => withBody('{"input": [{"role": "robot", "content": "x"}]}')],
    ["too many inputs", 400, () => withBody(JSON.stringify({ input: Array(300).fill("x") }))],
    ["too long", 400, () => withBody(JSON.stringify({ input: "x".repeat(33_000) }))],
    ["1.5 MB declared", 413, () => withBody("a".repeat(1_500_000))],
    ["1.5 MB chunked", 413, () => rawRequest(url, { headers: json, chunks: Array.from({ length: 30 }, () => "a".repeat(50_000)) })],
    ["unknown route", 404, () => rawRequest(`${base}/v2/nothing`, { method: "GET" })],
    ["wrong method", 405, () => rawRequest(url, { method: "DELETE" })]
  ]
  const seen = new Map<string, Map<number, number>>()
  let goodOk = 0
  let goodSent = 0
  let fiveHundreds = 0
  const jobs: Array<() => Promise<void>> = []
  for (let round = 0; round < 8; round++) {
    for (const [name, , send] of kinds) {
      jobs.push(async () => {
        const r = await send().catch(() => ({ status: -1, body: "", headers: {} }) as RawResponse)
        if (r.status >= 500) fiveHundreds++
        const m = seen.get(name) ?? new Map<number, number>()
        m.set(r.status, (m.get(r.status) ?? 0) + 1)
        seen.set(name, m)
      })
      jobs.push(async () => {
        goodSent++
        if (await good(base, [`subhuman ${round}`, name]).then(okWith(2), () => false)) goodOk++
      })
    }
  }
  // 16 at a time, bad and good interleaved.
  for (let i = 0; i < jobs.length; i += 16) await Promise.all(jobs.slice(i, i + 16).map((j) => j()))
  const wrong = kinds.filter(([name, status]) => [...(seen.get(name) ?? [])].some(([s]) => s !== status))
  return {
    name: "bad requests interleaved with good ones",
    ok: wrong.length === 0 && fiveHundreds === 0 && goodOk === goodSent,
    detail:
      `${kinds.length} kinds × 8: ${wrong.length === 0 ? "each got its 4xx" : `wrong status for ${wrong.map(([n]) => `${n} (${[...seen.get(n)!].map(([s, c]) => `${s}×${c}`).join(", ")})`).join("; ")}`}` +
      `, ${fiveHundreds} answers ≥ 500, ${goodOk}/${goodSent} good answered`
  }
}

const sigtermUnderLoad = async (server: ServerProcess, loadSeconds: number): Promise<Check> => {
  let answered = 0, refused = 0, dropped = 0, wrongStatus = 0
  let stop = false
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      try {
        const r = await good(server.url, [`worker ${w} request ${i} murder`, "the cat read a book"])
        if (okWith(2)(r)) answered++
        else wrongStatus++
      } catch (e) {
        // Refused: the server no longer listens (expected after SIGTERM). Anything else: a
        // request that reached the server and got no answer.
        if ((e as NodeJS.ErrnoException).code === "ECONNREFUSED") {
          refused++
          return
        }
        dropped++
      }
    }
  }
  const workers = Array.from({ length: 32 }, (_, w) => worker(w))
  await new Promise((r) => setTimeout(r, loadSeconds * 1000))
  const atSignal = answered
  process.kill(server.pid, "SIGTERM")
  const exit = await server.exited
  stop = true
  await Promise.all(workers)
  // One line each per worker process (one process unless the server runs a cluster): summed.
  const sum = (re: RegExp, group: number) => {
    const ms = [...server.stderr().matchAll(re)]
    return ms.length === 0 ? undefined : ms.reduce((a, m) => a + Number(m[group]), 0)
  }
  const inFlightAtSignal = sum(/draining (\d+) in-flight/g, 1)
  const answeredInDrain = sum(/drained in \d+ ms: (\d+) answered during the drain, (\d+) in all/g, 1)
  const timedOut = /drain timeout/.test(server.stderr())
  // The server answered exactly what the clients received: nothing it accepted was lost. A
  // reset without an answer is a connection still in the kernel's accept queue when the
  // listener closed, which the server never saw.
  const serverAnswered = sum(/drained in \d+ ms: (\d+) answered during the drain, (\d+) in all/g, 2) ?? -1
  return {
    name: "SIGTERM under load",
    ok: exit.code === 0 && wrongStatus === 0 && !timedOut && serverAnswered === answered,
    detail:
      `${answered} answered (${answered - atSignal} after the signal; ${inFlightAtSignal ?? "?"} in flight at the signal, ` +
      `${answeredInDrain ?? "?"} answered during the drain), server answered ${serverAnswered} in all, ${wrongStatus} wrong, ` +
      `${dropped} reset before the server accepted them, ${refused} refused after shutdown, exit ${JSON.stringify(exit)}`
  }
}

/** The harness itself failed (the server did not start, a check threw); a failed check prints FAIL instead. */
class FaultTestError extends Data.TaggedError("FaultTestError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

const attempt = <A>(run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (e) => new FaultTestError({ reason: e instanceof Error ? e.message : String(e) }) })

const command = Command.make("fault-test", { model, seconds, workers }, (args) =>
  Effect.gen(function* () {
    const modelDir = Option.match(args.model, { onNone: () => path.resolve(repoRoot, "models/default"), onSome: (p) => path.resolve(p) })
    const start = Effect.acquireRelease(
      attempt(() =>
        spawnServer([
          "--port", "0", "--host", "127.0.0.1", "--model", modelDir, "--set", "playground=false",
          ...Option.match(args.workers, { onNone: () => [], onSome: (w) => ["--workers", String(w)] })
        ])
      ),
      (s) => Effect.sync(() => s.child.exitCode === null && s.child.signalCode === null && s.child.kill("SIGKILL"))
    )
    const server = yield* start
    // The shutdown check gets a server of its own, so that its counts are only that check's.
    const runs = [() => disconnects(server.url), () => badRequests(server.url), (s: ServerProcess) => sigtermUnderLoad(s, args.seconds)]
    const checks: Array<Check> = []
    for (const [i, run] of runs.entries()) {
      const target = i === 2 ? yield* start : server
      const check = yield* attempt(() => run(target))
      checks.push(check)
      yield* Console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`)
    }
    if (checks.some((c) => !c.ok)) process.exitCode = 1
  }).pipe(Effect.scoped)
)

runCommandLine("fault-test", Command.run(command, { name: "fault-test", version: "0.1.0" })(process.argv))
