/**
 * Hunspell spell checking as a child process: one process per language per batch in `-l` mode
 * (prints only rejected words, no slow suggestions); a sentinel line after each text tells which
 * text each word came from.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Data, Effect } from "effect"
import type { Lang } from "../../schemas/index.ts"
import { runShellRetrying, shQuote, which } from "./subprocess.ts"
import { countWords } from "./words.ts"

export class SpellCheckError extends Data.TaggedError("SpellCheckError")<{
  readonly lang: Lang
  readonly reason: string
  /** Debian packages to install, when that is the cause. */
  readonly missing: ReadonlyArray<string>
}> {
  override get message() {
    return `spell check (${this.lang}): ${this.reason}` + (this.missing.length ? ` (missing: ${this.missing.join(", ")})` : "")
  }
}

/** Hunspell dictionary per language and the Debian package that installs it. */
export const HUNSPELL_DICTS: Readonly<Partial<Record<Lang, { readonly dict: string; readonly pkg: string }>>> = {
  en: { dict: "en_US", pkg: "hunspell-en-us" },
  fr: { dict: "fr_FR", pkg: "hunspell-fr" },
  de: { dict: "de_DE", pkg: "hunspell-de-de" },
  es: { dict: "es_ES", pkg: "hunspell-es" },
  it: { dict: "it_IT", pkg: "hunspell-it" },
  pt: { dict: "pt_PT", pkg: "hunspell-pt-pt" }
}

export const hunspellDir = (): string => process.env.HUNSPELL_DIR ?? "/usr/share/hunspell"

/** Fails naming the Debian package(s) missing for `lang`; succeeds with the dictionary path. */
export const checkHunspell = (lang: Lang): Effect.Effect<string, SpellCheckError> =>
  Effect.suspend(() => {
    const d = HUNSPELL_DICTS[lang]
    if (!d) return Effect.fail(new SpellCheckError({ lang, reason: "no hunspell dictionary is configured for this language", missing: [] }))
    const missing: Array<string> = []
    if (!which("hunspell")) missing.push("hunspell")
    const base = path.join(hunspellDir(), d.dict)
    if (!fs.existsSync(`${base}.dic`) || !fs.existsSync(`${base}.aff`)) missing.push(d.pkg)
    return missing.length === 0
      ? Effect.succeed(base)
      : Effect.fail(new SpellCheckError({ lang, reason: `hunspell or its ${d.dict} dictionary is not installed`, missing }))
  })

// A token no dictionary accepts; hunspell echoes it back, marking where the next text starts.
const SENTINEL = "qqzxjvkwqsentinel"

/**
 * Share of words hunspell rejects, per text (null for a text without words). One hunspell
 * process for the whole batch.
 */
export const misspelledRatios = (
  texts: ReadonlyArray<string>,
  lang: Lang
): Effect.Effect<ReadonlyArray<number | null>, SpellCheckError> =>
  Effect.gen(function* () {
    const dict = yield* checkHunspell(lang)
    if (texts.length === 0) return []
    const input = texts.map((t) => `${t.replace(/\s+/g, " ")}\n${SENTINEL}\n`).join("")
    const stdout = yield* runShellRetrying(`hunspell -i utf-8 -d ${shQuote(dict)} -l`, input).pipe(
      Effect.mapError((e) => new SpellCheckError({ lang, reason: e.message, missing: [] }))
    )
    const counts: Array<number> = [0]
    for (const line of stdout.split("\n")) {
      if (line === SENTINEL) counts.push(0)
      else if (line.trim().length > 0) counts[counts.length - 1]++
    }
    if (counts.length !== texts.length + 1) {
      return yield* Effect.fail(new SpellCheckError({
        lang,
        reason: `hunspell returned ${counts.length - 1} sentinels for ${texts.length} texts`,
        missing: []
      }))
    }
    return texts.map((t, i) => {
      const words = countWords(t)
      return words === 0 ? null : Math.min(1, counts[i] / words)
    })
  })
