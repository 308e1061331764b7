/**
 * Alternation groups in template text: `{a|b|c}` stands for one of a, b, c, and several groups
 * multiply, so one hand-written look-alike question ("How do I {kill|end} {a frozen process|a
 * background job}?") gives many distinct, still grammatical ones. A guard that memorized a few
 * dozen fixed sentences learns nothing general from them; varied ones make it learn the words.
 *
 * No nesting; every group has at least two alternatives; an alternative may be empty (an
 * optional word: `{ tonight|}`). Browser-safe and pure.
 */
import type { Rng } from "../../runtime/rng.ts"

const GROUP = /\{([^{}]*)\}/g

/** Why `text` is not valid alternation syntax, or null when it is. */
export const alternationError = (text: string): string | null => {
  const outside = text.replace(GROUP, "")
  if (outside.includes("{") || outside.includes("}")) return "unbalanced or nested braces"
  for (const m of text.matchAll(GROUP)) {
    if (!m[1].includes("|")) return `group {${m[1]}} needs at least two alternatives separated by |`
  }
  return null
}

/** The groups of `text`, each as its alternatives. */
const groupsOf = (text: string): Array<Array<string>> => [...text.matchAll(GROUP)].map((m) => m[1].split("|"))

/** How many texts `text` stands for (the product of its groups' sizes). */
export const variantCount = (text: string): number => groupsOf(text).reduce((n, g) => n * g.length, 1)

/** Spaces an empty alternative can leave behind: doubled, or before "." and "," (French keeps its space before ? ! : ;). */
const tidy = (s: string): string => s.replace(/ {2,}/g, " ").replace(/ ([.,])/g, "$1").trim()

/** One text, each group's alternative drawn uniformly from `rng`. */
export const expandOne = (text: string, rng: Rng): string => tidy(text.replace(GROUP, (_, body: string) => {
  const alternatives = body.split("|")
  return alternatives[rng.int(alternatives.length)]
}))

/** Every text `text` stands for, in order (for tests and inspection; mind `variantCount`). */
export const expandAll = (text: string): Array<string> => {
  let out = [""]
  let last = 0
  for (const m of text.matchAll(GROUP)) {
    const literal = text.slice(last, m.index)
    out = out.flatMap((prefix) => m[1].split("|").map((alt) => prefix + literal + alt))
    last = m.index! + m[0].length
  }
  return out.map((prefix) => tidy(prefix + text.slice(last)))
}
