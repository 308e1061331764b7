/** A tiny benchmark table and a fake guard whose probabilities are written in the text. */
import { Effect } from "effect"
import { CATEGORY_IDS, type BenchmarkRow, type Prediction } from "../../schemas/index.ts"
import type { Classifier } from "../../src/eval/evaluate.ts"

const row = (benchmark: BenchmarkRow["benchmark"], lang: BenchmarkRow["lang"], unsafe: boolean, p: number): BenchmarkRow => ({
  benchmark,
  lang,
  text: `p=${p} some text`,
  unsafe,
  categories: null
})

/**
 * Hand-checked expectations (threshold 0.5):
 * - en/xstest  (T .9) (T .3) (F .7) (F .1): tp 1 fn 1 fp 1 tn 1 → P .5 R .5 F1 .5 FPR .5,
 *   AP: .9 → P 1 R .5; .7 → P 1/2; .3 → P 2/3 R 1 → AP = .5 + .5·2/3 = 5/6
 * - en/xsafety (T .8) (T .2): tp 1 fn 1 → F1 2/3, FPR null, AP 1
 * - fr/xstest  (T .6) (F .4): tp 1 tn 1 → F1 1, FPR 0
 * - averages: en (1/2 + 2/3)/2 = 7/12, fr 1 (both incomplete: not all six benchmarks)
 * - flag-everything F1: en/xstest 2·2/(2+4) = 2/3, en/xsafety 1, fr/xstest 2/3 → en avg 5/6
 */
export const TINY_BENCHMARK: ReadonlyArray<BenchmarkRow> = [
  row("xsafety", "en", true, 0.8),
  row("xstest", "en", true, 0.9),
  row("xstest", "fr", true, 0.6),
  row("xstest", "en", true, 0.3),
  row("xstest", "en", false, 0.7),
  row("xsafety", "en", true, 0.2),
  row("xstest", "en", false, 0.1),
  row("xstest", "fr", false, 0.4)
]

export const probabilityOf = (text: string): number => {
  const m = /^p=([0-9.]+)/.exec(text)
  if (!m) throw new Error(`fake guard: no probability in "${text}"`)
  return Number(m[1])
}

export const predictionFor = (p: number): Prediction => ({
  unsafe: p,
  flagged: p > 0.5,
  categories: Object.fromEntries(CATEGORY_IDS.map((id) => [id, id === "C1" ? p : 0])) as Prediction["categories"]
})

/** A guard that answers the probability written in each text; records its batch sizes. */
export const fakeGuard = (
  modelDir = "models/fake",
  transform: (ps: Array<Prediction>) => Array<Prediction> = (x) => x
): Classifier<never> & { readonly batches: Array<number> } => {
  const batches: Array<number> = []
  return {
    modelDir,
    backend: "fake",
    batches,
    classify: (texts) =>
      Effect.sync(() => {
        batches.push(texts.length)
        return transform(texts.map((t) => predictionFor(probabilityOf(t))))
      })
  }
}
