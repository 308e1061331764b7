/**
 * Letters of other scripts that render like a Latin letter: the one table behind folding them
 * back (src/guard/canonicalize.ts) and swapping them in (the generator's `obfuscate` operator,
 * the perturbation suite in src/loadtest/). Browser-safe: data only.
 *
 * Per Latin letter: the look-alikes an attack swaps in, which render (nearly) identically in
 * common fonts, Cyrillic first, then Greek; and further look-alikes that are only folded back
 * (close enough to fool a reader skimming, or an accented twin: ё, ї, ı).
 */
const TABLE: Readonly<Record<string, readonly [swapped: string, foldedOnly: string]>> = {
  a: ["аα", "ɑ"], b: ["", "вβ"], c: ["сϲ", "ς"], d: ["ԁ", ""], e: ["е", "ёε"], g: ["", "ԍɡ"],
  h: ["һ", "н"], i: ["іι", "їıɩ"], j: ["ј", "ϳ"], k: ["кκ", ""], l: ["ӏ", ""], m: ["", "м"],
  n: ["", "η"], o: ["оο", ""], p: ["рρ", ""], q: ["ԛ", ""], s: ["ѕ", ""], t: ["", "тτ"],
  u: ["", "υ"], v: ["ν", "ѵ"], w: ["ԝ", "ω"], x: ["хχ", ""], y: ["у", "үγ"],
  A: ["АΑ", ""], B: ["ВΒ", ""], C: ["С", ""], E: ["ЕΕ", ""], H: ["НΗ", ""], I: ["ІΙ", "Ӏ"],
  J: ["", "Ј"], K: ["КΚ", ""], M: ["МΜ", ""], N: ["", "Ν"], O: ["ОΟ", ""], P: ["РΡ", ""],
  Q: ["", "Ԛ"], S: ["", "Ѕ"], T: ["ТΤ", ""], W: ["", "Ԝ"], X: ["ХΧ", ""], Y: ["Υ", "УҮ"],
  Z: ["", "Ζ"]
}

/** Every look-alike → its Latin letter. */
export const FOLD: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(TABLE).flatMap(([latin, [swapped, foldedOnly]]) => [...swapped, ...foldedOnly].map((c) => [c, latin]))
)

/** Latin letter → the look-alikes an attack swaps in (Cyrillic first), for letters that have any. */
export const SWAPS: Readonly<Record<string, ReadonlyArray<string>>> = Object.fromEntries(
  Object.entries(TABLE).filter(([, [swapped]]) => swapped !== "").map(([latin, [swapped]]) => [latin, [...swapped]])
)
