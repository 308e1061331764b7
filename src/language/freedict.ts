/**
 * FreeDict English→X lexicons (dictd format: `.index` lines "headword<TAB>offset<TAB>length" in
 * base64 digits, pointing into the gzip-compatible `.dict.dz`), parsed once into
 * `english word or two-word phrase → best translations` and cached as JSON on disk.
 *
 * Picking a sense without context: prefer the senses a general reader would expect — entries
 * without domain labels ([mil.], [techn.]…) or usage notes, earlier senses, earlier synonyms,
 * and longer entries (Ding gives its common senses many examples).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { fileURLToPath } from "node:url"
import { Effect, Schema } from "effect"
import { writeFileAtomic } from "../data/parquet.ts"
import { OperatorError, OperatorUnavailable } from "./errors.ts"

/** Target languages FreeDict covers here, with the dictionary name and its Debian package. */
export const FREEDICT = {
  de: { dict: "eng-deu", pkg: "dict-freedict-eng-deu" },
  fr: { dict: "eng-fra", pkg: "dict-freedict-eng-fra" },
  es: { dict: "eng-spa", pkg: "dict-freedict-eng-spa" },
  it: { dict: "eng-ita", pkg: "dict-freedict-eng-ita" }
} as const
export type FreedictLang = keyof typeof FREEDICT

export const dictDir = (): string => process.env.FREEDICT_DIR ?? "/usr/share/dictd"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
/** Where parsed lexicons are cached (gitignored `.cache/` of the repo unless overridden). */
export const defaultCacheDir = (): string => process.env.DUOGUARD_CACHE_DIR ?? path.join(repoRoot, ".cache")

const files = (lang: FreedictLang) => {
  const base = path.join(dictDir(), `freedict-${FREEDICT[lang].dict}`)
  return { index: `${base}.index`, dict: `${base}.dict.dz` }
}

export const checkFreedict = (operator: string, langs: ReadonlyArray<FreedictLang>): Effect.Effect<void, OperatorUnavailable> =>
  Effect.suspend(() => {
    const missing = langs.filter((l) => {
      const f = files(l)
      return !fs.existsSync(f.index) || !fs.existsSync(f.dict)
    })
    if (missing.length === 0) return Effect.void
    return Effect.fail(new OperatorUnavailable({
      operator,
      missing: missing.map((l) => FREEDICT[l].pkg),
      reason: `FreeDict dictionaries not found in ${dictDir()} (${missing.map((l) => `freedict-${FREEDICT[l].dict}.index/.dict.dz`).join(", ")})`
    }))
  })

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const b64num = (s: string): number => {
  let n = 0
  for (const c of s) {
    const d = B64.indexOf(c)
    if (d < 0) return -1
    n = n * 64 + d
  }
  return n
}

// Trailing valency placeholders of Ding headwords as the index spells them ("kill sb./sth." → "kill sbsth").
const PLACEHOLDER = new Set(["sb", "sth", "sbsth", "sthsb", "sbs", "sths", "smb", "smth"])
// German valency placeholders in translations ("jdn./etw. töten", "sich etw. besorgen").
const VALENCY = /^(?:jd[nmrs]?\.|etw\.|sich)(?:\/.*)?$/

/** The English key of an index headword, or null when it is not a plain 1–2 word term. */
export const headwordKey = (head: string): string | null => {
  let words = head.toLowerCase().trim().split(/\s+/)
  if (words[0] === "to" && words.length > 1) words = words.slice(1)
  while (words.length > 1 && PLACEHOLDER.has(words[words.length - 1])) words = words.slice(0, -1)
  if (words.length === 0 || words.length > 2) return null
  if (words.some((w) => PLACEHOLDER.has(w) || !/^\p{L}[\p{L}'-]*$/u.test(w))) return null
  return words.join(" ")
}

// Register and regional labels mark senses a general reader would not expect; subject labels
// ([mil.], [med.]) often mark the core sense ("bomb" → "Bombe [mil.]"), so they cost little.
const REGISTER = /^\[(?:coll|ugs|Br|Am|eAm|Aus|Sc|Irl|NZ|Can|Ös|Schw|Dt|Norddt|Süddt|Bayr|slang|vulg|pej|obs|old|archaic|rare|humor|poet|lit|geh|übtr|fig|dialect)\.\]$/

/** Part of speech: verb, noun, adjective, or unknown (the small dictionaries carry no tags). */
export type Pos = "v" | "n" | "a" | ""

// Ding tags: "<v, trans>", "<masc>", "<fem>", "<neut>", "<pl>", "<adj>"; the English side may say "<v>".
const posOf = (body: string): Pos =>
  /<v[,>]/.test(body) ? "v" : /<(?:masc|fem|neut|pl|noun|n)>/.test(body) ? "n" : /<adj[,>]/.test(body) ? "a" : ""

export interface Translation {
  readonly text: string
  readonly pos: Pos
}

const lettersOnly = (w: string) => w.toLowerCase().replace(/[^\p{L}]/gu, "")

/**
 * Candidate translations of one entry with a penalty each (lower is better), or none when the
 * entry is indexed under an abbreviation of another headword ("CAR" → "contractors' all risk
 * insurance" must not translate "car").
 */
export const parseEntry = (body: string, key?: string): Array<{ readonly text: string; readonly pos: Pos; readonly penalty: number }> => {
  const [first, ...lines] = body.split("\n")
  const pos = posOf(body)
  if (key !== undefined && lettersOnly(first.split(/\s+/)[0] ?? "") !== lettersOnly(key.split(" ")[0])) return []
  const hasNote = lines.some((l) => /^\s*Note:/.test(l))
  // Ding gives its common senses many usage examples ("…" - …).
  const examples = Math.min(lines.filter((l) => /^\s*"/.test(l)).length, 6)
  // A multi-word synonym that starts with the headword ("bomb" ~ {bomb along}) marks a phrasal sense.
  const head = lettersOnly(first.split(/\s+/)[0] ?? "")
  const phrasal = lines.some((l) => /^\s*Synonyms?:/.test(l) && l.includes(`{${head} `)) ? 3 : 0
  const senses = lines
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^("|Note:|Synonyms?:|see:|Antonyms?:)/.test(l))
  const out: Array<{ text: string; pos: Pos; penalty: number }> = []
  senses.forEach((raw, senseIdx) => {
    // Labels before the first candidate qualify the whole sense; later ones only their candidate.
    const lead = /^((?:\s*\[[^\]]*\])+)/.exec(raw)?.[1] ?? ""
    // Grammar tags "<v, trans>" and glosses hold commas too: drop them before splitting.
    const line = raw.slice(lead.length).replace(/^\s*\d+\.\s*/, "").replace(/<[^>]*>|\([^)]*\)|\{[^}]*\}/g, " ")
    line.split(/[,;]/).forEach((segment, candIdx) => {
      const labels = (lead + segment).match(/\[[^\]]*\.\]/g) ?? []
      const register = labels.filter((l) => REGISTER.test(l)).length
      const subject = labels.length - register
      const cleaned = segment.replace(/\[[^\]]*\]/g, " ")
      const words = cleaned.trim().split(/\s+/).filter((w) => w.length > 0 && !VALENCY.test(w))
      const text = words.join(" ")
      if (text.length < 2 || words.length > 2) return
      if (!words.every((w) => /^\p{L}[\p{L}'’-]*$/u.test(w))) return
      out.push({
        text,
        pos,
        penalty: 10 * register + subject + 2 * (hasNote ? 1 : 0) + phrasal + 2 * senseIdx + candIdx - 0.75 * examples
      })
    })
  })
  return out
}

/** English key → up to 6 translations, best first. */
export type Lexicon = ReadonlyMap<string, ReadonlyArray<Translation>>

/**
 * `dropLongSingleWords`: the eng-spa data lost the spaces of its multi-word translations
 * ("enelextranjero", "tarjetadecrédito"); single tokens over 12 letters there are mostly such
 * joins, so they are dropped (a few real long words go with them).
 */
export const buildLexicon = (indexText: string, dict: Buffer, opts: { readonly dropLongSingleWords?: boolean } = {}): Lexicon => {
  const best = new Map<string, Map<string, { pos: Pos; penalty: number }>>()
  for (const line of indexText.split("\n")) {
    const [head, off, len] = line.split("\t")
    if (!head || off === undefined || len === undefined || head.startsWith("00")) continue
    const key = headwordKey(head)
    if (!key) continue
    const o = b64num(off)
    const n = b64num(len)
    if (o < 0 || n <= 0 || o + n > dict.length) continue
    let m = best.get(key)
    if (!m) best.set(key, (m = new Map()))
    for (const c of parseEntry(dict.subarray(o, o + n).toString("utf8"), key)) {
      if (opts.dropLongSingleWords && c.text.length > 12 && !c.text.includes(" ")) continue
      const prev = m.get(c.text)
      if (prev === undefined || c.penalty < prev.penalty) m.set(c.text, { pos: c.pos, penalty: c.penalty })
    }
  }
  const lexicon = new Map<string, ReadonlyArray<Translation>>()
  for (const [key, m] of [...best].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ranked = [...m]
      .sort((a, b) => a[1].penalty - b[1].penalty || (a[0] < b[0] ? -1 : 1))
      .slice(0, 6)
      .map(([text, { pos }]) => ({ text, pos }))
    if (ranked.length > 0) lexicon.set(key, ranked)
  }
  return lexicon
}

const CACHE_VERSION = 5
const CacheFile = Schema.Struct({
  version: Schema.Literal(CACHE_VERSION),
  /** size and mtime of the dictionary files it was built from: a new package version rebuilds. */
  stamp: Schema.String,
  entries: Schema.Array(Schema.Tuple(
    Schema.String,
    Schema.Array(Schema.Struct({ text: Schema.String, pos: Schema.Literal("v", "n", "a", "") }))
  ))
})

const stampOf = (lang: FreedictLang): string => {
  const f = files(lang)
  const a = fs.statSync(f.index)
  const b = fs.statSync(f.dict)
  return `${a.size}:${a.mtimeMs}/${b.size}:${b.mtimeMs}`
}

const memo = new Map<string, Lexicon>()

/**
 * The lexicon for `lang`: from memory, else from the disk cache if it matches the installed
 * dictionary, else parsed from the dictionary and written to the cache atomically.
 */
export const loadLexicon = (
  operator: string,
  lang: FreedictLang,
  cacheDir: string = defaultCacheDir()
): Effect.Effect<Lexicon, OperatorError | OperatorUnavailable> =>
  Effect.gen(function* () {
    yield* checkFreedict(operator, [lang])
    const cacheFile = path.join(cacheDir, "freedict", `${FREEDICT[lang].dict}.v${CACHE_VERSION}.json`)
    const hit = memo.get(cacheFile)
    if (hit) return hit
    const fail = (reason: string) => new OperatorError({ operator, reason })
    const stamp = yield* Effect.try({ try: () => stampOf(lang), catch: (e) => fail(String(e)) })
    const cached = yield* Effect.sync(() => {
      try {
        const decoded = Schema.decodeUnknownSync(CacheFile)(JSON.parse(fs.readFileSync(cacheFile, "utf8")))
        return decoded.stamp === stamp ? new Map(decoded.entries) as Lexicon : null
      } catch {
        return null // missing, stale or corrupt: rebuild
      }
    })
    if (cached) {
      memo.set(cacheFile, cached)
      return cached
    }
    const f = files(lang)
    const lexicon = yield* Effect.try({
      try: () => buildLexicon(fs.readFileSync(f.index, "utf8"), zlib.gunzipSync(fs.readFileSync(f.dict)), { dropLongSingleWords: lang === "es" }),
      catch: (e) => fail(`could not parse ${f.index} / ${f.dict}: ${String(e)}`)
    })
    const json = JSON.stringify({ version: CACHE_VERSION, stamp, entries: [...lexicon] })
    yield* Effect.try({ try: () => fs.mkdirSync(path.dirname(cacheFile), { recursive: true }), catch: (e) => fail(String(e)) })
    yield* writeFileAtomic(cacheFile, json).pipe(Effect.mapError((e) => fail(`cache write failed: ${e.message}`)))
    memo.set(cacheFile, lexicon)
    return lexicon
  })

/** Naive English lemmas to try when the surface form is missing (the small dictionaries lack inflections). */
export const englishLemmas = (w: string): Array<string> => {
  const out: Array<string> = []
  if (w.endsWith("ies") && w.length > 4) out.push(w.slice(0, -3) + "y")
  if (w.endsWith("es") && w.length > 3) out.push(w.slice(0, -2))
  if (w.endsWith("s") && !w.endsWith("ss") && w.length > 3) out.push(w.slice(0, -1))
  if (w.endsWith("ed") && w.length > 4) out.push(w.slice(0, -2), w.slice(0, -1))
  if (w.endsWith("ing") && w.length > 5) out.push(w.slice(0, -3), w.slice(0, -3) + "e")
  return out
}
