import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { Effect, Exit } from "effect"
import { parseThesaurus } from "../../src/language/mythes.ts"
import { makeSynonyms, swapOne, synonymsOf } from "../../src/generator/operators/synonyms.ts"
import { makeWords } from "../../src/generator/operators/text.ts"
import { loadFunctionWords } from "../../src/generator/resources/load.ts"
import { Rng } from "../../src/runtime/rng.ts"
import { skipWithout, tempDir, withEnv } from "./helpers.ts"

const installed = fs.existsSync("/usr/share/mythes/th_en_US_v2.idx") && fs.existsSync("/usr/share/mythes/th_de_DE_v2.idx")

/** Write a MyThes pair (.idx/.dat) in the given encoding. */
const writeThesaurus = (dir: string, enc: "utf8" | "latin1", entries: Array<[string, Array<string>]>) => {
  const header = enc === "utf8" ? "UTF-8\n" : "ISO8859-1\n"
  let dat = header
  const idx: Array<string> = []
  for (const [word, meanings] of entries) {
    idx.push(`${word}|${Buffer.byteLength(dat, enc)}`)
    dat += `${word}|${meanings.length}\n` + meanings.map((m) => `${m}\n`).join("")
  }
  fs.writeFileSync(path.join(dir, "t.idx"), Buffer.from(`${header}${idx.length}\n${idx.join("\n")}\n`, enc))
  fs.writeFileSync(path.join(dir, "t.dat"), Buffer.from(dat, enc))
  return parseThesaurus(fs.readFileSync(path.join(dir, "t.idx")), fs.readFileSync(path.join(dir, "t.dat")))
}

describe("MyThes reading", () => {
  it("reads meanings at byte offsets, UTF-8 and Latin-1", () => {
    const th = writeThesaurus(tempDir("mythes"), "latin1", [
      ["añejo", ["-|viejo|antiguo"]],
      ["matar", ["-|asesinar|eliminar (coloquial)|liquidar", "-|apagar"]]
    ])
    expect(th.meanings("matar")).toEqual([["asesinar", "eliminar (coloquial)", "liquidar"], ["apagar"]])
    expect(th.meanings("añejo")).toEqual([["viejo", "antiguo"]])
    expect(th.meanings("nada")).toEqual([])
  })

  it("keeps single-word, unlabelled synonyms of the first meaning; German keeps noun capitals", () => {
    const en = writeThesaurus(tempDir("mythes"), "utf8", [
      ["brave", ["(adj)|courageous|fearless|brave (similar term)|bold as brass|plucky", "(verb)|defy"]]
    ])
    expect(synonymsOf(en, "brave", "en")).toEqual(["courageous", "fearless", "plucky"])
    const de = writeThesaurus(tempDir("mythes"), "utf8", [
      ["Rechner", ["-|Computer|rechnen|Elektronengehirn (veraltet)|Datenverarbeitungsanlage (Hauptform)"]]
    ])
    expect(synonymsOf(de, "Rechner", "de")).toEqual(["Computer", "Datenverarbeitungsanlage"])
  })

  it("swaps content words only, at least one, reproducibly", () => {
    const th = writeThesaurus(tempDir("mythes"), "utf8", [
      ["brave", ["(adj)|courageous|fearless"]],
      ["knight", ["(noun)|horseman"]],
      ["the", ["(det)|thee"]]
    ])
    const words = Effect.runSync(loadFunctionWords.pipe(Effect.map(makeWords)))
    const input = { text: "The brave knight rode to the castle.", lang: "en" as const }
    const a = swapOne(input, "en", 0.1, th, words, new Rng(4))
    expect(a?.text).not.toBe(input.text)
    expect(a?.text).toMatch(/^The (brave|courageous|fearless) (knight|horseman) rode to the castle\.$/)
    expect(swapOne(input, "en", 0.1, th, words, new Rng(4))).toEqual(a)
    const all = swapOne(input, "en", 1, th, words, new Rng(4))
    expect(all?.text).toMatch(/^The (courageous|fearless) horseman rode to the castle\.$/)
    expect(swapOne({ text: "Nothing here matches.", lang: "en" }, "en", 1, th, words, new Rng(1))).toBeNull()
  })

  it("availability names the missing mythes packages", async () => {
    await withEnv({ MYTHES_DIR: tempDir("empty") }, async () => {
      const exit = await Effect.runPromiseExit(makeSynonyms().available)
      const msg = String(Exit.isFailure(exit) && exit.cause)
      for (const pkg of ["mythes-en-us", "mythes-fr", "mythes-de", "mythes-es", "mythes-it"]) expect(msg).toContain(pkg)
    })
  })
})

describe.skipIf(skipWithout(installed))("synonyms with the installed thesauri (Debian mythes-*)", () => {
  it("rewrites English and German, keeps language, null for Arabic", async () => {
    const op = makeSynonyms()
    await Effect.runPromise(op.available)
    const inputs = [
      { text: "Write a short story about a brave knight who protects the village.", lang: "en" as const },
      { text: "Ich möchte den Computer nicht neu starten.", lang: "de" as const },
      { text: "مرحبا", lang: "ar" as const }
    ]
    const out = await Effect.runPromise(op.apply(inputs, { rate: "0.3" }, new Rng(3)))
    expect(out[0]?.lang).toBe("en")
    expect(out[0]?.text).not.toBe(inputs[0].text)
    expect(out[1]?.text).not.toBe(inputs[1].text)
    expect(out[2]).toBeNull()
  })
})
