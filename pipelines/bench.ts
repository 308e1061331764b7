/**
 * Guard speed on this machine (`npm run bench`):
 *
 *   npx tsx pipelines/bench.ts [--model DIR] [--data FILE] [--out FILE] [--texts N]
 *
 * Measures, on the active backend: model load time (files → tensors, median of 5), single-text
 * latency p50/p99 (one text per call, 1000 calls after warm-up), batch throughput (texts/s,
 * median of 3 passes over N texts), peak RSS. Texts are the seed's validation split (never
 * benchmark rows). Writes bench/guard.json and bench/guard.md (a README snippet), and prints
 * the snippet. Wall-clock numbers depend on machine load: the load average at start is
 * recorded so a noisy run can be recognised.
 */
import { ensureDefaultTables } from "../src/data/cache.ts"
import { Command, Options } from "@effect/cli"
import { Console, Context, Effect, Exit, Layer, Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Example } from "../schemas/example.ts"
import { readRows, writeFileAtomic } from "../src/data/parquet.ts"
import { guardFromWeights } from "../src/guard/guard.ts"
import { readModelDir } from "../src/guard/storage.ts"
import * as markdown from "../src/report/markdown.ts"
import { Backend, BackendLive } from "../src/runtime/backend.ts"
import { optionalText, repoRoot, resolvePath, runCommandLine } from "../src/runtime/cli.ts"

const model = optionalText("model", "guard folder (default: models/default)")
const data = optionalText("data", "texts to time (default: datasets/seed.parquet, validation split)")
const out = optionalText("out", "JSON output (default: bench/guard.json)")
const count = Options.integer("texts").pipe(Options.withDescription("texts per throughput pass"), Options.withDefault(20_000))


const TARGETS = { singleP50Ms: 2, throughputPerS: 5000, loadMs: 1000 }

const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}
const median = (xs: ReadonlyArray<number>) => quantile(xs, 0.5)
const r2 = (x: number) => Math.round(x * 100) / 100

const cpuModel = () => {
  try {
    const line = fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"))
    return line ? line.split(":")[1].trim() : os.cpus()[0]?.model ?? "unknown"
  } catch {
    return os.cpus()[0]?.model ?? "unknown"
  }
}


const now = () => performance.now()

const command = Command.make("bench", { model, data, out, count }, (args) =>
  Effect.gen(function* () {
    const modelDir = resolvePath(args.model, "models/default")
    const dataFile = resolvePath(args.data, "datasets/seed.parquet")
    yield* ensureDefaultTables([dataFile])
    const outFile = resolvePath(args.out, "bench/guard.json")
    const loadAverage = os.loadavg()[0]

    const rows = yield* readRows(Example, dataFile)
    const pool = rows.filter((r) => r.split === "validation").map((r) => r.text)
    const texts = Array.from({ length: args.count }, (_, i) => pool[i % pool.length])

    // Backend start-up once (WASM compile), reported separately from the model load.
    const t0 = now()
    const scope = yield* Scope.make()
    const ctx = yield* Layer.buildWithScope(BackendLive(), scope)
    const backend = Context.get(ctx, Backend)
    const backendInitMs = now() - t0

    // Model load: read + validate + decode files, upload tensors. Median of 5 fresh loads.
    const loads: Array<number> = []
    for (let i = 0; i < 5; i++) {
      const s = yield* Scope.make()
      const t = now()
      yield* guardFromWeights(yield* readModelDir(modelDir), modelDir).pipe(Effect.provideService(Backend, backend), Scope.extend(s))
      loads.push(now() - t)
      yield* Scope.close(s, Exit.void)
    }

    const guard = yield* guardFromWeights(yield* readModelDir(modelDir), modelDir).pipe(
      Effect.provideService(Backend, backend),
      Scope.extend(scope)
    )

    // Single-text latency: one call per text, after a warm-up.
    for (let i = 0; i < 100; i++) yield* guard.classify([texts[i]])
    const single: Array<number> = []
    for (let i = 0; i < 1000; i++) {
      const t = now()
      yield* guard.classify([texts[(i * 7919) % texts.length]])
      single.push(now() - t)
    }

    // Batch throughput: the whole list per call (the guard batches internally).
    yield* guard.classify(texts.slice(0, 2000))
    const passes: Array<number> = []
    for (let i = 0; i < 3; i++) {
      const t = now()
      yield* guard.classify(texts)
      passes.push(texts.length / ((now() - t) / 1000))
    }
    yield* Scope.close(scope, Exit.void)

    const result = {
      machine: {
        cpu: cpuModel(),
        cores: os.cpus().length,
        memoryGiB: r2(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        loadAverage1m: r2(loadAverage)
      },
      backend: backend.name,
      model: {
        dir: path.relative(repoRoot, modelDir).split(path.sep).join("/") || ".",
        bytes: fs.readdirSync(modelDir).reduce((a, f) => a + fs.statSync(path.join(modelDir, f)).size, 0)
      },
      texts: { count: texts.length, source: "seed validation split", meanChars: r2(texts.reduce((a, t) => a + t.length, 0) / texts.length) },
      backendInitMs: r2(backendInitMs),
      loadMs: { median: r2(median(loads)), runs: loads.map(r2) },
      singleTextMs: { p50: r2(quantile(single, 0.5)), p99: r2(quantile(single, 0.99)), mean: r2(single.reduce((a, b) => a + b, 0) / single.length) },
      throughputPerS: { median: Math.round(median(passes)), runs: passes.map(Math.round) },
      peakRssMiB: r2(process.resourceUsage().maxRSS / 1024),
      targets: TARGETS,
      meetsTargets: {
        singleP50: quantile(single, 0.5) <= TARGETS.singleP50Ms,
        throughput: median(passes) >= TARGETS.throughputPerS,
        load: median(loads) <= TARGETS.loadMs
      }
    }
    const md = [
      markdown.table(
        ["metric", "value", "target"],
        [
          ["single-text latency p50 / p99", `${result.singleTextMs.p50} / ${result.singleTextMs.p99} ms`, `p50 ≤ ${TARGETS.singleP50Ms} ms`],
          ["batch throughput", `${result.throughputPerS.median.toLocaleString("en-US")} texts/s`, `≥ ${TARGETS.throughputPerS.toLocaleString("en-US")}`],
          ["model load (files → tensors)", `${result.loadMs.median} ms`, `≤ ${TARGETS.loadMs} ms`],
          ["backend start-up", `${result.backendInitMs} ms`, ""],
          ["peak RSS", `${result.peakRssMiB} MiB`, ""]
        ],
        { align: ["left", "left", "left"], tight: true }
      ),
      ``,
      `Backend ${result.backend}; ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}, ` +
        `load average ${result.machine.loadAverage1m} at start; ${result.texts.count.toLocaleString("en-US")} seed validation texts ` +
        `(mean ${Math.round(result.texts.meanChars)} chars); model ${(result.model.bytes / 2 ** 20).toFixed(1)} MiB.`
    ].join("\n")
    yield* writeFileAtomic(outFile, `${JSON.stringify({ ...result, markdown: md }, null, 2)}\n`)
    yield* writeFileAtomic(outFile.replace(/\.json$/, ".md"), `${md}\n`)
    yield* Console.log(md)
  }).pipe(Effect.scoped)
)

runCommandLine("bench", Command.run(command, { name: "bench", version: "0.1.0" })(process.argv))
