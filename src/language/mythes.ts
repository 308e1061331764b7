/**
 * LibreOffice thesauri (MyThes format): `.idx` maps a word to a byte offset in `.dat`, where
 * "word|n" is followed by n meaning lines "(pos)|synonym|synonym…". Only the index is parsed up
 * front; meanings are decoded on lookup.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import type { Lang } from "../../schemas/index.ts"
import { OperatorError, OperatorUnavailable } from "./errors.ts"

export const MYTHES = {
  en: { base: "th_en_US_v2", pkg: "mythes-en-us" },
  fr: { base: "th_fr_FR_v2", pkg: "mythes-fr" },
  de: { base: "th_de_DE_v2", pkg: "mythes-de" },
  es: { base: "th_es_ES_v2", pkg: "mythes-es" },
  it: { base: "th_it_IT_v2", pkg: "mythes-it" }
} as const satisfies Partial<Record<Lang, { base: string; pkg: string }>>
export type MythesLang = keyof typeof MYTHES

export const mythesDir = (): string => process.env.MYTHES_DIR ?? "/usr/share/mythes"

const files = (lang: MythesLang) => {
  const base = path.join(mythesDir(), MYTHES[lang].base)
  return { idx: `${base}.idx`, dat: `${base}.dat` }
}

export const checkMythes = (operator: string, langs: ReadonlyArray<MythesLang>): Effect.Effect<void, OperatorUnavailable> =>
  Effect.suspend(() => {
    const missing = langs.filter((l) => !fs.existsSync(files(l).idx) || !fs.existsSync(files(l).dat))
    if (missing.length === 0) return Effect.void
    return Effect.fail(new OperatorUnavailable({
      operator,
      missing: missing.map((l) => MYTHES[l].pkg),
      reason: `thesaurus files not found in ${mythesDir()} (${missing.map((l) => `${MYTHES[l].base}.idx/.dat`).join(", ")})`
    }))
  })

export interface Thesaurus {
  /** Meanings of a word, each a list of raw synonym fields (annotations included). */
  readonly meanings: (word: string) => ReadonlyArray<ReadonlyArray<string>>
}

const encodingOf = (firstLine: string): BufferEncoding => (/8859-1|latin/i.test(firstLine) ? "latin1" : "utf8")

export const parseThesaurus = (idx: Buffer, dat: Buffer): Thesaurus => {
  const enc = encodingOf(idx.subarray(0, 32).toString("latin1").split("\n")[0])
  const offsets = new Map<string, number>()
  const lines = idx.toString(enc).split("\n")
  for (let i = 2; i < lines.length; i++) {
    const bar = lines[i].lastIndexOf("|")
    if (bar <= 0) continue
    const off = Number(lines[i].slice(bar + 1))
    if (Number.isFinite(off)) offsets.set(lines[i].slice(0, bar), off)
  }
  return {
    meanings: (word) => {
      const off = offsets.get(word)
      if (off === undefined) return []
      const end = dat.indexOf("\n", off)
      const head = dat.subarray(off, end).toString(enc)
      const n = Number(head.slice(head.lastIndexOf("|") + 1))
      const out: Array<Array<string>> = []
      let pos = end + 1
      for (let k = 0; k < n && pos < dat.length; k++) {
        const e = dat.indexOf("\n", pos)
        const line = dat.subarray(pos, e < 0 ? dat.length : e).toString(enc)
        out.push(line.split("|").slice(1))
        pos = e < 0 ? dat.length : e + 1
      }
      return out
    }
  }
}

const memo = new Map<MythesLang, Thesaurus>()

export const loadThesaurus = (operator: string, lang: MythesLang): Effect.Effect<Thesaurus, OperatorError> =>
  Effect.gen(function* () {
    const hit = memo.get(lang)
    if (hit) return hit
    yield* checkMythes(operator, [lang]).pipe(Effect.mapError((e) => new OperatorError({ operator, reason: e.message })))
    const f = files(lang)
    const th = yield* Effect.try({
      try: () => parseThesaurus(fs.readFileSync(f.idx), fs.readFileSync(f.dat)),
      catch: (e) => new OperatorError({ operator, reason: `could not read ${f.idx}: ${String(e)}` })
    })
    memo.set(lang, th)
    return th
  })
