/**
 * The paper's Table 1 (F1 %, fixed 0.5 threshold), quoted from shared/paper/REFERENCE.md.
 * Per-benchmark cells where the paper gives them (English for every model, all four languages
 * for DuoGuard-0.5B); averages only for the baselines in Fr/De/Es, where only averages are given.
 * Values are percent, exactly as printed; nothing here is computed.
 */
import type { BenchmarkLang, BenchmarkName } from "../../schemas/index.ts"

export const PAPER_MODELS = [
  "DuoGuard-0.5B",
  "LlamaGuard3-8B",
  "LlamaGuard3-1B",
  "ShieldGemma-2B",
  "LlamaGuard2-8B"
] as const
export type PaperModel = (typeof PAPER_MODELS)[number]

export interface PaperRow {
  readonly model: PaperModel
  readonly lang: BenchmarkLang
  /** Per-benchmark F1 (%), or null where the paper reports only the average. */
  readonly f1Pct: Readonly<Record<BenchmarkName, number>> | null
  readonly avgF1Pct: number
}

const cells = (
  xstest: number, openai: number, toxicchat: number, beavertails: number, rtplx: number, xsafety: number
): Record<BenchmarkName, number> => ({ xstest, openai, toxicchat, beavertails, rtplx, xsafety })

export const PAPER_TABLE1: ReadonlyArray<PaperRow> = [
  { model: "LlamaGuard3-1B", lang: "en", f1Pct: cells(43.4, 36.8, 22.3, 51.6, 54.6, 62.3), avgF1Pct: 45.2 },
  { model: "ShieldGemma-2B", lang: "en", f1Pct: cells(69.4, 44.8, 36.4, 51.6, 26.0, 30.6), avgF1Pct: 43.1 },
  { model: "LlamaGuard2-8B", lang: "en", f1Pct: cells(88.8, 75.9, 46.3, 72.3, 39.5, 35.2), avgF1Pct: 59.7 },
  { model: "LlamaGuard3-8B", lang: "en", f1Pct: cells(88.4, 79.0, 54.0, 70.1, 48.5, 40.5), avgF1Pct: 63.4 },
  { model: "DuoGuard-0.5B", lang: "en", f1Pct: cells(82.3, 70.8, 70.1, 86.1, 91.7, 48.5), avgF1Pct: 74.9 },
  { model: "DuoGuard-0.5B", lang: "fr", f1Pct: cells(79.2, 67.1, 62.8, 81.3, 91.0, 54.7), avgF1Pct: 72.7 },
  { model: "DuoGuard-0.5B", lang: "de", f1Pct: cells(75.8, 65.9, 61.4, 80.8, 87.3, 60.4), avgF1Pct: 71.9 },
  { model: "DuoGuard-0.5B", lang: "es", f1Pct: cells(81.4, 66.8, 64.9, 81.4, 88.0, 61.0), avgF1Pct: 73.9 },
  // "Baseline averages Fr / De / Es" — only the six-benchmark average is given.
  { model: "LlamaGuard3-1B", lang: "fr", f1Pct: null, avgF1Pct: 44.6 },
  { model: "LlamaGuard3-1B", lang: "de", f1Pct: null, avgF1Pct: 44.7 },
  { model: "LlamaGuard3-1B", lang: "es", f1Pct: null, avgF1Pct: 45.0 },
  { model: "ShieldGemma-2B", lang: "fr", f1Pct: null, avgF1Pct: 37.4 },
  { model: "ShieldGemma-2B", lang: "de", f1Pct: null, avgF1Pct: 36.8 },
  { model: "ShieldGemma-2B", lang: "es", f1Pct: null, avgF1Pct: 37.0 },
  { model: "LlamaGuard2-8B", lang: "fr", f1Pct: null, avgF1Pct: 56.6 },
  { model: "LlamaGuard2-8B", lang: "de", f1Pct: null, avgF1Pct: 55.4 },
  { model: "LlamaGuard2-8B", lang: "es", f1Pct: null, avgF1Pct: 56.5 },
  { model: "LlamaGuard3-8B", lang: "fr", f1Pct: null, avgF1Pct: 61.9 },
  { model: "LlamaGuard3-8B", lang: "de", f1Pct: null, avgF1Pct: 61.3 },
  { model: "LlamaGuard3-8B", lang: "es", f1Pct: null, avgF1Pct: 61.5 }
]

/** The paper's average F1 (%) of a model in a language, or null if the paper does not give it. */
export const paperAvgF1 = (model: PaperModel, lang: BenchmarkLang): number | null =>
  PAPER_TABLE1.find((r) => r.model === model && r.lang === lang)?.avgF1Pct ?? null

/**
 * The flag-everything guard as REFERENCE.md states it (computed there from the benchmark files).
 * Our own computation from datasets/benchmarks.parquet is checked against these in the tests.
 */
export const REFERENCE_FLAG_EVERYTHING = {
  f1Pct: {
    xstest: 61.5,
    openai: 47.4,
    toxicchat: 22.5,
    beavertails: 72.9,
    rtplx: { en: 79.8, fr: 80.6, de: 87.0, es: 77.0 },
    xsafety: 100.0
  },
  avgF1Pct: { en: 64.0, fr: 64.1, de: 65.2, es: 63.6 }
} as const
