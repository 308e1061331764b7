import { describe, expect, it } from "vitest"
import {
  auc,
  averagePrecision,
  binaryMetrics,
  confusion,
  f1,
  falsePositiveRate,
  precision,
  recall,
  validationMetrics
} from "../../src/guard/metrics.ts"

const T = true
const F = false

describe("confusion counts and threshold metrics", () => {
  // labels  T T F F T F T F
  // flagged T F T F T F F F
  // → tp = rows 0,4 (2); fn = rows 1,6 (2); fp = row 2 (1); tn = rows 3,5,7 (3)
  const c = confusion([T, T, F, F, T, F, T, F], [T, F, T, F, T, F, F, F])

  it("counts tp/fp/tn/fn", () => {
    expect(c).toEqual({ tp: 2, fp: 1, tn: 3, fn: 2 })
  })

  it("precision 2/3, recall 2/4, F1 = 2·2/(2·2+1+2) = 4/7, FPR 1/4", () => {
    expect(precision(c)).toBeCloseTo(2 / 3, 12)
    expect(recall(c)).toBeCloseTo(1 / 2, 12)
    expect(f1(c)).toBeCloseTo(4 / 7, 12)
    // F1 is also the harmonic mean of P and R
    expect(f1(c)).toBeCloseTo((2 * (2 / 3) * (1 / 2)) / (2 / 3 + 1 / 2), 12)
    expect(falsePositiveRate(c)).toBeCloseTo(1 / 4, 12)
  })

  it("zero division: nothing flagged → precision 0, F1 0", () => {
    const none = confusion([T, F, T], [F, F, F])
    expect(none).toEqual({ tp: 0, fp: 0, tn: 1, fn: 2 })
    expect(precision(none)).toBe(0)
    expect(recall(none)).toBe(0)
    expect(f1(none)).toBe(0)
    expect(falsePositiveRate(none)).toBe(0)
  })

  it("zero division: no unsafe rows → recall 0, F1 0 (even when the guard is right)", () => {
    const c0 = confusion([F, F], [F, F])
    expect(recall(c0)).toBe(0)
    expect(f1(c0)).toBe(0)
    expect(falsePositiveRate(c0)).toBe(0)
  })

  it("no safe rows (XSafety) → FPR is null, not 0", () => {
    const c1 = confusion([T, T, T], [T, F, T])
    expect(falsePositiveRate(c1)).toBeNull()
    expect(f1(c1)).toBeCloseTo(4 / 5, 12) // 2·2 / (2·2 + 0 + 1)
  })

  it("rejects mismatched lengths", () => {
    expect(() => confusion([T, F], [T])).toThrow(/2 labels but 1/)
  })
})

describe("averagePrecision (step-wise, as scikit-learn)", () => {
  it("hand-computed case", () => {
    // labels [1,0,1,1,0], scores [.9,.8,.7,.4,.2]; walk thresholds from high to low:
    //   .9 → tp 1 / seen 1: P 1,   R 1/3   (ΔR 1/3)
    //   .8 → tp 1 / seen 2: P 1/2, R 1/3   (ΔR 0)
    //   .7 → tp 2 / seen 3: P 2/3, R 2/3   (ΔR 1/3)
    //   .4 → tp 3 / seen 4: P 3/4, R 1     (ΔR 1/3)
    //   .2 → tp 3 / seen 5: P 3/5, R 1     (ΔR 0)
    // AP = 1/3·1 + 1/3·2/3 + 1/3·3/4 = 12/36 + 8/36 + 9/36 = 29/36 ≈ 0.8056
    expect(averagePrecision([T, F, T, T, F], [0.9, 0.8, 0.7, 0.4, 0.2])).toBeCloseTo(29 / 36, 12)
  })

  it("matches scikit-learn's documented example (0.8333…)", () => {
    // sklearn docs: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) → 0.8333
    // .8 → P 1, R 1/2; .4 → P 1/2, R 1/2; .35 → P 2/3, R 1 → AP = 1/2 + 1/2·2/3 = 5/6
    expect(averagePrecision([F, F, T, T], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 12)
  })

  it("is independent of row order (ranking only)", () => {
    expect(averagePrecision([F, T, T, F, T], [0.2, 0.4, 0.9, 0.8, 0.7])).toBeCloseTo(29 / 36, 12)
  })

  it("tied scores form one threshold, whatever their order", () => {
    // one threshold: P = 1/2 at R = 1 → AP = 1/2 (not 1, which "positive first" would give)
    expect(averagePrecision([T, F], [0.5, 0.5])).toBe(0.5)
    expect(averagePrecision([F, T], [0.5, 0.5])).toBe(0.5)
    // flag-everything (all scores equal): AP = base rate
    expect(averagePrecision([T, F, F, F], [1, 1, 1, 1])).toBe(0.25)
  })

  it("perfect ranking → 1; all unsafe → 1; no unsafe rows → null", () => {
    expect(averagePrecision([T, T, F], [0.9, 0.8, 0.1])).toBe(1)
    expect(averagePrecision([T, T], [0.1, 0.2])).toBe(1)
    expect(averagePrecision([F, F], [0.1, 0.9])).toBeNull()
  })

  it("rejects NaN scores", () => {
    expect(() => averagePrecision([T, F], [0.5, Number.NaN])).toThrow(/score 1 is NaN/)
  })
})

describe("binaryMetrics", () => {
  it("flags strictly above the threshold (0.5 itself is not flagged)", () => {
    const m = binaryMetrics([T, F, T, F], [0.5, 0.2, 0.51, 0.7], 0.5)
    expect({ tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn }).toEqual({ tp: 1, fp: 1, tn: 1, fn: 1 })
    expect(m.n).toBe(4)
    expect(m.nUnsafe).toBe(2)
    expect(m.flagRate).toBe(0.5)
    expect(m.f1).toBe(0.5)
    // ranking .7(F) .51(T) .5(T) .2(F): P@.7 = 0, P@.51 = 1/2 (R 1/2), P@.5 = 2/3 (R 1) → AP = 1/4 + 1/3
    expect(m.auprc).toBeCloseTo(1 / 4 + 1 / 3, 12)
  })
})

describe("validationMetrics and auc", () => {
  it("computes F1 at the fixed 0.5 rule and rank AUC with ties", () => {
    const m = validationMetrics([true, false, true, false], [0.9, 0.6, 0.4, 0.2])
    expect(m).toMatchObject({ n: 4, positives: 2, flagged: 2, precision: 0.5, recall: 0.5, f1: 0.5 })
    expect(auc([true, false], [0.5, 0.5])).toBe(0.5)
    expect(auc([false, true], [0.1, 0.9])).toBe(1)
    expect(Number.isNaN(auc([true], [0.1]))).toBe(true)
  })
})
