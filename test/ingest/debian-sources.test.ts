/** The Debian sources of everyday safe text, on a fixture of the installed files (test/support/system-fixture.ts). */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import {
  debianInputFiles,
  debianSources,
  fortuneEntries,
  helpParagraphs,
  localeLanguage,
  transSentences,
  uiStringLines
} from "../../src/data/sources/debian.ts"
import { writeSystemFixture } from "../support/system-fixture.ts"
import { tempDir } from "../support/temp-dir.ts"

const root = writeSystemFixture(tempDir("system"))
const load = (name: string) => Effect.runPromise(debianSources(root).find((s) => s.name === name)!.load("unused"))
const texts = async (name: string) => (await load(name)).rows.map((r) => [r.lang, r.text])

describe("Debian sources of everyday text", () => {
  it("trans-de-en: German example sentences, none tagged vulgar, none too short", async () => {
    expect(await texts("trans-de-en")).toEqual([
      ["de", "Das Haus ist sehr alt."],
      ["de", "Wie wird das Wetter morgen?"],
      ["de", "Morgen regnet es bestimmt."]
    ])
    expect(transSentences("Mistkerl {m} [vulg.] | Du bist ein echter Mistkerl. :: bastard")).toEqual([])
  })

  it("fortunes: one row per cookie, regular files only, never the off/ collections", async () => {
    expect(await texts("fortunes-de")).toEqual([
      ["de", "Wer zuletzt lacht, lacht am besten."],
      ["de", "Morgenstund hat Gold im Mund,\naber Blei im Hintern."]
    ])
    expect(await texts("fortunes-es")).toEqual([["es", "Un amigo es un tesoro que vale mucho."]])
    expect(fortuneEntries("a b c\n%\n\n%\nd e f")).toEqual([
      { line: 1, value: "a b c" },
      { line: 5, value: "d e f" }
    ])
  })

  it("gettext: translations of ISO 639-1 locales and the English originals, cleaned", async () => {
    const rows = await texts("gettext-coreutils")
    expect(rows).toEqual([
      ["de", "Die Datei jetzt öffnen"],
      ["de", "den Prozess mit der angegebenen PID beenden"],
      ["sr", "ubij proces sa zadatim PID brojem"],
      ["en", "Open the file now"],
      ["en", "kill the process with the given PID"]
    ])
    expect(uiStringLines("_Save %1$s as {name} to <b>%(dir)s</b>\nOK")).toEqual(["Save as to"])
    expect(uiStringLines("ファイルを開いてください")).toEqual(["ファイルを開いてください"])
  })

  it("GNOME help: paragraphs of every language folder, markup and entities removed", async () => {
    expect(await texts("gnome-user-docs")).toEqual([
      ["en", "Press Ctrl+F to search for files & folders."],
      ["de", "Drücken Sie Strg+F, um nach Dateien zu suchen."],
      ["pt", "Pressione Ctrl+F para procurar arquivos e pastas."]
    ])
    expect(helpParagraphs("<p>a &lt;b&gt; c &#233; d e</p>")).toEqual(["a <b> c é d e"])
  })

  it("maps locale folder names to ISO 639-1 codes", () => {
    expect(["C", "pt_BR", "sr@latin", "zh_CN.UTF-8", "ast", "de"].map(localeLanguage)).toEqual(["en", "pt", "sr", "zh", null, "de"])
  })

  it("a package that is not installed is a missing source, named with its package", async () => {
    const empty = tempDir("no-system")
    for (const s of debianSources(empty)) {
      const r = await Effect.runPromise(Effect.either(s.load("unused")))
      expect(r._tag, s.name).toBe("Left")
      if (r._tag === "Left") expect(r.left.reason, s.name).toMatch(/^missing \(install the Debian package \S+\)$/)
    }
  })

  it("lists the installed files it reads, for the cache key", () => {
    const files = debianInputFiles(root)
    expect(files).toContain("usr/share/trans/de-en")
    expect(files).toContain("usr/share/games/fortunes/de/sprueche.u8")
    expect(files).toContain("usr/share/locale/de/LC_MESSAGES/coreutils.mo")
    expect(files.some((f) => f.includes("/off/") || f.endsWith(".dat"))).toBe(false)
  })
})
