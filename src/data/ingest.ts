/**
 * The ingestion pipeline: raw shared datasets → datasets/seed.parquet (training rows),
 * datasets/benchmarks.parquet (evaluation rows) and the dataset card datasets/README.md.
 *
 * Order of the steps, per seed row: parse & label (source adapter) → normalize (drop empty)
 * → language check (drop rows confidently in another language) → contamination guard (drop
 * rows equal or near-equal to any benchmark text) → dedup across all sources → id, split.
 * Every output is written atomically and is byte-identical across runs on the same input.
 */
import { Console, Effect, Schema } from "effect"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { BenchmarkRow, Example, isCoreLanguage, type CategoryId, type Lang } from "../../schemas/index.ts"
import { hash32 } from "../runtime/rng.ts"
import { withProgress } from "../runtime/progress.ts"
import { renderCard } from "./card.ts"
import { CONTAMINATION_DEFAULTS, makeContaminationIndex } from "./contamination.ts"
import { dedupByKeys, nearDuplicateKey, type DedupStats } from "./dedup.ts"
import { FileError } from "./errors.ts"
import { allowsCommercialUse } from "./license.ts"
import { contradictsLanguage, LANGID_RULE } from "./langid.ts"
import { compareDetectors, LANGID_PROBE, type DetectorAccuracy } from "./langid-probe.ts"
import { matchKey, normalizeText } from "./normalize.ts"
import { decodeRows, rowsToTable, writeFileAtomic, writeParquet } from "./parquet.ts"
import { checkBenchmarkCounts, loadAllBenchmarks } from "./sources/benchmarks.ts"
import { allSources } from "./sources/index.ts"
import { checkMalformed, type Malformed, type SourceAdapter } from "./sources/source.ts"
import { BENCHMARK_COLUMNS, EXAMPLE_COLUMNS } from "./tables.ts"

export const IngestConfig = Schema.Struct({
  /** Folder with seed/, benign/ and benchmarks/ (the shared datasets). */
  shared: Schema.String,
  /** Root under which the Debian packages' files are read ("/" on a real system). */
  system: Schema.String,
  /** Leave out every source whose license forbids commercial use or states none. */
  commercialOnly: Schema.Boolean,
  /** Output folder for seed.parquet, benchmarks.parquet and README.md. */
  out: Schema.String,
  /** A source fails when more than this fraction of its raw rows is malformed. */
  maxMalformedFraction: Schema.Number.pipe(Schema.between(0, 1)),
  /** Share of seed rows (by hash of the id) that go to the validation split, in percent. */
  validationPercent: Schema.Number.pipe(Schema.between(0, 100)),
  /** Fail unless every benchmark file has the paper's exact row counts. */
  checkBenchmarkCounts: Schema.Boolean,
  langid: Schema.Struct({ minMargin: Schema.Number, minWords: Schema.Int }),
  contamination: Schema.Struct({
    shingleSize: Schema.Int.pipe(Schema.positive()),
    minShingles: Schema.Int.pipe(Schema.positive()),
    containment: Schema.Number.pipe(Schema.between(0, 1))
  })
})
export type IngestConfig = typeof IngestConfig.Type

export const ingestDefaults = (shared: string, out: string): IngestConfig => ({
  shared,
  out,
  system: "/",
  commercialOnly: false,
  maxMalformedFraction: 0.01,
  validationPercent: 5,
  checkBenchmarkCounts: true,
  langid: { ...LANGID_RULE },
  contamination: { ...CONTAMINATION_DEFAULTS }
})

export interface SourceStats {
  readonly name: string
  readonly license: string
  readonly files: ReadonlyArray<string>
  readonly labelRule: string
  readonly seen: number
  readonly malformed: ReadonlyArray<Malformed>
  readonly parsed: number
  readonly empty: number
  /** Rows dropped by the language check, by the language they were detected as. */
  readonly langDropped: Readonly<Record<string, number>>
  readonly contaminatedExact: number
  readonly contaminatedNear: number
  readonly duplicates: number
  readonly kept: number
}

/** A source that was not read, and why (its files are missing, or its license was filtered out). */
export interface SkippedSource {
  readonly name: string
  readonly license: string
  readonly files: ReadonlyArray<string>
  readonly reason: string
}

export interface IngestStats {
  readonly config: IngestConfig
  readonly sources: ReadonlyArray<SourceStats>
  readonly skipped: ReadonlyArray<SkippedSource>
  readonly dedup: DedupStats
  readonly examples: ReadonlyArray<Example>
  readonly benchmarks: ReadonlyArray<BenchmarkRow>
  readonly langid: ReadonlyArray<DetectorAccuracy>
}

interface Candidate {
  /** What dedup groups on: the near-duplicate key. */
  readonly key: string
  /** The exact match key (the id is derived from it). */
  readonly matchKey: string
  readonly text: string
  readonly lang: Lang
  readonly unsafe: boolean
  readonly categories: ReadonlyArray<CategoryId>
  readonly source: string
  readonly license: string
}

/** Stable id: 64 bits of SHA-256 over source and match key. */
export const exampleId = (source: string, key: string): string =>
  createHash("sha256").update(`${source}\u0000${key}`).digest("hex").slice(0, 16)

/** Deterministic split by a hash of the id: no randomness, no dependence on row order. */
export const splitOf = (id: string, validationPercent: number): "train" | "validation" =>
  hash32(`split/${id}`) / 4294967296 < validationPercent / 100 ? "validation" : "train"

/** A raw file's path as the card shows it: relative to the shared folder, or a system path from "/". */
const displayPath = (config: IngestConfig, file: string): string => {
  const rel = path.relative(config.shared, file)
  return rel.startsWith("..") ? `/${path.relative(config.system, file)}` : rel
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Run the whole ingest and return what happened (the CLI prints it, the card renders it). */
export const runIngest = (config: IngestConfig, candidateSources?: ReadonlyArray<SourceAdapter>) =>
  Effect.gen(function* () {
    const bench = yield* loadAllBenchmarks(config.shared)
    if (config.checkBenchmarkCounts) yield* checkBenchmarkCounts(bench.rows)
    const guard = makeContaminationIndex([...bench.rows.map((r) => r.text), ...bench.partTexts], config.contamination)

    const skipped: Array<SkippedSource> = []
    const skip = (s: SourceAdapter, reason: string) => skipped.push({ name: s.name, license: s.license, files: s.files, reason })
    const wanted = (candidateSources ?? allSources(config.system)).filter((s) => {
      if (!config.commercialOnly || allowsCommercialUse(s.license)) return true
      skip(s, `license ${s.license} does not allow commercial use (commercialOnly)`)
      return false
    })
    // A source whose files are missing is named and left out; any other read error stops the run.
    const attempts = yield* withProgress("read sources", wanted.length, (bar) =>
      Effect.forEach(wanted, (s) =>
        s.load(config.shared).pipe(
          Effect.flatMap((out) => checkMalformed(s.name, out, config.maxMalformedFraction)),
          Effect.map((out) => ({ source: s, out })),
          Effect.catchIf(
            (e): e is FileError => e instanceof FileError && e.reason.startsWith("missing"),
            (e) =>
              Effect.as(
                Effect.sync(() => skip(s, `${displayPath(config, e.path)}: ${e.reason}`)).pipe(
                  Effect.zipRight(Console.error(`ingest: source ${s.name} left out: ${e.message}`))
                ),
                null
              )
          ),
          Effect.tap(() => Effect.sync(() => bar.tick()))
        )
      )
    )
    const present = attempts.filter((a) => a !== null)
    if (present.length === 0) {
      return yield* Effect.fail(
        new FileError({ path: config.shared, reason: `no source found (${skipped.length} looked for; the first: ${skipped[0]?.reason ?? "none"})` })
      )
    }
    const sources = present.map((a) => a.source)
    const loaded = present.map((a) => a.out)

    const totalRows = loaded.reduce((n, o) => n + o.rows.length, 0)
    const candidates: Array<Candidate> = []
    const partial: Array<Omit<SourceStats, "duplicates" | "kept">> = []
    yield* withProgress("check rows (lang, benchmarks)", totalRows, (bar) =>
      Effect.sync(() => {
        sources.forEach((s, i) => {
          const out = loaded[i]
          let empty = 0
          let contaminatedExact = 0
          let contaminatedNear = 0
          const langDropped: Record<string, number> = {}
          for (const row of out.rows) {
            bar.tick()
            const text = normalizeText(row.text)
            if (text === "") {
              empty++
              continue
            }
            const lang = contradictsLanguage(text, row.lang, config.langid)
            if (lang.contradicts) {
              langDropped[lang.detected] = (langDropped[lang.detected] ?? 0) + 1
              continue
            }
            const key = matchKey(text)
            const hit = guard.checkKey(key)
            if (hit) {
              if (hit.kind === "exact") contaminatedExact++
              else contaminatedNear++
              continue
            }
            candidates.push({
              key: nearDuplicateKey(text),
              matchKey: key,
              text,
              lang: row.lang,
              unsafe: row.unsafe,
              categories: row.categories,
              source: s.name,
              license: s.license
            })
          }
          partial.push({
            name: s.name,
            license: s.license,
            files: s.files,
            labelRule: s.labelRule,
            seen: out.seen,
            malformed: out.malformed,
            parsed: out.rows.length,
            empty,
            langDropped,
            contaminatedExact,
            contaminatedNear
          })
        })
      })
    )

    // Near duplicates first, then rows of one source that would share an id (see dedupByKeys).
    const deduped = dedupByKeys(candidates, [(r) => r.key, (r) => `${r.source}\u0000${r.matchKey}`])
    const keptBySource = new Map<string, number>()
    for (const r of deduped.rows) keptBySource.set(r.source, (keptBySource.get(r.source) ?? 0) + 1)

    const seedFile = path.join(config.out, "seed.parquet")
    const rawExamples = deduped.rows.map((r) => {
      const id = exampleId(r.source, r.matchKey)
      return {
        id,
        text: r.text,
        lang: r.lang,
        unsafe: r.unsafe,
        categories: [...r.categories],
        source: r.source,
        license: r.license,
        split: splitOf(id, config.validationPercent),
        origin: "seed" as const,
        parent_id: null,
        iteration: 0
      }
    })
    rawExamples.sort((a, b) => byString(a.source, b.source) || byString(a.id, b.id))
    // Decode through the row schema: an unsafe row without categories (or the reverse) stops here.
    const examples = yield* decodeRows(Example, rawExamples, seedFile)
    const benchmarks = yield* decodeRows(BenchmarkRow, bench.rows, path.join(config.out, "benchmarks.parquet"))

    const udRows = loaded.flatMap((o, i) => (sources[i].name.startsWith("ud-") ? o.rows : [])).filter((r) => isCoreLanguage(r.lang))
    const langid = [
      compareDetectors("chat probe (80 hand-written messages, en/fr/de/es)", LANGID_PROBE),
      compareDetectors(
        "UD sentences (core languages, all)",
        udRows.flatMap((r) => (isCoreLanguage(r.lang) ? [{ lang: r.lang, text: normalizeText(r.text) }] : []))
      )
    ]

    const stats: IngestStats = {
      config,
      skipped,
      sources: partial.map((p) => ({
        ...p,
        duplicates: deduped.stats.removedBySource[p.name] ?? 0,
        kept: keptBySource.get(p.name) ?? 0
      })),
      dedup: deduped.stats,
      examples,
      benchmarks,
      langid
    }

    yield* writeParquet(seedFile, rowsToTable(examples, EXAMPLE_COLUMNS))
    yield* writeParquet(path.join(config.out, "benchmarks.parquet"), rowsToTable(benchmarks, BENCHMARK_COLUMNS))
    yield* writeFileAtomic(path.join(config.out, "README.md"), renderCard(stats))
    return stats
  })
