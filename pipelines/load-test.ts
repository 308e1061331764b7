/**
 * Load test of the moderation server on loopback (127.0.0.1 only):
 *
 *   npx tsx pipelines/load-test.ts [--url URL] [--model DIR] [--requests N] [--single-requests N]
 *                                  [--warmup N] [--connections C] [--out FILE] [--seed N] [--texts FILE]
 *
 * Starts `pipelines/serve.ts` (or targets `--url`), then runs autocannon with C connections
 * (default 64) in two phases: single-text requests only (the throughput target), then N
 * requests (default 100,000) of a seeded mix: mostly one text, ~10 % arrays of 2–32 texts,
 * ~5 % bad requests of nine kinds (each must get its 4xx in OpenAI's error shape). Texts are
 * the seed's validation split (never benchmarks). Every answer is checked against what its
 * request deserves; the server's RSS is sampled over the run and its CPU time per request is
 * read from /proc. Writes bench/serve.json and bench/serve.md; exits 1 if any answer was
 * wrong or any connection error occurred.
 *
 * Targets (2-core machine): ≥ 2,000 single-text requests/s at p99 ≤ 50 ms; no errors; RSS
 * within 10 % over the second half of the mixed run. Wall-clock numbers depend on what else
 * runs: the load average is recorded before and after.
 */
import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import autocannon, { type Result } from "autocannon"
import { Console, Effect, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Example } from "../schemas/example.ts"
import { readRows, writeFileAtomic } from "../src/data/parquet.ts"
import { DEFAULT_SEED } from "../src/guard/config.ts"
import { makeSeed } from "../src/runtime/seed.ts"
import { buildMix, DEFAULT_MIX, machine, rssOf, rssStability, sampleEvery, Tally, type MixOptions, type MixRequest } from "../src/serve/loadtest.ts"
import { spawnServer, type ServerProcess } from "../src/serve/spawn.ts"

const repoRoot = path.resolve(import.meta.dirname, "..")
const TARGETS = { singleRequestsPerS: 2000, singleP99Ms: 50, rssSpreadPct: 10 }

const url = Options.text("url").pipe(Options.withDescription("target a running server instead of starting one"), Options.optional)
const model = Options.text("model").pipe(Options.withDescription("guard folder for the started server (default: models/default)"), Options.optional)
const requests = Options.integer("requests").pipe(Options.withDescription("requests in the mixed phase"), Options.withDefault(100_000))
const singleRequests = Options.integer("single-requests").pipe(
  Options.withDescription("requests in the single-text phase (0 skips it)"),
  Options.withDefault(20_000)
)
const textsFile = Options.text("texts").pipe(
  Options.withDescription("texts to send, one per line (default: the seed's validation split)"),
  Options.optional
)
const warmup = Options.integer("warmup").pipe(Options.withDescription("warm-up requests before measuring"), Options.withDefault(2000))
const connections = Options.integer("connections").pipe(Options.withDescription("concurrent connections"), Options.withDefault(64))
const out = Options.text("out").pipe(Options.withDescription("JSON output (default: bench/serve.json)"), Options.optional)
const seed = Options.integer("seed").pipe(Options.withDescription("seed of the request mix"), Options.withDefault(DEFAULT_SEED))

const r2 = (x: number) => Math.round(x * 100) / 100

/** CPU seconds (user + system) used so far by `pid`, from /proc; undefined elsewhere. */
const cpuSecondsOf = (pid: number): number | undefined => {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
    return (Number(fields[11]) + Number(fields[12])) / 100 // USER_HZ is 100 on Linux
  } catch {
    return undefined
  }
}

interface PhaseResult {
  readonly requests: number
  readonly seconds: number
  readonly requestsPerS: number
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number }
  readonly connectionErrors: number
  readonly timeouts: number
  readonly statusCodes: Readonly<Record<string, number>>
  readonly byKind: Readonly<Record<string, { sent: number; ok: number }>>
  readonly unexpected: Readonly<Record<string, number>>
  readonly serverCpuMsPerRequest: number | null
}

/** One autocannon run over a pool of requests (each connection cycles through the pool). */
const phase = (target: string, pid: number | undefined, pool: ReturnType<typeof buildMix>, amount: number, conns: number) =>
  Effect.promise(async (): Promise<PhaseResult> => {
    const tally = new Tally()
    let drawn = 0
    const cpu0 = pid === undefined ? undefined : cpuSecondsOf(pid)
    const result: Result = await autocannon({
      url: target,
      connections: conns,
      amount,
      timeout: 30,
      headers: { "content-type": "application/json" },
      // One entry whose content is drawn in turn from the pool: all connections together walk
      // the whole pool (a list of requests would be replayed from its start by each connection).
      requests: [
        {
          setupRequest: (req, context) => {
            const next = pool[drawn++ % pool.length]
            context.sent = next
            return { ...req, method: next.method, path: next.path, body: next.body ?? "" }
          },
          onResponse: (status, body, context) => tally.check(context.sent as MixRequest, status, body)
        }
      ]
    })
    const cpu1 = pid === undefined ? undefined : cpuSecondsOf(pid)
    const answered = Object.values(result.statusCodeStats).reduce((a, s) => a + Number(s.count), 0)
    return {
      requests: answered,
      seconds: r2(result.duration),
      requestsPerS: Math.round(answered / result.duration),
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: r2(result.latency.mean) },
      connectionErrors: result.errors,
      timeouts: result.timeouts,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, Number(v.count)])),
      byKind: Object.fromEntries([...tally.byKind].sort(([a], [b]) => (a < b ? -1 : 1))),
      unexpected: Object.fromEntries(tally.unexpected),
      serverCpuMsPerRequest: cpu0 !== undefined && cpu1 !== undefined ? r2(((cpu1 - cpu0) * 1000) / answered) : null
    }
  })

const command = Command.make("load-test", { url, model, requests, singleRequests, warmup, connections, out, seed, textsFile }, (args) =>
  Effect.gen(function* () {
    const outFile = Option.match(args.out, { onNone: () => path.resolve(repoRoot, "bench/serve.json"), onSome: (p) => path.resolve(p) })
    const modelDir = Option.match(args.model, { onNone: () => path.resolve(repoRoot, "models/default"), onSome: (p) => path.resolve(p) })
    const texts = Option.isSome(args.textsFile)
      ? fs.readFileSync(args.textsFile.value, "utf8").split("\n").filter((t) => t.trim() !== "")
      : (yield* readRows(Example, path.resolve(repoRoot, "datasets/seed.parquet")))
          .filter((r) => r.split === "validation" && r.text.length <= 4000)
          .map((r) => r.text)
    if (texts.length === 0) return yield* Effect.fail(new Error("no texts to send"))
    const seeds = makeSeed(args.seed)
    const loadBefore = r2(os.loadavg()[0])

    const server: ServerProcess | undefined = Option.isSome(args.url)
      ? undefined
      : yield* Effect.acquireRelease(
          Effect.promise(() => spawnServer(["--port", "0", "--host", "127.0.0.1", "--model", modelDir, "--set", "playground=false"])),
          // Whatever happens to the run, the server does not outlive it.
          (s) => Effect.sync(() => s.child.exitCode === null && s.child.signalCode === null && s.child.kill("SIGKILL"))
        )
    const target = Option.getOrElse(args.url, () => server!.url)
    if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(target)) {
      return yield* Effect.fail(new Error(`--url must be a loopback address (127.0.0.1), got ${target}`))
    }
    const health = yield* Effect.promise(() => fetch(`${target}/healthz`).then((r) => r.json() as Promise<{ model: string; backend: string }>))

    const singles: MixOptions = { arrayShare: 0, maxArray: 2, badShare: 0 }
    if (args.warmup > 0) yield* phase(target, undefined, buildMix(texts, 500, seeds.rng("load/warmup"), singles), args.warmup, args.connections)
    const single =
      args.singleRequests > 0
        ? yield* phase(target, server?.pid, buildMix(texts, 4000, seeds.rng("load/single"), singles), args.singleRequests, args.connections)
        : undefined

    const readRss = server
      ? () => rssOf(server.pid)
      : () =>
          fetch(`${target}/metrics`)
            .then((r) => r.text())
            .then((t) => Number(/^process_resident_memory_bytes (\S+)$/m.exec(t)?.[1]) / 2 ** 20)
    const sampler = sampleEvery(readRss, 250)
    const mixed = yield* phase(target, server?.pid, buildMix(texts, 4000, seeds.rng("load/mixed"), DEFAULT_MIX), args.requests, args.connections)
    const rssSamples = sampler.stop()
    // Stats over the second half, and the whole series at 1 s steps (a GC sawtooth and a leak
    // look alike in a min–max spread, not in the series).
    const rss = { ...rssStability(rssSamples), series: rssSamples.filter((_, i) => i % 4 === 0).map((s) => [Math.round(s.t), s.rssMiB]) }
    const loadAfter = r2(os.loadavg()[0])

    let shutdown: { code: number | null; signal: string | null } | undefined
    if (server) {
      process.kill(server.pid, "SIGTERM")
      shutdown = yield* Effect.promise(() => server.exited)
    }

    const errors = mixed.connectionErrors + (single?.connectionErrors ?? 0)
    const wrong = Object.values(mixed.unexpected).reduce((a, b) => a + b, 0) + Object.values(single?.unexpected ?? {}).reduce((a, b) => a + b, 0)
    const result = {
      machine: { ...machine(), loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadAfter },
      server: { model: health.model, backend: health.backend, started: server !== undefined, connections: args.connections },
      seed: args.seed,
      single: single ?? null,
      mixed,
      rss,
      shutdown: shutdown ?? null,
      targets: TARGETS,
      meetsTargets: {
        singleThroughput: single ? single.requestsPerS >= TARGETS.singleRequestsPerS : null,
        singleP99: single ? single.latencyMs.p99 <= TARGETS.singleP99Ms : null,
        noErrors: errors === 0 && wrong === 0,
        rssStable: rss.spreadPct <= TARGETS.rssSpreadPct
      }
    }
    const row = (name: string, p: PhaseResult) =>
      `| ${name} | ${p.requests.toLocaleString("en-US")} | ${p.requestsPerS.toLocaleString("en-US")} | ${p.latencyMs.p50} / ${p.latencyMs.p99} ms | ` +
      `${p.connectionErrors} | ${Object.values(p.unexpected).reduce((a, b) => a + b, 0)} | ` +
      `${Object.entries(p.statusCodes).filter(([s]) => s !== "200").map(([s, n]) => `${s}: ${n}`).join(", ") || "none"} | ${p.serverCpuMsPerRequest ?? "–"} |`
    const md = [
      `| phase | requests | req/s | p50 / p99 latency | connection errors | wrong answers | non-2xx (all expected) | server CPU ms/request |`,
      `|---|---:|---:|---|---:|---:|---|---:|`,
      ...(single ? [row("single text", single)] : []),
      row("mixed (5 % bad, 10 % arrays)", mixed),
      ``,
      `RSS over the second half of the mixed run: ${rss.minMiB}–${rss.maxMiB} MiB (spread ${rss.spreadPct} %, target ≤ ${TARGETS.rssSpreadPct} %). ` +
        `Targets: ≥ ${TARGETS.singleRequestsPerS.toLocaleString("en-US")} single-text req/s at p99 ≤ ${TARGETS.singleP99Ms} ms: ` +
        `${result.meetsTargets.singleThroughput && result.meetsTargets.singleP99 ? "met" : "**not met**"}; no errors: ${result.meetsTargets.noErrors ? "met" : "**not met**"}; ` +
        `RSS stable: ${result.meetsTargets.rssStable ? "met" : "**not met**"}.`,
      ``,
      `${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}, backend ${health.backend}, ` +
        `${args.connections} connections, autocannon on the same machine; load average ${loadBefore} before, ${loadAfter} after ` +
        `(other work was running when it is above ~1).`
    ].join("\n")
    yield* writeFileAtomic(outFile, `${JSON.stringify({ ...result, markdown: md }, null, 2)}\n`)
    yield* writeFileAtomic(outFile.replace(/\.json$/, ".md"), `${md}\n`)
    yield* Console.log(md)
    if (errors > 0 || wrong > 0 || (shutdown && shutdown.code !== 0)) {
      yield* Console.error(`load-test: ${errors} connection errors, ${wrong} wrong answers, shutdown ${JSON.stringify(shutdown)}`)
      process.exitCode = 1
    }
  }).pipe(
    Effect.scoped,
    Effect.catchAll((e) =>
      Console.error(`load-test: ${e instanceof Error ? e.message : String(e)}`).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))
    )
  )
)

const cli = Command.run(command, { name: "load-test", version: "0.1.0" })
cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
