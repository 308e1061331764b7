/**
 * Vega-Lite spec builders for evaluation charts (rendered by src/report/charts.ts). Pure data →
 * spec, so the self-play report can reuse them with its own numbers. Values are percent on
 * every axis (the paper prints F1 in percent).
 */
import type { VegaLiteSpec } from "../report/charts.ts"
import { BENCHMARK_LANGUAGES, BENCHMARKS } from "../../schemas/index.ts"
import type { Figure9, ScoredSystem } from "./table1.ts"

const LANG_LABEL: Record<string, string> = { en: "En", fr: "Fr", de: "De", es: "Es" }
const BENCHMARK_LABEL: Record<string, string> = {
  xstest: "XSTest",
  openai: "OpenAI",
  toxicchat: "ToxicChat",
  beavertails: "BeaverTails",
  rtplx: "RTP-LX",
  xsafety: "XSafety"
}
export const langLabel = (lang: string): string => LANG_LABEL[lang] ?? lang
export const benchmarkLabel = (b: string): string => BENCHMARK_LABEL[b] ?? b

const pct = (x: number) => Math.round(x * 1000) / 10
const LANG_ORDER = BENCHMARK_LANGUAGES.map(langLabel)
const BENCHMARK_ORDER = BENCHMARKS.map(benchmarkLabel)

/**
 * Grouped bars of F1 per benchmark, one panel per language, with the flag-everything level of
 * the same cell drawn as a black tick: a bar below its tick is worse than flagging everything.
 */
export const f1ByBenchmarkSpec = (ours: ScoredSystem, baseline: ScoredSystem, title: string): VegaLiteSpec => {
  const values = ours.cells.map((c) => {
    const b = baseline.cells.find((x) => x.benchmark === c.benchmark && x.lang === c.lang)
    return {
      benchmark: benchmarkLabel(c.benchmark),
      lang: langLabel(c.lang),
      f1: pct(c.f1),
      flagEverything: b ? pct(b.f1) : null
    }
  })
  const x = { field: "benchmark", type: "nominal" as const, sort: BENCHMARK_ORDER, title: null, axis: { labelAngle: -40 } }
  return {
    title,
    data: { values },
    facet: { column: { field: "lang", type: "nominal", sort: LANG_ORDER, title: null } },
    spec: {
      width: 190,
      height: 220,
      layer: [
        {
          mark: "bar",
          encoding: {
            x,
            y: { field: "f1", type: "quantitative", title: "F1 (%)", scale: { domain: [0, 100] } },
            color: { field: "benchmark", type: "nominal", sort: BENCHMARK_ORDER, legend: null },
            tooltip: [{ field: "benchmark" }, { field: "lang" }, { field: "f1" }, { field: "flagEverything" }]
          }
        },
        {
          mark: { type: "tick", color: "black", thickness: 2 },
          encoding: { x, y: { field: "flagEverything", type: "quantitative" } }
        }
      ]
    }
  } as VegaLiteSpec
}

export interface ModelLangValue {
  readonly model: string
  readonly lang: string
  readonly avgF1: number // percent
}

/** Average F1 per language, one bar per model (ours, flag-everything and the paper's models). */
export const avgF1ComparisonSpec = (
  values: ReadonlyArray<ModelLangValue>,
  modelOrder: ReadonlyArray<string>,
  title: string
): VegaLiteSpec =>
  ({
    title,
    width: 520,
    height: 260,
    data: { values: values.map((v) => ({ ...v, lang: langLabel(v.lang) })) },
    mark: "bar",
    encoding: {
      x: { field: "lang", type: "nominal", sort: LANG_ORDER, title: null, axis: { labelAngle: 0 } },
      xOffset: { field: "model", type: "nominal", sort: [...modelOrder] },
      y: { field: "avgF1", type: "quantitative", title: "six-benchmark average F1 (%)", scale: { domain: [0, 100] } },
      color: { field: "model", type: "nominal", sort: [...modelOrder], title: "model", legend: { labelLimit: 320 } },
      tooltip: [{ field: "model" }, { field: "lang" }, { field: "avgF1" }]
    }
  }) as VegaLiteSpec

/** Figure 9: histograms of the unsafe probability of false positives and false negatives. */
export const errorProbabilitySpec = (fig: Figure9, title: string): VegaLiteSpec =>
  ({
    title,
    data: { values: fig.bins.map((b) => ({ ...b, lang: langLabel(b.lang) })) },
    facet: { column: { field: "kind", type: "nominal", title: null, sort: ["false positive", "false negative"] } },
    spec: {
      width: 300,
      height: 220,
      mark: "bar",
      encoding: {
        x: {
          field: "lo",
          type: "quantitative",
          bin: { binned: true, step: fig.binWidth },
          scale: { domain: [0, 1] },
          axis: { format: ".1f" },
          title: "unsafe probability"
        },
        x2: { field: "hi" },
        y: { field: "count", type: "quantitative", stack: "zero", title: "rows" },
        color: { field: "lang", type: "nominal", sort: LANG_ORDER, title: "language" },
        tooltip: [{ field: "kind" }, { field: "lang" }, { field: "lo" }, { field: "hi" }, { field: "count" }]
      }
    },
    resolve: { scale: { y: "independent" } }
  }) as VegaLiteSpec

export interface IterationPoint {
  readonly iteration: number
  readonly lang: string
  readonly avgF1: number // percent
}

/**
 * Average F1 per language across self-play iterations (the paper's convergence plot), with
 * optional dashed reference levels per language (e.g. flag-everything or the paper's model).
 */
export const avgF1VsIterationSpec = (
  points: ReadonlyArray<IterationPoint>,
  title: string,
  references: ReadonlyArray<{ readonly lang: string; readonly avgF1: number; readonly label: string }> = []
): VegaLiteSpec => {
  const color = { field: "lang", type: "nominal" as const, sort: LANG_ORDER, title: "language" }
  const layers: Array<object> = [
    {
      data: { values: points.map((p) => ({ ...p, lang: langLabel(p.lang) })) },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "iteration", type: "ordinal", title: "iteration" },
        y: { field: "avgF1", type: "quantitative", title: "six-benchmark average F1 (%)", scale: { domain: [0, 100] } },
        color,
        tooltip: [{ field: "iteration" }, { field: "lang" }, { field: "avgF1" }]
      }
    }
  ]
  if (references.length > 0) {
    layers.push({
      data: { values: references.map((r) => ({ ...r, lang: langLabel(r.lang) })) },
      mark: { type: "rule", strokeDash: [4, 4] },
      encoding: {
        y: { field: "avgF1", type: "quantitative" },
        color,
        tooltip: [{ field: "label" }, { field: "lang" }, { field: "avgF1" }]
      }
    })
  }
  return { title, width: 420, height: 260, layer: layers } as VegaLiteSpec
}
