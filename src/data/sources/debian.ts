/**
 * Safe everyday text from Debian packages, read from the installed files (installed by
 * .ci/install-debian-packages). What the seed lacks most: text written or translated by
 * people, in many languages, that is neither hostile nor a request.
 *
 * - `trans-de-en`: the example sentences of the TU Chemnitz German–English dictionary.
 * - `fortunes-de` / `-es` / `-it`: fortune cookies (quotes, jokes, proverbs); the offensive
 *   `off/` collections are never read.
 * - gettext catalogs (`/usr/share/locale/<locale>/LC_MESSAGES/<domain>.mo`) of a fixed list of
 *   packages: short UI and help strings, with "kill", "abort", "execute" in their technical
 *   sense (hard negatives), in every language they are translated to; the English originals
 *   (msgids) too.
 * - `gnome-user-docs`: the paragraphs of GNOME's help pages, in every language shipped.
 *
 * Every source is safe by construction; a missing package is a missing source (ingest names
 * it and goes on). Paths are read under `root` ("/" on a real system; a folder in tests).
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { Lang } from "../../../schemas/index.ts"
import { FileError } from "../errors.ts"
import { readText } from "./read.ts"
import type { RawRecord, SourceAdapter, SourceOutput, SourceRow } from "./source.ts"

/** The language of a locale or help folder name ("pt_BR" → "pt", "C" → "en"); null if not ISO 639-1. */
export const localeLanguage = (locale: string): Lang | null => {
  if (locale === "C") return "en"
  const base = locale.split(/[_@.-]/)[0]
  return /^[a-z]{2}$/.test(base) ? base : null
}

const missing = (file: string, pkg: string) =>
  new FileError({ path: file, reason: `missing (install the Debian package ${pkg})` })

const listDir = (dir: string, pkg: string): Effect.Effect<Array<fs.Dirent>, FileError> =>
  Effect.try({
    try: () => fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    catch: () => missing(dir, pkg)
  })

/** Rows from records that are all safe texts of one language. */
const safeRows = (records: ReadonlyArray<{ file: string; line: number; text: string; lang: Lang }>): SourceOutput => ({
  rows: records.map((r): SourceRow => ({ text: r.text, lang: r.lang, unsafe: false, categories: [], file: r.file, line: r.line })),
  seen: records.length,
  malformed: []
})

const words = (s: string) => s.split(/\s+/u).filter((w) => /\p{L}/u.test(w)).length
/** Scripts without spaces between words: count characters instead. */
const NO_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u
/** Long enough to be a sentence-like text: ≥ minWords words, or ≥ 3·minWords letters in a script without spaces. */
export const longEnough = (s: string, minWords: number): boolean =>
  NO_SPACES.test(s) ? [...s.matchAll(/\p{L}/gu)].length >= 3 * minWords : words(s) >= minWords

// ---- trans-de-en ------------------------------------------------------------------------

const TRANS_FILE = "usr/share/trans/de-en"
/** Entries marked vulgar, pejorative or slang are left out: this source is for everyday text. */
const NOT_EVERYDAY = /\[(vulg|pej|slang|sl)\.?\]/i

/** The German example sentences of one dictionary line ("de | de :: en | en"). */
export const transSentences = (line: string): Array<string> => {
  if (line.startsWith("#") || NOT_EVERYDAY.test(line)) return []
  const german = line.split(" :: ")[0] ?? ""
  const out: Array<string> = []
  for (const variant of german.split(" | ")) {
    for (const alt of variant.split(/;\s+/)) {
      const s = alt.replace(/\{[^}]*\}|\[[^\]]*\]|<[^>]*>/g, "").replace(/\s+/g, " ").trim()
      if (/^\p{Lu}/u.test(s) && /[.!?]$/.test(s) && words(s) >= 4) out.push(s)
    }
  }
  return out
}

export const transDeEn = (root: string): SourceAdapter => ({
  name: "trans-de-en",
  license: "GPL-2.0-or-later",
  files: [`/${TRANS_FILE}`],
  labelRule: "German example sentences (≥ 4 words, ending in . ! ?) of the dictionary; entries tagged vulgar, pejorative or slang left out → safe",
  load: () => {
    const file = path.join(root, TRANS_FILE)
    return Effect.map(
      Effect.mapError(readText(file), () => missing(file, "trans-de-en")),
      (text) => {
        const recs: Array<{ file: string; line: number; text: string; lang: Lang }> = []
        text.split("\n").forEach((l, i) => {
          for (const s of transSentences(l)) recs.push({ file: `/${TRANS_FILE}`, line: i + 1, text: s, lang: "de" })
        })
        return safeRows(recs)
      }
    )
  }
})

// ---- fortunes ---------------------------------------------------------------------------

/** One cookie a record: entries are separated by lines holding only "%". */
export const fortuneEntries = (text: string): Array<RawRecord & { value: string }> => {
  const out: Array<RawRecord & { value: string }> = []
  let start = 1
  let buf: Array<string> = []
  text.split("\n").forEach((l, i) => {
    if (l.trim() === "%") {
      const value = buf.join("\n").trim()
      if (value !== "") out.push({ line: start, value })
      buf = []
      start = i + 2
    } else buf.push(l)
  })
  if (buf.join("").trim() !== "") out.push({ line: start, value: buf.join("\n").trim() })
  return out
}

const FORTUNE_MAX_CHARS = 600
/** As each package's copyright file states it (fortunes-it: no explicit license; treated as unknown). */
const FORTUNE_LICENSES = { de: "GPL-2.0-or-later", es: "GPL-2.0-or-later", it: "unknown" } as const

export const fortunes = (root: string, lang: "de" | "es" | "it"): SourceAdapter => {
  const dir = `usr/share/games/fortunes/${lang}`
  return {
    name: `fortunes-${lang}`,
    license: FORTUNE_LICENSES[lang],
    files: [`/${dir}/*`],
    labelRule: `every cookie of fortunes-${lang} (≥ 3 words, ≤ ${FORTUNE_MAX_CHARS} characters; ascii art and the offensive off/ collections left out) → safe`,
    load: () =>
      Effect.flatMap(listDir(path.join(root, dir), `fortunes-${lang}`), (entries) =>
        Effect.map(
          Effect.forEach(
            // Regular files only: the plain names are symlinks to the .u8 files in fortunes-de.
            entries.filter((e) => e.isFile() && !e.name.endsWith(".dat") && !/asciiart|banner/.test(e.name)),
            (e) =>
              Effect.map(readText(path.join(root, dir, e.name)), (text) =>
                fortuneEntries(text)
                  .filter((c) => c.value.length <= FORTUNE_MAX_CHARS && words(c.value) >= 3)
                  .map((c) => ({ file: `/${dir}/${e.name}`, line: c.line, text: c.value, lang }))
              )
          ),
          (parts) => safeRows(parts.flat())
        )
      )
  }
}

// ---- gettext catalogs -------------------------------------------------------------------

/** Text domains read, with the Debian package that ships them and its license. */
export const GETTEXT_DOMAINS: ReadonlyArray<{ readonly domain: string; readonly pkg: string; readonly license: string }> = [
  { domain: "coreutils", pkg: "coreutils", license: "GPL-3.0-or-later" },
  { domain: "bash", pkg: "bash", license: "GPL-3.0-or-later" },
  { domain: "tar", pkg: "tar", license: "GPL-3.0-or-later" },
  { domain: "findutils", pkg: "findutils", license: "GPL-3.0-or-later" },
  { domain: "grep", pkg: "grep", license: "GPL-3.0-or-later" },
  { domain: "sed", pkg: "sed", license: "GPL-3.0-or-later" },
  { domain: "diffutils", pkg: "diffutils", license: "GPL-3.0-or-later" },
  { domain: "psmisc", pkg: "psmisc", license: "GPL-2.0-or-later" },
  { domain: "procps-ng", pkg: "procps", license: "GPL-2.0-or-later" },
  { domain: "wget", pkg: "wget", license: "GPL-3.0-or-later" },
  { domain: "dpkg", pkg: "dpkg", license: "GPL-2.0-or-later" },
  { domain: "apt", pkg: "apt", license: "GPL-2.0-or-later" },
  { domain: "gettext-tools", pkg: "gettext", license: "GPL-3.0-or-later" },
  { domain: "glib20", pkg: "libglib2.0-data", license: "LGPL-2.1-or-later" },
  { domain: "gtk30", pkg: "libgtk-3-common", license: "LGPL-2.1-or-later" },
  { domain: "gtk20", pkg: "libgtk2.0-common", license: "LGPL-2.1-or-later" }
]

/**
 * The sentence-like lines of a UI string: accelerators ("_Open", "&Save"), printf and brace
 * placeholders and markup removed; each line kept if it has ≥ 3 words (or 9 letters in a
 * script without spaces) and ≤ 300 characters.
 */
export const uiStringLines = (s: string): Array<string> =>
  s
    .split(/\n/)
    .map((l) =>
      l
        .replace(/<[^>]+>/g, " ")
        .replace(/%(\d+\$)?[-+ #0']*(\d+|\*)?(\.(\d+|\*))?(hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcspn%]/g, " ")
        .replace(/%\([a-z_]+\)[sd]/g, " ")
        .replace(/\{[^}]*\}/g, " ")
        .replace(/(^|[\s(])[_&](?=\p{L})/gu, "$1")
        .replace(/\s+/g, " ")
        .trim()
    )
    .filter((l) => l.length <= 300 && longEnough(l, 3))

export const gettextCatalogs = (root: string): ReadonlyArray<SourceAdapter> =>
  GETTEXT_DOMAINS.map(({ domain, pkg, license }) => ({
    name: `gettext-${domain}`,
    license,
    files: [`/usr/share/locale/*/LC_MESSAGES/${domain}.mo`],
    labelRule: `UI strings of ${pkg} (translations in every ISO 639-1 locale, and the English originals), lines of ≥ 3 words → safe`,
    load: () =>
      Effect.flatMap(listDir(path.join(root, "usr/share/locale"), pkg), (locales) =>
        Effect.tryPromise({
          try: async () => {
            const { mo } = await import("gettext-parser")
            const recs: Array<{ file: string; line: number; text: string; lang: Lang }> = []
            const english = new Set<string>()
            let found = 0
            for (const loc of locales) {
              const lang = localeLanguage(loc.name)
              const rel = `usr/share/locale/${loc.name}/LC_MESSAGES/${domain}.mo`
              const file = path.join(root, rel)
              if (lang === null || !fs.existsSync(file)) continue
              found++
              const catalog = mo.parse(fs.readFileSync(file))
              let n = 0
              for (const ctx of Object.keys(catalog.translations).sort()) {
                const entries = catalog.translations[ctx]
                for (const msgid of Object.keys(entries).sort()) {
                  n++
                  if (msgid === "") continue // the catalog header
                  for (const l of uiStringLines(msgid)) english.add(l)
                  const msgstr = entries[msgid].msgstr[0] ?? ""
                  if (msgstr === "" || msgstr === msgid || lang === "en") continue
                  for (const l of uiStringLines(msgstr)) recs.push({ file: `/${rel}`, line: n, text: l, lang })
                }
              }
            }
            if (found === 0) throw missing(path.join(root, `usr/share/locale/*/LC_MESSAGES/${domain}.mo`), pkg)
            let i = 0
            for (const l of [...english].sort()) recs.push({ file: `/usr/share/locale/*/LC_MESSAGES/${domain}.mo (msgid)`, line: ++i, text: l, lang: "en" })
            return safeRows(recs)
          },
          catch: (e) => (e instanceof FileError ? e : new FileError({ path: `/usr/share/locale/*/LC_MESSAGES/${domain}.mo`, reason: `cannot parse: ${String(e)}` }))
        })
      )
  }))

// ---- GNOME help ---------------------------------------------------------------------------

const HELP_DIR = "usr/share/help"
const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " }

/** The paragraphs (<p>…</p>) of a Mallard page as plain text, ≥ 5 words each. */
export const helpParagraphs = (xml: string): Array<string> =>
  [...xml.matchAll(/<p(?:\s[^>]*)?>([\s\S]*?)<\/p>/g)]
    .map((m) =>
      m[1]
        .replace(/<[^>]+>/g, "")
        .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (all, e: string) =>
          e.startsWith("#x") ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith("#") ? String.fromCodePoint(Number(e.slice(1))) : (ENTITIES[e] ?? all)
        )
        .replace(/\s+/g, " ")
        .trim()
    )
    .filter((p) => p.length <= 1000 && longEnough(p, 5))

export const gnomeHelp = (root: string): SourceAdapter => ({
  name: "gnome-user-docs",
  license: "CC-BY-SA-3.0",
  files: [`/${HELP_DIR}/*/{gnome-help,system-admin-guide}/*.page`],
  labelRule: "paragraphs (≥ 5 words) of the GNOME help pages, every language shipped → safe",
  load: () =>
    Effect.flatMap(listDir(path.join(root, HELP_DIR), "gnome-user-docs"), (langs) =>
      Effect.try({
        try: () => {
          const recs: Array<{ file: string; line: number; text: string; lang: Lang }> = []
          for (const l of langs) {
            const lang = localeLanguage(l.name)
            if (lang === null) continue
            for (const guide of ["gnome-help", "system-admin-guide"]) {
              const dir = path.join(root, HELP_DIR, l.name, guide)
              if (!fs.existsSync(dir)) continue
              for (const page of fs.readdirSync(dir).filter((f) => f.endsWith(".page")).sort()) {
                helpParagraphs(fs.readFileSync(path.join(dir, page), "utf8")).forEach((p, i) =>
                  recs.push({ file: `/${HELP_DIR}/${l.name}/${guide}/${page}`, line: i + 1, text: p, lang })
                )
              }
            }
          }
          if (recs.length === 0) throw missing(path.join(root, HELP_DIR, "*", "gnome-help"), "gnome-user-docs")
          return safeRows(recs)
        },
        catch: (e) => (e instanceof FileError ? e : new FileError({ path: path.join(root, HELP_DIR), reason: `unreadable: ${String(e)}` }))
      })
    )
})

/** Every Debian source, under `root`. */
export const debianSources = (root: string): ReadonlyArray<SourceAdapter> => [
  transDeEn(root),
  fortunes(root, "de"),
  fortunes(root, "es"),
  fortunes(root, "it"),
  gnomeHelp(root),
  ...gettextCatalogs(root)
]

/** The installed files the Debian sources read, relative to `root` (for the datasets' cache key). */
export const debianInputFiles = (root: string): Array<string> => {
  const exists = (rel: string) => fs.existsSync(path.join(root, rel))
  const files = (relDir: string, keep: (name: string) => boolean) =>
    exists(relDir)
      ? fs
          .readdirSync(path.join(root, relDir), { withFileTypes: true })
          .filter((e) => e.isFile() && keep(e.name))
          .map((e) => `${relDir}/${e.name}`)
      : []
  const out: Array<string> = []
  if (exists(TRANS_FILE)) out.push(TRANS_FILE)
  for (const lang of ["de", "es", "it"]) out.push(...files(`usr/share/games/fortunes/${lang}`, (n) => !n.endsWith(".dat")))
  const locales = exists("usr/share/locale") ? fs.readdirSync(path.join(root, "usr/share/locale")) : []
  for (const loc of locales) {
    for (const { domain } of GETTEXT_DOMAINS) {
      const rel = `usr/share/locale/${loc}/LC_MESSAGES/${domain}.mo`
      if (exists(rel)) out.push(rel)
    }
  }
  const helpLangs = exists(HELP_DIR) ? fs.readdirSync(path.join(root, HELP_DIR)) : []
  for (const l of helpLangs) for (const guide of ["gnome-help", "system-admin-guide"]) out.push(...files(`${HELP_DIR}/${l}/${guide}`, (n) => n.endsWith(".page")))
  return out.sort()
}
