/**
 * Score guards on the cross-lingual check (src/eval/crosslingual.ts):
 *
 *   npx tsx pipelines/crosslingual-check.ts [MODEL_DIR ...]     (default: models/default)
 *
 * The translated rows are built once with Apertium and cached in .cache/crosslingual-dev.json
 * (keyed by the seed's hash). Prints, per guard and language, F1 (as the rows are, and with both
 * classes weighted equally) / recall / share flagged at the 0.5 rule, and AUPRC.
 */
import { ensureDefaultTables } from "../src/data/cache.ts"
import { Args, Command } from "@effect/cli"
import { Console, Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { Example } from "../schemas/example.ts"
import { readRows, writeFileAtomic } from "../src/data/parquet.ts"
import { buildCrosslingualDev, equalPriorF1, scoreByLanguage, type DevRow } from "../src/eval/crosslingual.ts"
import { DEFAULT_MODEL_DIR, loadGuard } from "../src/guard/guard.ts"
import { BackendLive } from "../src/runtime/backend.ts"
import { sha256 } from "../src/guard/storage.ts"
import * as md from "../src/report/markdown.ts"
import { repoRoot, runCommandLine } from "../src/runtime/cli.ts"

const models = Args.directory({ name: "model", exists: "yes" }).pipe(Args.repeated)

const Cache = Schema.Struct({
  seedSha256: Schema.String,
  rows: Schema.Array(Schema.Struct({ id: Schema.String, text: Schema.String, lang: Schema.Literal("en", "es", "fr"), unsafe: Schema.Boolean }))
})

const devRows = Effect.gen(function* () {
  const seedFile = path.join(repoRoot, "datasets/seed.parquet")
  yield* ensureDefaultTables([seedFile])
  const seedSha256 = sha256(fs.readFileSync(seedFile))
  const cacheFile = path.join(repoRoot, ".cache/crosslingual-dev.json")
  const cached = yield* Effect.sync(() => {
    try {
      const c = Schema.decodeUnknownSync(Cache)(JSON.parse(fs.readFileSync(cacheFile, "utf8")))
      return c.seedSha256 === seedSha256 ? c.rows : null
    } catch {
      return null // missing or stale: rebuild
    }
  })
  if (cached !== null) return cached as ReadonlyArray<DevRow>
  yield* Console.error("crosslingual-check: translating the validation requests with Apertium (≈1 min, cached afterwards)")
  const rows = yield* buildCrosslingualDev(yield* readRows(Example, seedFile))
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true })
  yield* writeFileAtomic(cacheFile, JSON.stringify({ seedSha256, rows }))
  return rows
})

const pct = (x: number | null) => (x === null ? "–" : (100 * x).toFixed(1))

const command = Command.make("crosslingual-check", { models }, (args) =>
  Effect.gen(function* () {
    const rows = yield* devRows
    const dirs = args.models.length > 0 ? args.models : [DEFAULT_MODEL_DIR]
    const rowsOut: Array<Array<string>> = []
    for (const dir of dirs) {
      const preds = yield* Effect.scoped(Effect.flatMap(loadGuard(dir), (g) => g.classify(rows.map((r) => r.text)))).pipe(Effect.provide(BackendLive()))
      const byLang = scoreByLanguage(rows, preds.map((p) => p.unsafe))
      for (const [lang, m] of Object.entries(byLang)) {
        rowsOut.push([path.relative(repoRoot, path.resolve(dir)) || dir, lang, String(m.n), String(m.nUnsafe), pct(m.f1), pct(equalPriorF1(m)), pct(m.recall), pct(m.flagRate), pct(m.auprc)])
      }
    }
    const header = ["guard", "lang", "n", "unsafe", "F1", "F1 (equal prior)", "recall", "flagged", "AUPRC"]
    yield* Console.log(md.table(header, rowsOut, { align: header.map((_, i) => (i < 2 ? "left" : "right")), tight: true }))
  })
)

runCommandLine("crosslingual-check", Command.run(command, { name: "crosslingual-check", version: "0.1.0" })(process.argv))
