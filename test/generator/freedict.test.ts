import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { describe, expect, it } from "vitest"
import { Effect, Exit } from "effect"
import { buildLexicon, headwordKey, loadLexicon, parseEntry, type Pos, type Translation } from "../../src/language/freedict.ts"
import { makeFreedictMix, mixOne } from "../../src/generator/operators/freedict-mix.ts"
import { loadFunctionWords } from "../../src/generator/resources/load.ts"
import { makeWords } from "../../src/generator/operators/text.ts"
import { Rng } from "../../src/runtime/rng.ts"
import { skipWithout, tempDir, withEnv } from "./helpers.ts"

const installed = fs.existsSync("/usr/share/dictd/freedict-eng-deu.index")

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const b64 = (n: number): string => {
  let s = ""
  do {
    s = B64[n % 64] + s
    n = Math.floor(n / 64)
  } while (n > 0)
  return s
}

/** A tiny dictd dictionary (index + gzip'd body) in the layout of the Ding/FreeDict eng-deu data. */
const tinyDict = (dir: string, name: string) => {
  const entries: Array<[string, string]> = [
    ["kill", "kill /kˈɪl/\n [coll.] Abschuss <masc> [mil.]\n         Note: eines Flugzeugs\n"],
    ["kill sbsth", "kill sb./sth. /kˈɪl/\njdn./etw. töten, jdn. umbringen <v, trans>\n see: {killing}\n\n"],
    ["bomb", "bomb /bˈɒm/\nBombe <fem> [mil.]\n      \"A-bomb\"  - Atombombe\n      \"smart bomb\"  - intelligente Bombe\n"],
    ["bomb", "bomb /bˈɒm/ <v>\nrasen, fegen <v, intr>\n   Synonym: {bomb along}\n"],
    ["credit card", "credit card /ˈkrɛdɪt kɑːd/\nKreditkarte <fem>\n"],
    ["process", "process\n1. Prozess, Vorgang\n2. Verfahren\n"],
    ["steal sbsth from sb", "steal sb./sth. from sb.\njdm. jdn. abspenstig machen\n"]
  ]
  let body = "00-database-info\nTiny test dictionary\n"
  const index: Array<string> = ["00databaseinfo\tA\t" + b64(body.length)]
  for (const [head, text] of entries) {
    const off = Buffer.byteLength(body)
    body += text
    index.push(`${head}\t${b64(off)}\t${b64(Buffer.byteLength(text))}`)
  }
  fs.writeFileSync(path.join(dir, `freedict-${name}.index`), index.join("\n") + "\n")
  fs.writeFileSync(path.join(dir, `freedict-${name}.dict.dz`), zlib.gzipSync(Buffer.from(body)))
}

describe("FreeDict parsing", () => {
  it("turns index headwords into English keys", () => {
    expect(headwordKey("kill sbsth")).toBe("kill")
    expect(headwordKey("to steal")).toBe("steal")
    expect(headwordKey("credit card")).toBe("credit card")
    expect(headwordKey("steal sbsth from sb")).toBeNull()
    expect(headwordKey("kill animals in their hundreds")).toBeNull()
  })

  it("cleans candidates and penalises register labels and notes", () => {
    const c = parseEntry("kill sb./sth.\njdn./etw. töten, jdn. umbringen <v, trans>\n")
    expect(c.map((x) => x.text)).toEqual(["töten", "umbringen"])
    const coll = parseEntry("kill\n [coll.] Abschuss <masc> [mil.]\n         Note: x\n")
    expect(coll[0].text).toBe("Abschuss")
    expect(coll[0].penalty).toBeGreaterThan(c[0].penalty)
    expect(parseEntry("x\n1. procédé, recette\n2. processus\n").map((x) => x.text)).toEqual(["procédé", "recette", "processus"])
  })

  it("builds a lexicon that prefers the common sense", () => {
    const dir = tempDir("freedict")
    tinyDict(dir, "eng-deu")
    const lex = buildLexicon(fs.readFileSync(path.join(dir, "freedict-eng-deu.index"), "utf8"), zlib.gunzipSync(fs.readFileSync(path.join(dir, "freedict-eng-deu.dict.dz"))))
    expect(lex.get("kill")?.[0]).toEqual({ text: "töten", pos: "v" })
    expect(lex.get("bomb")?.[0]).toEqual({ text: "Bombe", pos: "n" })
    expect(lex.get("bomb")?.find((t) => t.text === "rasen")?.pos).toBe("v")
    expect(lex.get("credit card")).toEqual([{ text: "Kreditkarte", pos: "n" }])
    expect(lex.get("process")?.slice(0, 2).map((t) => t.text)).toEqual(["Prozess", "Vorgang"])
    expect(lex.has("steal")).toBe(false)
  })

  it("caches the parsed lexicon on disk and reads it back", async () => {
    const dir = tempDir("freedict-src")
    const cache = tempDir("freedict-cache")
    tinyDict(dir, "eng-deu")
    await withEnv({ FREEDICT_DIR: dir }, async () => {
      const a = await Effect.runPromise(loadLexicon("t", "de", cache))
      const file = path.join(cache, "freedict", fs.readdirSync(path.join(cache, "freedict"))[0])
      expect(JSON.parse(fs.readFileSync(file, "utf8")).entries.length).toBe(a.size)
    })
  })
})

describe("freedict-mix on a tiny dictionary", () => {
  const words = Effect.runSync(loadFunctionWords.pipe(Effect.map(makeWords)))
  const t = (text: string, pos: Pos = "") => ({ text, pos })
  const lex = new Map<string, ReadonlyArray<Translation>>([
    ["kill", [t("Abschuss", "n"), t("töten", "v")]],
    ["bomb", [t("Bombe", "n")]],
    ["credit card", [t("Kreditkarte", "n")]],
    ["process", [t("abwickeln", "v"), t("Prozess", "n")]],
    ["neighbour", [t("Nachbar", "n")]]
  ])
  const input = { text: "How do I kill the process and pay by credit card?", lang: "en" as const }

  it("rate 1: every content word, two-word terms first, function words from the table, verb/noun by context", () => {
    const out = mixOne(input, "de", 1, lex, words, new Rng(1))
    expect(out?.text).toBe("Wie ich töten die Prozess und pay durch Kreditkarte?")
    expect(out?.lang).toBe("de")
    expect(out?.untranslated).toBeCloseTo(1 / 5) // content words kill, process, pay, credit, card: pay missing
  })

  it("low rate: code-mixed English stays English, at least one word swapped", () => {
    const out = mixOne(input, "de", 0.3, lex, words, new Rng(2))
    expect(out?.lang).toBe("en")
    expect(out?.codeMixed).toBe(true)
    expect(out?.text).not.toBe(input.text)
    expect(out?.text.startsWith("How do I")).toBe(true)
  })

  it("same seed, same output; returns null when nothing is in the lexicon", () => {
    expect(mixOne(input, "de", 0.6, lex, words, new Rng(5))).toEqual(mixOne(input, "de", 0.6, lex, words, new Rng(5)))
    expect(mixOne({ text: "Zorp blix quan.", lang: "en" }, "de", 1, new Map(), words, new Rng(1))).toBeNull()
  })

  it("only takes English input", () => {
    const op = makeFreedictMix()
    expect(op.canApply("en", { target: "de", rate: "0.3" })).toBe(true)
    expect(op.canApply("fr", { target: "de", rate: "0.3" })).toBe(false)
  })

  it("availability names the missing FreeDict packages", async () => {
    await withEnv({ FREEDICT_DIR: tempDir("empty") }, async () => {
      const exit = await Effect.runPromiseExit(makeFreedictMix().available)
      const msg = String(Exit.isFailure(exit) && exit.cause)
      for (const pkg of ["dict-freedict-eng-deu", "dict-freedict-eng-fra", "dict-freedict-eng-spa", "dict-freedict-eng-ita"]) expect(msg).toContain(pkg)
    })
  })
})

describe.skipIf(skipWithout(installed))("freedict-mix with the installed dictionaries (Debian dict-freedict-eng-*)", () => {
  it("translates into German word by word and mixes French", async () => {
    const op = makeFreedictMix({ cacheDir: tempDir("fd-cache") })
    await Effect.runPromise(op.available)
    const inputs = [{ text: "Where could someone steal a car at night?", lang: "en" as const }]
    const de = await Effect.runPromise(op.apply(inputs, { target: "de", rate: "1.0" }, new Rng(3)))
    expect(de[0]?.lang).toBe("de")
    expect(de[0]?.text).toMatch(/stehlen/)
    expect(de[0]?.text).toMatch(/Auto|Wagen/)
    const fr = await Effect.runPromise(op.apply(inputs, { target: "fr", rate: "0.3" }, new Rng(3)))
    expect(fr[0]?.text).not.toBe(inputs[0].text)
    expect(await Effect.runPromise(op.apply(inputs, { target: "fr", rate: "0.3" }, new Rng(3)))).toEqual(fr)
  })
})
