/**
 * Calibration of the flag rule on the validation split. The paper's rule is fixed
 * (flagged iff max sigmoid > 0.5), so instead of moving the threshold we move the logits:
 * one shift s, added to all 12 logits, chosen on the seed's validation split so that the mean
 * per-language F1 at 0.5 is highest. Training weights rebalance the classes (balance.ts), which
 * leaves the raw scores' 0.5 point arbitrary; this puts it where validation F1 says.
 * Languages with a single label in validation have no F1 and are skipped.
 * Never fit on benchmarks.
 *
 * Prior: "observed" scores F1 on the rows as they are; "balanced" weighs each language's unsafe
 * and safe rows to half of its total each. The validation mix of labels is an accident of which
 * datasets were collected (Spanish 18 % unsafe, French 52 %), and "observed" lets it decide how
 * readily each language is flagged; training already balances labels per language
 * (balance.ts), and "balanced" calibrates under the same equal prior.
 *
 * `calibrate` puts it together for a trained model: the stored shift (config `calibration`,
 * `calibrationPrior`, `defaultOperatingPoint`) and the operating points saved beside it.
 */
import type { TrainConfig } from "./config.ts"

export type CalibrationPrior = "observed" | "balanced"
/** Every prior, in the order operating points are saved (format.ts). */
export const PRIORS: ReadonlyArray<CalibrationPrior> = ["balanced", "observed"]

/** F1 at threshold 0 on logits, with unsafe rows weighted `wPos` and safe rows `wNeg`. */
const weightedF1 = (logits: ReadonlyArray<number>, labels: ReadonlyArray<boolean>, wPos: number, wNeg: number): number => {
  let tp = 0, fp = 0, fn = 0
  for (let i = 0; i < logits.length; i++) {
    const flagged = logits[i] > 0
    if (labels[i]) flagged ? (tp += wPos) : (fn += wPos)
    else if (flagged) fp += wNeg
  }
  // Rounded as metrics.ts rounds F1, so near-ties resolve toward the smaller shift as before.
  return tp > 0 ? Math.round(((2 * tp) / (2 * tp + fp + fn)) * 10000) / 10000 : 0
}

export interface ShiftChoice {
  readonly shift: number
  /** Mean per-language validation F1 at that shift, and with no shift. */
  readonly meanF1: number
  readonly meanF1Unshifted: number
  readonly languages: ReadonlyArray<string>
}

const GRID = Array.from({ length: 121 }, (_, i) => Math.round((-3 + i * 0.05) * 100) / 100)

export const chooseShift = (
  maxLogits: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  langs: ReadonlyArray<string>,
  prior: CalibrationPrior = "observed"
): ShiftChoice => {
  const byLang = new Map<string, Array<number>>()
  langs.forEach((l, i) => {
    let a = byLang.get(l)
    if (!a) byLang.set(l, (a = []))
    a.push(i)
  })
  const usable = [...byLang.keys()].sort().filter((l) => {
    const ix = byLang.get(l)!
    const pos = ix.filter((i) => labels[i]).length
    return pos > 0 && pos < ix.length
  })
  if (usable.length === 0) return { shift: 0, meanF1: Number.NaN, meanF1Unshifted: Number.NaN, languages: [] }
  const meanF1 = (shift: number) => {
    let sum = 0
    for (const l of usable) {
      const ix = byLang.get(l)!
      const ys = ix.map((i) => labels[i])
      const pos = ys.filter((y) => y).length
      const [wPos, wNeg] = prior === "balanced" ? [0.5 / pos, 0.5 / (ys.length - pos)] : [1, 1]
      // sigmoid(x + s) > 0.5  ⟺  x + s > 0: score with logits directly, threshold 0.
      sum += weightedF1(ix.map((i) => maxLogits[i] + shift), ys, wPos, wNeg)
    }
    return sum / usable.length
  }
  let best = 0
  let bestF1 = meanF1(0)
  const unshifted = bestF1
  for (const s of GRID) {
    const f = meanF1(s)
    // Strictly better, or equal and closer to no shift: prefer the smallest change.
    if (f > bestF1 + 1e-9 || (Math.abs(f - bestF1) <= 1e-9 && Math.abs(s) < Math.abs(best))) {
      best = s
      bestF1 = f
    }
  }
  return { shift: best, meanF1: bestF1, meanF1Unshifted: unshifted, languages: usable }
}

/** Which validation rows count as everyday safe text, and how much of it may be flagged. */
export interface EverydayRule {
  /** Sources of everyday text (a regular expression over the source name). */
  readonly sourcePattern: string
  /** The most a language's everyday rows may be flagged. */
  readonly maxFlagRate: number
  /** Languages with fewer everyday validation rows are not asked (their rate is too noisy). */
  readonly minRows: number
  /**
   * Sources of natural sentences (UD treebanks, dictionary examples): asked apart from the UI
   * strings and help pages of the same language, which are far easier and outnumber them (pooled,
   * a guard flagged 2 % of Turkish everyday validation rows and 13 % of unseen Turkish sentences).
   * Absent: one pool per language.
   */
  readonly sentencePattern?: string | undefined
}

export interface EverydayShift {
  readonly shift: number
  /** Per language ("de", or "de/sentences" for natural sentences): everyday rows, and the largest shift that keeps their flag rate within the rule. */
  readonly byLanguage: Readonly<Record<string, { readonly rows: number; readonly shift: number }>>
}

/**
 * The "everyday" operating point: the largest shift (on the 0.05 grid) at which, in every
 * language with at least `minRows` everyday safe validation rows, at most `maxFlagRate` of them
 * are flagged (natural sentences and other everyday text asked apart when the rule says which
 * are sentences). The strictest cell sets it. Chosen on validation rows only.
 */
export const everydayShift = (
  maxLogits: ArrayLike<number>,
  rows: ReadonlyArray<{ readonly source: string; readonly lang: string; readonly unsafe: boolean }>,
  rule: EverydayRule
): EverydayShift => {
  const pattern = new RegExp(rule.sourcePattern)
  const sentences = rule.sentencePattern === undefined ? null : new RegExp(rule.sentencePattern)
  const byLang = new Map<string, Array<number>>()
  rows.forEach((r, i) => {
    if (r.unsafe || !pattern.test(r.source)) return
    const cell = sentences?.test(r.source) ? `${r.lang}/sentences` : r.lang
    const a = byLang.get(cell) ?? byLang.set(cell, []).get(cell)!
    a.push(maxLogits[i])
  })
  const byLanguage: Record<string, { rows: number; shift: number }> = {}
  let shift = Infinity
  for (const lang of [...byLang.keys()].sort()) {
    const logits = byLang.get(lang)!
    if (logits.length < rule.minRows) continue
    // Flagged iff logit + s > 0: at most k = floor(rate·n) rows may exceed −s.
    const sorted = Float64Array.from(logits).sort().reverse()
    const k = Math.floor(rule.maxFlagRate * sorted.length)
    const s = Math.floor(-sorted[k] * 20) / 20
    byLanguage[lang] = { rows: logits.length, shift: s }
    shift = Math.min(shift, s)
  }
  return { shift: Number.isFinite(shift) ? Math.round(shift * 100) / 100 : 0, byLanguage }
}

/** Under one class prior: the auxiliary model's shift on its validation rows and on the held-out rows. */
export interface GenreOffset {
  readonly onValidation: ShiftChoice
  readonly onHeldOut: ShiftChoice
  /** onHeldOut.shift − onValidation.shift, to 0.01. */
  readonly offset: number
}

/** What "sources" calibration measured with its auxiliary model (calibrate-sources.ts). */
export interface HeldOutShifts {
  /** The held-out sources present in the data, sorted, and their rows (train and validation). */
  readonly sources: ReadonlyArray<string>
  readonly rows: number
  readonly byPrior: Readonly<Record<CalibrationPrior, GenreOffset>>
}

/** How the logit shift was chosen (see `calibrate`). */
export interface Calibration {
  readonly mode: TrainConfig["calibration"]
  /** The shift stored with the model. */
  readonly shift: number
  /** The shift that maximizes mean per-language F1 on the validation split (null for "none"). */
  readonly validation: ShiftChoice | null
  /** The "everyday" operating point (`everydayShift`). */
  readonly everyday?: EverydayShift
  /** "sources" mode: the auxiliary model's shifts on validation and on the unseen sources. */
  readonly heldOut?: {
    readonly sources: ReadonlyArray<string>
    readonly rows: number
    readonly auxValidation: ShiftChoice
    readonly auxHeldOut: ShiftChoice
    readonly genreOffset: number
  }
}

/** The shifts saved with a model for users to choose: one per class prior, and the everyday one. */
export type OperatingPoints = Record<CalibrationPrior | "everyday", number>

const toHundredth = (x: number) => Math.round(x * 100) / 100

/**
 * Calibrate a model whose validation rows score `maxLogits` (max logit per row): the shift it
 * stores and the operating points saved beside it. `heldOut` is the "sources" genre offset,
 * null in other modes or where it could not be measured; the offset under each prior is added
 * to that prior's validation shift.
 */
export const calibrate = (
  maxLogits: ArrayLike<number>,
  validation: ReadonlyArray<{ readonly source: string; readonly lang: string; readonly unsafe: boolean }>,
  config: Pick<TrainConfig, "calibration" | "calibrationPrior" | "defaultOperatingPoint" | "everyday">,
  heldOut: HeldOutShifts | null
): { readonly calibration: Calibration; readonly operatingPoints: OperatingPoints | undefined } => {
  const labels = validation.map((r) => r.unsafe)
  const langs = validation.map((r) => r.lang)
  // The shift under each class prior; the configured one is stored as the model's default,
  // the other is kept as an operating point a user can pick (format.ts `operatingPoints`).
  const shiftsOnValidation = Object.fromEntries(PRIORS.map((p) => [p, chooseShift(maxLogits, labels, langs, p)])) as Record<CalibrationPrior, ShiftChoice>
  const onValidation = config.calibration === "none" ? null : shiftsOnValidation[config.calibrationPrior]
  let calibration: Calibration = { mode: config.calibration, shift: onValidation?.shift ?? 0, validation: onValidation }
  if (heldOut !== null) {
    const { onValidation: auxValidation, onHeldOut: auxHeldOut, offset: genreOffset } = heldOut.byPrior[config.calibrationPrior]
    calibration = {
      ...calibration,
      shift: toHundredth((onValidation?.shift ?? 0) + genreOffset),
      heldOut: { sources: heldOut.sources, rows: heldOut.rows, auxValidation, auxHeldOut, genreOffset }
    }
  }
  const everyday = everydayShift(maxLogits, validation, config.everyday)
  if (config.calibration !== "none" && config.defaultOperatingPoint === "everyday") calibration = { ...calibration, shift: everyday.shift }
  calibration = { ...calibration, everyday }
  const genreOffset = (p: CalibrationPrior) => heldOut?.byPrior[p].offset ?? 0
  const operatingPoints =
    config.calibration === "none"
      ? undefined
      : {
          ...(Object.fromEntries(PRIORS.map((p) => [p, toHundredth(shiftsOnValidation[p].shift + genreOffset(p))])) as Record<CalibrationPrior, number>),
          everyday: everyday.shift
        }
  return { calibration, operatingPoints }
}
