/**
 * Apertium shallow-transfer machine translation, shared by the `translate` and `back-translate`
 * operators, the lexicon builder and the cross-lingual check.
 *
 * Installed pairs (measured): English only pairs with Spanish and Catalan; French, Italian and
 * Portuguese are reached through Spanish (or Catalan); no German pair exists. One process chain
 * per batch, one text per line, because start-up (~0.2 s per stage) dwarfs per-line cost.
 * Apertium runs without `-u` so unknown words keep their marks (`*` unknown, `@` no bilingual
 * entry, `#` generation failed): they give the untranslated-token ratio, then are stripped.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import type { Lang } from "../../schemas/index.ts"
import { OperatorError, OperatorUnavailable } from "./errors.ts"
import { runShellRetrying, shQuote, which } from "./subprocess.ts"

/** Languages Apertium can reach here; "ca" is only ever a pivot. */
export type MtLang = "en" | "es" | "fr" | "it" | "pt" | "ca"

/** Apertium mode name for each directed hop, and the Debian package that installs it. */
export const HOPS: Readonly<Record<string, { readonly mode: string; readonly pkg: string }>> = Object.fromEntries(
  // One installed pair per line: its package, then the mode of each direction.
  ([
    ["apertium-eng-spa", "en>es", "eng-spa", "es>en", "spa-eng"],
    ["apertium-eng-cat", "en>ca", "eng-cat", "ca>en", "cat-eng"],
    ["apertium-fr-es", "es>fr", "es-fr", "fr>es", "fr-es"],
    ["apertium-fra-cat", "fr>ca", "fra-cat", "ca>fr", "cat-fra"],
    ["apertium-es-pt", "es>pt", "es-pt", "pt>es", "pt-es"],
    ["apertium-spa-ita", "es>it", "spa-ita", "it>es", "ita-spa"],
    ["apertium-spa-cat", "es>ca", "spa-cat", "ca>es", "cat-spa"]
  ] as const).flatMap(([pkg, there, mode, back, backMode]) => [[there, { mode, pkg }], [back, { mode: backMode, pkg }]])
)

/**
 * English↔French goes through Catalan: on the seed sample it left fewer unknown words than the
 * Spanish pivot (see the measurement in the report). Everything else: direct, else via Spanish.
 */
const PREFERRED: Readonly<Record<string, ReadonlyArray<MtLang>>> = {
  "en>fr": ["en", "ca", "fr"],
  "fr>en": ["fr", "ca", "en"]
}

/** The chain of languages from `src` to `tgt`, or null when no installed-pair route exists. */
export const route = (src: MtLang, tgt: MtLang): ReadonlyArray<MtLang> | null => {
  if (src === tgt) return null
  const preferred = PREFERRED[`${src}>${tgt}`]
  if (preferred) return preferred
  if (HOPS[`${src}>${tgt}`]) return [src, tgt]
  if (HOPS[`${src}>es`] && HOPS[`es>${tgt}`]) return [src, "es", tgt]
  if (HOPS[`${src}>ca`] && HOPS[`ca>${tgt}`]) return [src, "ca", tgt]
  return null
}

export const isMtLang = (l: string): l is MtLang => ["en", "es", "fr", "it", "pt", "ca"].includes(l)

/** Apertium's data directory (the mode files live in `<dir>/modes`). */
const dataDir = () => process.env.APERTIUM_DATADIR ?? "/usr/share/apertium"

/** Every Debian package a chain of languages needs that is not installed. */
export const missingFor = (chain: ReadonlyArray<MtLang>): Array<string> => {
  const missing = new Set<string>()
  if (!which("apertium")) missing.add("apertium")
  for (let i = 0; i + 1 < chain.length; i++) {
    const hop = HOPS[`${chain[i]}>${chain[i + 1]}`]
    if (!fs.existsSync(path.join(dataDir(), "modes", `${hop.mode}.mode`))) missing.add(hop.pkg)
  }
  return [...missing]
}

/** `available` for an operator that needs all of these chains. */
export const checkChains = (operator: string, chains: ReadonlyArray<ReadonlyArray<MtLang>>): Effect.Effect<void, OperatorUnavailable> =>
  Effect.suspend(() => {
    const missing = [...new Set(chains.flatMap(missingFor))].sort()
    if (missing.length === 0) return Effect.void
    return Effect.fail(new OperatorUnavailable({
      operator,
      missing,
      reason: missing.includes("apertium")
        ? "the apertium binary is not on PATH (Debian package apertium)"
        : `Apertium language pairs not installed in ${dataDir()}/modes`
    }))
  })

// Characters apertium would confuse with its own unknown-word marks, swapped for look-alikes
// before translation and restored after, so the mark count only counts apertium's marks.
const PROTECT: ReadonlyArray<readonly [string, string]> = [["*", "\u2217"], ["@", "\uFF20"], ["#", "\uFF03"]]
// Newlines inside a text would split it into two lines of the batch.
const NEWLINE = "\u00B6"

const protect = (text: string): string => {
  let t = text.replace(/\r\n?/g, "\n")
  for (const [c, r] of PROTECT) t = t.split(c).join(r)
  return t.replace(/\n/g, ` ${NEWLINE} `)
}

const restore = (text: string): string => {
  let t = text
  for (const [c, r] of PROTECT) t = t.split(r).join(c)
  return t
}

/** Untranslated share of word tokens, and the text with apertium's marks removed. */
export const stripMarks = (line: string): { readonly text: string; readonly untranslated: number } => {
  let words = 0
  let marked = 0
  const tokens = line.split(/(\s+)/)
  const cleaned = tokens.map((tok) => {
    if (/^\s*$/.test(tok)) return tok
    const m = /^[*@#]+/.exec(tok)
    const bare = m ? tok.slice(m[0].length) : tok
    if (/\p{L}/u.test(bare)) {
      words++
      if (m) marked++
    }
    return bare
  })
  const text = cleaned.join("")
    .replace(/[ \t]+/g, " ")
    .replace(new RegExp(` ?${NEWLINE} ?`, "g"), "\n")
    .replace(/ ([,.;:!?])/g, "$1")
    .trim()
  return { text: restore(text), untranslated: words === 0 ? 0 : marked / words }
}

/** Spanish questions open with ¿ (apertium drops it when translating from English). */
export const addSpanishQuestionMarks = (text: string): string =>
  text.replace(/(?<=^|[.!?]\s+|\n)([^.!?\n¿¡]*\?)/g, (q: string) =>
    /\p{L}/u.test(q) ? `¿${q.replace(/^\s+/, "")}` : q
  )

const CHUNK = 1000

export interface Translation {
  readonly text: string
  readonly untranslated: number
}

/**
 * Translate texts along a chain of languages, one process chain per chunk of 1000 lines.
 * An empty text or a line the chain lost yields null for that text.
 */
export const translateBatch = (
  operator: string,
  texts: ReadonlyArray<string>,
  chain: ReadonlyArray<MtLang>
): Effect.Effect<ReadonlyArray<Translation | null>, OperatorError> =>
  Effect.gen(function* () {
    const modes: Array<string> = []
    for (let i = 0; i + 1 < chain.length; i++) modes.push(HOPS[`${chain[i]}>${chain[i + 1]}`].mode)
    const script = ["cat", ...modes.map((m) => `apertium ${shQuote(m)}`)].join(" | ")
    const out: Array<Translation | null> = new Array(texts.length).fill(null)
    const run = (lines: ReadonlyArray<string>): Effect.Effect<Array<string | null>, OperatorError> =>
      runShellRetrying(script, lines.join("\n") + "\n").pipe(
        Effect.mapError((e) => new OperatorError({ operator, reason: e.message })),
        Effect.flatMap((stdout) => {
          const got = stdout.replace(/\n$/, "").split("\n")
          if (got.length === lines.length) return Effect.succeed(got as Array<string | null>)
          // Lines merged or split somewhere in the chain: bisect to isolate the bad line.
          if (lines.length === 1) return Effect.succeed([null])
          const half = Math.ceil(lines.length / 2)
          return Effect.zipWith(run(lines.slice(0, half)), run(lines.slice(half)), (a, b) => [...a, ...b])
        })
      )
    for (let start = 0; start < texts.length; start += CHUNK) {
      const idx: Array<number> = []
      const lines: Array<string> = []
      for (let i = start; i < Math.min(texts.length, start + CHUNK); i++) {
        const p = protect(texts[i]).trim()
        if (p.length === 0) continue
        idx.push(i)
        lines.push(p)
      }
      if (lines.length === 0) continue
      const got = yield* run(lines)
      got.forEach((line, k) => {
        if (line === null) return
        const t = stripMarks(line)
        if (t.text.length === 0) return
        const target = chain[chain.length - 1]
        out[idx[k]] = { text: target === "es" ? addSpanishQuestionMarks(t.text) : t.text, untranslated: t.untranslated }
      })
    }
    return out
  })

/** Group input positions by source language (one process chain per language). */
export const byLang = (langs: ReadonlyArray<Lang>): Map<Lang, Array<number>> => {
  const groups = new Map<Lang, Array<number>>()
  langs.forEach((l, i) => {
    const g = groups.get(l)
    if (g) g.push(i)
    else groups.set(l, [i])
  })
  return groups
}
