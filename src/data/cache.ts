/**
 * The project's tables are derived, not committed: `datasets/seed.parquet` and
 * `datasets/benchmarks.parquet` are built from the raw shared datasets (and the Debian
 * packages' text) on first use and cached. The cache key is a SHA-256 over every raw input
 * file's path and bytes, the ingest config and the ingest code itself, so a changed input,
 * setting or adapter rebuilds the tables and nothing else does.
 */
import { Console, Effect } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { repoRoot } from "../runtime/cli.ts"
import { ProgressLive } from "../runtime/progress.ts"
import { FileError } from "./errors.ts"
import { runIngest, type IngestConfig } from "./ingest.ts"
import { debianInputFiles } from "./sources/debian.ts"

/** Where the key of the tables in a folder is kept (git-ignored, like the tables). */
export const KEY_FILE = ".ingest-key"
export const TABLES = ["seed.parquet", "benchmarks.parquet"] as const

/** Every regular file under `dir`, as sorted paths relative to it ([] if `dir` is absent). */
const walk = (dir: string): Array<string> => {
  if (!fs.existsSync(dir)) return []
  const out: Array<string> = []
  const visit = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`
      if (e.isDirectory()) visit(r)
      else if (e.isFile()) out.push(r)
    }
  }
  visit("")
  return out.sort()
}

/** The code that decides what ingest writes: src/data and the schemas. */
const codeFiles = (): Array<string> =>
  [...walk(path.join(repoRoot, "src/data")).map((f) => `src/data/${f}`), ...walk(path.join(repoRoot, "schemas")).map((f) => `schemas/${f}`)].filter((f) =>
    f.endsWith(".ts")
  )

/** The cache key of an ingest: raw inputs, config (paths left out) and code. */
export const ingestKey = (config: IngestConfig): Effect.Effect<string, FileError> =>
  Effect.try({
    try: () => {
      const h = createHash("sha256")
      const file = (label: string, full: string) => {
        h.update(`${label}\u0000`)
        h.update(createHash("sha256").update(fs.readFileSync(full)).digest())
      }
      for (const f of walk(config.shared)) file(`shared/${f}`, path.join(config.shared, f))
      for (const f of debianInputFiles(config.system)) file(`system/${f}`, path.join(config.system, f))
      for (const f of codeFiles()) file(`code/${f}`, path.join(repoRoot, f))
      const { shared: _s, out: _o, system: _r, ...settings } = config
      h.update(JSON.stringify(settings))
      return h.digest("hex")
    },
    catch: (e) => new FileError({ path: config.shared, reason: `cannot hash the raw datasets: ${String(e)}` })
  })

/** True when `out` holds the tables for exactly this key. */
const upToDate = (out: string, key: string): boolean =>
  TABLES.every((t) => fs.existsSync(path.join(out, t))) &&
  fs.existsSync(path.join(out, KEY_FILE)) &&
  fs.readFileSync(path.join(out, KEY_FILE), "utf8").trim() === key

/**
 * Make sure `config.out` holds the tables for the current inputs: reuse them when the key
 * matches (→ null), ingest otherwise (→ what the ingest did). `force` always ingests.
 */
export const ensureDatasets = (config: IngestConfig, options: { readonly force?: boolean } = {}) =>
  Effect.gen(function* () {
    if (!fs.existsSync(config.shared)) {
      if (!options.force && TABLES.every((t) => fs.existsSync(path.join(config.out, t)))) {
        yield* Console.error(`datasets: ${config.shared} not found; using the tables already in ${path.relative(process.cwd(), config.out) || "."}`)
        return null
      }
      return yield* Effect.fail(
        new FileError({
          path: config.shared,
          reason: "the raw datasets folder is missing" + (options.force ? "" : " and no tables were built yet") + " (the README says where each dataset comes from; or pass --shared DIR)"
        })
      )
    }
    const key = yield* ingestKey(config)
    if (!options.force && upToDate(config.out, key)) return null
    if (!options.force) yield* Console.error(`datasets: building ${path.relative(process.cwd(), config.out) || "."}/ from ${config.shared} (first use or inputs changed; a few minutes)`)
    const stats = yield* runIngest(config)
    yield* Effect.try({
      try: () => fs.writeFileSync(path.join(config.out, KEY_FILE), `${key}\n`),
      catch: (e) => new FileError({ path: path.join(config.out, KEY_FILE), reason: String(e) })
    })
    return stats
  })

/** The default tables (datasets/ in the repo, from ../shared/datasets beside it). */
export const DEFAULT_TABLES = {
  seed: path.join(repoRoot, "datasets/seed.parquet"),
  benchmarks: path.join(repoRoot, "datasets/benchmarks.parquet")
} as const

/**
 * Build the default tables if a pipeline is about to read one of them: `files` are the paths
 * the pipeline resolved; anything else (a file the user named) is used as it is.
 */
export const ensureDefaultTables = (files: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const defaults: ReadonlyArray<string> = Object.values(DEFAULT_TABLES)
    if (!files.some((f) => defaults.includes(path.resolve(f)))) return
    const { ingestDefaults } = yield* Effect.promise(() => import("./ingest.ts"))
    yield* ensureDatasets(ingestDefaults(path.join(repoRoot, "../shared/datasets"), path.join(repoRoot, "datasets"))).pipe(Effect.provide(ProgressLive))
  })
