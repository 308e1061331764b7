/**
 * The run report: how the game got the guard where it is. Reads what the stages wrote and
 * renders Markdown + SVG into runs/<id>/report/: Table 1 per iteration, Figure 7a (avg F1 per
 * language vs iteration), Figure 7b (language mix of the synthetic data), the generator's
 * fooling rate before/after each DPO step, filter statistics, and seed-only vs self-play.
 * Figure 9 (error probability histograms) is in each iteration's eval/ folder.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { createRequire } from "node:module"
import { BENCHMARK_LANGUAGES, BENCHMARKS, type Example } from "../../schemas/index.ts"
import { writeFileAtomic } from "../data/parquet.ts"
import { avgF1VsIterationSpec, langLabel, benchmarkLabel } from "../eval/charts.ts"
import { averageOf, cellOf, type Table1Result } from "../eval/table1.ts"
import { averages, nonEnglishMean } from "./compare.ts"
import type { CrosslingualScore } from "../eval/crosslingual.ts"
import type { GeneralizationResult } from "../eval/generalization.ts"
import { renderSvg, type VegaLiteSpec } from "../report/charts.ts"
import { table } from "../report/markdown.ts"
import { Seed } from "../runtime/seed.ts"
import { Game } from "./context.ts"
import { isLlmProgram } from "../generator/programs.ts"
import { ITER, iterName, readIfPresent, RUN, type JudgedRow, type Manifest, type RunFile } from "./run-folder.ts"
import { syntheticMixTable } from "./synthetic-mix.ts"
import { stableJson } from "../runtime/json.ts"
import { sha256File } from "./stage.ts"

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "–" : (100 * x).toFixed(1))

const packageVersion = (name: string): string => {
  try {
    const req = createRequire(import.meta.url)
    return (JSON.parse(fs.readFileSync(req.resolve(`${name}/package.json`), "utf8")) as { version: string }).version
  } catch {
    return "unknown"
  }
}

/** runs/<id>/manifest.json: config, seed, package versions and input hashes. No timestamps: same run, same bytes. */
export const writeRunManifest = Effect.gen(function* () {
  const game = yield* Game
  const { root } = yield* Seed
  const rel = (f: string) => path.relative(game.paths.repoRoot, f)
  const manifest: typeof Manifest.Type = {
    kind: "selfplay",
    createdBy: "pipelines/selfplay.ts",
    seed: root,
    config: JSON.parse(stableJson(game.config)),
    inputs: [game.paths.seedFile, game.paths.benchmarksFile].map((f) => ({ path: rel(f), sha256: sha256File(f) })),
    outputs: [],
    packages: Object.fromEntries(
      ["effect", "@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm", "apache-arrow", "parquet-wasm", "eld"].map((n) => [n, packageVersion(n)])
    ),
    node: process.versions.node
  }
  yield* RUN.manifest.write(game.paths.runDir, manifest)
})

const CHECK_LANGS = ["en", "es", "fr"]

/** One row per iteration: AUPRC, equal-prior F1 and share flagged per language (– where the check was skipped). */
export const generalizationTable = (perIteration: ReadonlyArray<GeneralizationResult | null>): string =>
  table(
    ["guard", "macro AUROC", "AUROC en / other", "balanced acc.", "everyday flagged (mean / worst)"],
    perIteration.map((g, t) => [
      `iteration ${t}`,
      ...(g === null
        ? ["–", "–", "–", "–"]
        : [pct(g.summary.macroAuroc), `${pct(g.summary.aurocEnglish)} / ${pct(g.summary.aurocOther)}`, pct(g.summary.balancedAccuracy),
          `${pct(g.summary.everydayFlagRate)} / ${pct(g.summary.everydayFlagRateWorst)} (${g.summary.worstLanguage})`])
    ])
  )

export const crosslingualTable = (perIteration: ReadonlyArray<Record<string, CrosslingualScore> | null>): string =>
  perIteration.every((s) => s === null)
    ? "_Skipped: Apertium is not installed (see the README's system packages)._"
    : table(
        ["guard", ...CHECK_LANGS.map((l) => `AUPRC ${l}`), ...CHECK_LANGS.map((l) => `equal-prior F1 ${l}`), ...CHECK_LANGS.map((l) => `flagged ${l}`)],
        perIteration.map((s, t) => [
          t === 0 ? "iteration 0 (seed only)" : `iteration ${t}`,
          ...CHECK_LANGS.map((l) => pct(s?.[l]?.auprc ?? undefined)),
          ...CHECK_LANGS.map((l) => pct(s?.[l]?.equalPriorF1 ?? undefined)),
          ...CHECK_LANGS.map((l) => pct(s?.[l]?.flagRate))
        ])
      )

export const writeRunReport = Effect.gen(function* () {
  const game = yield* Game
  const { config } = game
  const outDir = RUN.report.at(game.paths.runDir)
  const iters = Array.from({ length: config.iterations + 1 }, (_, t) => t)
  const tables: Array<Table1Result> = []
  for (const t of iters) tables.push(yield* ITER.table1.read(game.iterDir(t)))
  const synthetic: Array<ReadonlyArray<Example>> = [[]]
  for (const t of iters.slice(1)) synthetic.push(yield* ITER.synthetic.read(game.iterDir(t)))
  const fooledPerIteration: Array<{ t: number; rows: ReadonlyArray<JudgedRow> }> = []
  for (const t of iters.slice(1)) {
    const judged = yield* ITER.judged.read(game.iterDir(t))
    fooledPerIteration.push({ t, rows: judged.filter((j) => j.fooled) })
  }
  const played = iters.slice(1)
  /** A file of each iteration of `ts` (null where absent). */
  const each = <A, E>(file: RunFile<A, E>, ts: ReadonlyArray<number>) => Effect.forEach(ts, (t) => readIfPresent(file, game.iterDir(t)))

  // Figure 7a
  const points = iters.flatMap((t) =>
    BENCHMARK_LANGUAGES.map((lang) => ({ iteration: t, lang, avgF1: 100 * (averageOf(tables[t].ours, lang)?.avgF1 ?? NaN) }))
  )
  const flagAll = BENCHMARK_LANGUAGES.map((lang) => ({ lang, avgF1: 100 * (averageOf(tables[0].flagEverything, lang)?.avgF1 ?? NaN), label: "flag-everything" }))
  // Figure 7b
  const mix = iters.slice(1).flatMap((t) => {
    const counts = new Map<string, number>()
    for (const r of synthetic[t]) counts.set(r.lang, (counts.get(r.lang) ?? 0) + 1)
    return [...counts].map(([lang, n]) => ({ iteration: t, lang: langLabel(lang), share: n / synthetic[t].length, n }))
  })
  const mixSpec: VegaLiteSpec = {
    title: "Figure 7b: language mix of the synthetic training data",
    width: 320,
    height: 220,
    data: { values: mix },
    mark: "bar",
    encoding: {
      x: { field: "iteration", type: "ordinal" },
      y: { field: "share", type: "quantitative", stack: "normalize", axis: { format: "%" }, title: "share of synthetic rows" },
      color: { field: "lang", type: "nominal", title: "language" },
      tooltip: [{ field: "lang" }, { field: "n" }]
    }
  } as VegaLiteSpec
  // Fooling rates
  const fooling = yield* each(ITER.fooling, played)
  const foolingSpec: VegaLiteSpec = {
    title: "Generator fooling rate on a fresh sample (same guard)",
    width: 320,
    height: 220,
    data: {
      values: fooling.flatMap((f, i) =>
        f ? [{ iteration: i + 1, policy: "reference π(t-1)", rate: f.reference.rate }, { iteration: i + 1, policy: "after DPO π(t)", rate: f.updated.rate }] : []
      )
    },
    mark: "bar",
    encoding: {
      x: { field: "iteration", type: "ordinal" },
      xOffset: { field: "policy" },
      y: { field: "rate", type: "quantitative", axis: { format: "%" }, title: "proposals that fool the guard (per proposal)" },
      color: { field: "policy", type: "nominal" }
    }
  } as VegaLiteSpec
  const charts: Record<string, VegaLiteSpec> = {
    "figure7a_avg_f1_vs_iteration.svg": avgF1VsIterationSpec(points, "Figure 7a: six-benchmark average F1 per language", flagAll),
    "figure7b_synthetic_language_mix.svg": mixSpec,
    "fooling_rate.svg": foolingSpec
  }
  for (const [file, spec] of Object.entries(charts)) yield* writeFileAtomic(path.join(outDir, file), yield* Effect.promise(() => renderSvg(spec)))

  const last = config.iterations
  const avgRow = (name: string, r: Table1Result) => [name, ...BENCHMARK_LANGUAGES.map((l) => pct(averageOf(r.ours, l)?.avgF1))]
  const [fdeFirst, fdeLast] = [tables[0], tables[last]].map((r) => nonEnglishMean(averages(r)))
  const totalSynthetic = synthetic.reduce((s, x) => s + x.length, 0)
  const nonEnglishSynthetic = synthetic.reduce((s, x) => s + x.filter((r) => r.lang !== "en").length, 0)
  const filterRows = (yield* each(ITER.filter, played)).map((f, i) => [i + 1, f ?? {}] as const)
  const reasons = [...new Set(filterRows.flatMap(([, f]) => Object.keys(f)))].sort()
  const dpoRows = yield* each(ITER.dpo, played)

  // Only runs that use them get these sections: a run without either keeps its report's bytes.
  const trainerLines = config.externalTrainer === undefined ? [] : [
    "",
    `Guards trained by the external command \`${config.externalTrainer.command.join(" ")}\` (src/game/external-trainer.ts), not in-process:`,
    ...(yield* each(ITER.trainerResult, iters)).map((r, t) =>
      `- iteration ${t}: ${r ? `${r.format} guard, run by ${r.backend}` : "–"}`)
  ]
  const llmLines = config.llmUrl === null ? [] : yield* llmSection(iters.slice(1).map((t) => game.iterDir(t)), config.llmUrl)

  const md = [
    `# Self-play run \`${config.runId}\``,
    "",
    `Seed ${config.seed}; ${config.iterations} iteration(s) after the seed-only guard; seed languages ${config.seedLanguages.join(", ")};`,
    `${config.seedsPerIteration} seeds (drawn ${config.seedSampling === "per-source" ? "with an equal share per language × label × source" : "in proportion to rows per language × label × category"}) × ${config.proposalsPerSeed} proposals per iteration. Benchmarks are scored after each`,
    "iteration and used for nothing else. Config and input hashes: `../manifest.json`.",
    ...trainerLines,
    "",
    "## Six-benchmark average F1 (%) per iteration",
    "",
    table(["guard", ...BENCHMARK_LANGUAGES.map(langLabel)], [
      ...iters.map((t) => avgRow(t === 0 ? "iteration 0 (seed only)" : `iteration ${t}`, tables[t])),
      ["flag-everything", ...BENCHMARK_LANGUAGES.map((l) => pct(averageOf(tables[0].flagEverything, l)?.avgF1))]
    ]),
    "",
    `Mean over Fr/De/Es: ${fdeFirst.toFixed(1)} at iteration 0 → ${fdeLast.toFixed(1)} at iteration ${last}` +
      ` (${(fdeLast - fdeFirst).toFixed(1)} points).`,
    "",
    "![Figure 7a](figure7a_avg_f1_vs_iteration.svg)",
    "",
    "## Seed-only vs self-play, per benchmark (F1 %, iteration 0 → last)",
    "",
    table(["benchmark", ...BENCHMARK_LANGUAGES.map(langLabel)], BENCHMARKS.map((b) => [
      benchmarkLabel(b),
      ...BENCHMARK_LANGUAGES.map((l) => `${pct(cellOf(tables[0].ours, b, l)?.f1)} → ${pct(cellOf(tables[last].ours, b, l)?.f1)}`)
    ])),
    "",
    "Full Table 1 (precision, recall, FPR, AUPRC, flag-everything, paper rows) and Figure 9 per iteration:",
    ...iters.map((t) => `[iteration ${t}](../${iterName(t)}/${ITER.table1Markdown})`).map((l) => `- ${l}`),
    "",
    "## Generalization check (held-out sources; not a benchmark)",
    "",
    "Whole seed sources never trained on (src/eval/generalization.ts): AUROC and balanced accuracy at the guard's flag",
    "on held-out labelled sources, and the share of held-out everyday sentences (UD treebanks: whole files in en, fr, it, nl,",
    "half of every other file, ~22 languages) it flags.",
    "This is what choices are made on.",
    "",
    generalizationTable(yield* each(ITER.generalization, iters)),
    "",
    "## Cross-lingual check (not a benchmark)",
    "",
    "The English validation rows of the seed's request-like sources and their Apertium translations to Spanish and French",
    "(src/eval/crosslingual.ts): how well each guard recognizes requests it learned in English once they are translated.",
    "The game translates with the same Apertium pairs (from training rows, never these), so this flatters it.",
    "",
    crosslingualTable(yield* each(ITER.crosslingual, iters)),
    "",
    "## The generator",
    "",
    "Fooling rate = proposals the guard of the previous iteration gets wrong, per proposal (a rewrite the filters drop",
    "fools nobody) and per kept proposal, on a fresh seed sample, for the reference policy π(t-1) and the DPO-updated π(t).",
    "",
    table(["iteration", "π(t-1) per proposal", "π(t) per proposal", "π(t-1) per kept", "π(t) per kept", "kept (ref / new)", "DPO pairs", "DPO loss first → last epoch", "reward accuracy"],
      iters.slice(1).map((t) => {
        const f = fooling[t - 1]
        const d = dpoRows[t - 1]
        return [String(t), pct(f?.reference.rate), pct(f?.updated.rate), pct(f?.reference.ratePerKept), pct(f?.updated.ratePerKept), f ? `${f.reference.kept} / ${f.updated.kept}` : "–",
          String(d?.pairs ?? "–"), d ? `${d.lossFirstEpoch.toFixed(3)} → ${d.lossLastEpoch.toFixed(3)}` : "–", pct(d?.rewardAccuracy)]
      })),
    "",
    "![fooling rate](fooling_rate.svg)",
    "",
    ...llmLines,
    `Synthetic rows (misclassified proposals) added to the guard's data: ${totalSynthetic} (${pct(nonEnglishSynthetic / Math.max(1, totalSynthetic))} % non-English;` +
      ` ${config.syntheticValidationPercent} % of them held out for its validation split).`,
    "",
    "![Figure 7b](figure7b_synthetic_language_mix.svg)",
    "",
    "What they are (language × label, how the text was changed, what was wrapped around it):",
    "",
    syntheticMixTable(fooledPerIteration),
    "",
    "## Filter statistics (proposals per reason)",
    "",
    table(["reason", ...filterRows.map(([t]) => `iteration ${t}`)], reasons.map((r) => [r, ...filterRows.map(([, f]) => String(f[r] ?? 0))])),
    ""
  ].join("\n")
  yield* RUN.reportMarkdown.write(game.paths.runDir, md)
  return md
})

/** The LLM generator's share of the game: chosen, rewritten, kept, and fooling guard_{t-1}. */
const llmSection = (iterDirs: ReadonlyArray<string>, url: string) =>
  Effect.gen(function* () {
    const rows: Array<Array<string>> = []
    for (const [i, dir] of iterDirs.entries()) {
      const candidates = yield* ITER.candidates.read(dir)
      const judged = yield* ITER.judged.read(dir)
      const fooled = new Set(judged.filter((j) => j.fooled).map((j) => j.id))
      const llm = candidates.filter((c) => isLlmProgram(c.program))
      const kept = llm.filter((c) => c.dropped === "")
      const nFooled = kept.filter((c) => fooled.has(c.id)).length
      rows.push([String(i + 1), `${llm.length} / ${candidates.length} (${pct(llm.length / Math.max(1, candidates.length))} %)`,
        String(llm.filter((c) => c.status === "ok").length), String(kept.length), `${nFooled} (${kept.length > 0 ? pct(nFooled / kept.length) : "–"} %)`])
    }
    return [
      "### The LLM generator",
      "",
      `LLM rewrites (routes \`llm:*\`, through ${url}) among the iteration's proposals: how often the policy chose one,`,
      "how many came back rewritten (refusals and failed requests give none), passed the filters, and fooled the guard.",
      "",
      table(["iteration", "chosen (of all proposals)", "rewritten", "kept", "fooled guard(t-1) (of kept)"], rows),
      ""
    ]
  })

/** Copy the run's final guard to models/default (atomically), its manifest naming the run. */
export const shipGuard = (target: string) =>
  Effect.gen(function* () {
    const game = yield* Game
    const from = ITER.guard.at(game.iterDir(game.config.iterations))
    yield* Effect.sync(() => {
      const tmp = `${target}.tmp-${process.pid}`
      fs.rmSync(tmp, { recursive: true, force: true })
      fs.cpSync(from, tmp, { recursive: true })
      const manifestFile = path.join(tmp, "manifest.json")
      // An ONNX guard from an external trainer may come without a manifest.
      const manifest = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, "utf8")) : { kind: "guard" }
      manifest.run = { runId: game.config.runId, iteration: game.config.iterations, report: path.relative(game.paths.repoRoot, RUN.reportMarkdown.at(game.paths.runDir)) }
      fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`)
      fs.rmSync(target, { recursive: true, force: true })
      fs.renameSync(tmp, target)
    })
    yield* Effect.logInfo(`shipped ${path.relative(game.paths.repoRoot, from)} → ${path.relative(game.paths.repoRoot, target)}`)
  })
