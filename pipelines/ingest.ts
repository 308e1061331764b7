/**
 * Ingest the raw shared datasets into the project's tables:
 *
 *   npx tsx pipelines/ingest.ts [--shared DIR] [--out DIR] [--set key=value ...]
 *
 * Defaults: --shared ../shared/datasets and --out datasets/, both relative to the repo root.
 * Writes seed.parquet, benchmarks.parquet and the dataset card README.md (see src/data/ingest.ts).
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import * as path from "node:path"
import { ensureDatasets } from "../src/data/cache.ts"
import { ingestDefaults, IngestConfig } from "../src/data/ingest.ts"
import { loadConfig } from "../src/runtime/config.ts"
import { ProgressLive } from "../src/runtime/progress.ts"
import { optionalText, repoRoot, resolvePath, runCommandLine, setOption } from "../src/runtime/cli.ts"

const shared = Options.directory("shared").pipe(
  Options.withDescription("shared datasets folder (default: ../shared/datasets from the repo root)"),
  Options.optional
)
const out = optionalText("out", "output folder (default: datasets/ in the repo)")
const set = setOption("validationPercent=10")



const command = Command.make("ingest", { shared, out, set }, (args) =>
  Effect.gen(function* () {
    const t0 = Date.now()
    const defaults = ingestDefaults(resolvePath(args.shared, "../shared/datasets"), resolvePath(args.out, "datasets"))
    const config = yield* loadConfig(IngestConfig, defaults, { overrides: args.set })
    // Always ingests, and records the inputs' key so the other pipelines reuse these tables.
    const stats = (yield* ensureDatasets(config, { force: true }))!
    const ex = stats.examples
    const byLang = new Map<string, [number, number]>()
    for (const e of ex) {
      const c = byLang.get(e.lang) ?? byLang.set(e.lang, [0, 0]).get(e.lang)!
      c[e.unsafe ? 1 : 0]++
    }
    const perLang = [...byLang].sort((a, b) => b[1][0] + b[1][1] - a[1][0] - a[1][1]).map(([l, [safe, unsafe]]) => `${l} ${safe}/${unsafe}`)
    const contam = stats.sources.reduce((n, s) => n + s.contaminatedExact + s.contaminatedNear, 0)
    const langDrop = stats.sources.reduce((n, s) => n + Object.values(s.langDropped).reduce((a, b) => a + b, 0), 0)
    const malformed = stats.sources.reduce((n, s) => n + s.malformed.length, 0)
    const rel = path.relative(process.cwd(), config.out) || "."
    yield* Console.log(
      [
        `seed rows: ${ex.length} in ${byLang.size} languages (safe/unsafe: ${perLang.join(" · ")})`,
        ...(stats.skipped.length > 0 ? [`left out: ${stats.skipped.map((k) => k.name).join(", ")}`] : []),
        `benchmark rows: ${stats.benchmarks.length}`,
        `dropped: ${malformed} malformed, ${langDrop} other-language, ${contam} benchmark-contaminated, ` +
          `${Object.values(stats.dedup.removedBySource).reduce((a, b) => a + b, 0)} duplicates`,
        `wrote ${rel}/seed.parquet, ${rel}/benchmarks.parquet, ${rel}/README.md in ${((Date.now() - t0) / 1000).toFixed(1)} s`
      ].join("\n")
    )
  }).pipe(Effect.provide(ProgressLive))
)

runCommandLine("ingest", Command.run(command, { name: "ingest", version: "0.1.0" })(process.argv))
