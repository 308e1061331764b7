/**
 * Language identification, restricted to the core languages (en fr de es it pt nl ar). Rows
 * of any other language keep the language their source declares: detectors confuse
 * code-mixed and romanized text (Tamil-English, Roman Urdu) with English, so they are not asked.
 *
 * Detector: eld (large n-gram database, ~400 MB in memory). Chosen over tinyld by
 * measurement (langid-probe.ts; numbers in datasets/README.md, recomputed by every ingest
 * run): equal on short chat messages, far fewer wrong calls on known-language text (UD
 * sentences, Alpaca), and ~3× faster. eld's medium database (70 MB) scored the same on
 * those sets but dropped ~20 more English tweets as Dutch/Spanish, so large it is.
 *
 * Ingest keeps each source's own language and only uses the detector to find rows that are
 * *confidently* in another language (`contradictsLanguage`): the detector must be reliable,
 * prefer another language by a margin of at least `LANGID_RULE.minMargin` in eld's
 * similarity score over the claimed language, on a text of at least `LANGID_RULE.minWords`
 * words. Short slangy posts are never dropped: that is where detectors confuse pt/es/it and
 * en/nl most.
 */
import { eld } from "eld/large"
import { CORE_LANGUAGES, isCoreLanguage, type CoreLang, type Lang } from "../../schemas/index.ts"

const detector = eld.newInstance()
detector.setLanguageSubset([...CORE_LANGUAGES])

const isLang = isCoreLanguage

/** The drop rule's thresholds (see module comment). */
export const LANGID_RULE = { minMargin: 0.2, minWords: 5 } as const

export interface Detection {
  readonly lang: CoreLang | "und"
  /** Margin of the best language over the runner-up in eld's similarity score (0 when undetermined). */
  readonly score: number
}

/** Best project language for `text`, or "und" when eld has no reliable answer. */
export const detectLanguage = (text: string): Detection => {
  const r = detector.detect(text)
  if (!isLang(r.language) || !r.isReliable()) return { lang: "und", score: 0 }
  const scores = Object.values(r.getScores()).sort((a, b) => b - a)
  return { lang: r.language, score: (scores[0] ?? 0) - (scores[1] ?? 0) }
}

/** Words that carry language: at least two letters, not a mention, hashtag, URL or "RT". */
export const contentWords = (text: string): number =>
  text.split(/\s+/u).filter((w) => !/^(@|#|https?:|www\.|rt$|url$)/iu.test(w) && /\p{L}{2,}/u.test(w)).length

export interface LanguageCheck {
  /** The language eld prefers, if it prefers another one than claimed. */
  readonly detected: CoreLang | "und"
  /** Score of `detected` minus score of the claimed language (0 if it agrees / undetermined). */
  readonly margin: number
  /** True when the row is confidently in another language and is dropped. */
  readonly contradicts: boolean
}

/** Does `text` confidently belong to another language than `claimed`? */
export const contradictsLanguage = (
  text: string,
  claimed: Lang,
  rule: { readonly minMargin: number; readonly minWords: number } = LANGID_RULE
): LanguageCheck => {
  if (!isCoreLanguage(claimed)) return { detected: "und", margin: 0, contradicts: false }
  const r = detector.detect(text)
  if (!isLang(r.language) || r.language === claimed || !r.isReliable()) {
    return { detected: isLang(r.language) ? r.language : "und", margin: 0, contradicts: false }
  }
  const scores = r.getScores()
  const margin = (scores[r.language] ?? 0) - (scores[claimed] ?? 0)
  const contradicts = margin >= rule.minMargin && contentWords(text) >= rule.minWords
  return { detected: r.language, margin, contradicts }
}

/** eld's top answer, reliable or not (what a plain top-1 accuracy measures). */
export const detectTop = (text: string): CoreLang | "und" => {
  const l = detector.detect(text).language
  return isLang(l) ? l : "und"
}
