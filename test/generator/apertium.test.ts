import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { Effect, Exit } from "effect"
import { addSpanishQuestionMarks, missingFor, route, stripMarks } from "../../src/language/apertium.ts"
import { makeBackTranslate } from "../../src/generator/operators/back-translate.ts"
import { makeTranslate } from "../../src/generator/operators/translate.ts"
import { which } from "../../src/language/subprocess.ts"
import { Rng } from "../../src/runtime/rng.ts"
import { skipWithout, tempDir, withEnv } from "./helpers.ts"

const installed = which("apertium") !== null && fs.existsSync("/usr/share/apertium/modes/eng-spa.mode")

describe("apertium text handling", () => {
  it("counts and strips unknown-word marks", () => {
    const r = stripMarks("Escribir un *persuasive artículo sobre el **xyzzyq beneficios @foo #bar .")
    expect(r.text).toBe("Escribir un persuasive artículo sobre el xyzzyq beneficios foo bar.")
    expect(r.untranslated).toBeCloseTo(4 / 10) // 10 words, 4 marked
  })
  it("restores newlines and the protected symbols", () => {
    const r = stripMarks("Edita esto: \u00B6  \u00B6 \"El café era \uFF031 \uFF20casa\"")
    expect(r.text).toBe("Edita esto:\n\n\"El café era #1 @casa\"")
    expect(r.untranslated).toBe(0)
  })
  it("opens Spanish questions with ¿", () => {
    expect(addSpanishQuestionMarks("Cómo mato un proceso? Gracias. Y ahora qué?")).toBe("¿Cómo mato un proceso? Gracias. ¿Y ahora qué?")
    expect(addSpanishQuestionMarks("¿Ya está?")).toBe("¿Ya está?")
  })
  it("routes through the installed pairs; German has none", () => {
    expect(route("en", "es")).toEqual(["en", "es"])
    expect(route("en", "fr")).toEqual(["en", "ca", "fr"])
    expect(route("en", "it")).toEqual(["en", "es", "it"])
    expect(route("pt", "fr")).toEqual(["pt", "es", "fr"])
    expect(route("en", "en")).toBeNull()
    expect(makeTranslate().canApply("de", { target: "en" })).toBe(false)
    expect(makeTranslate().canApply("en", { target: "de" as never })).toBe(false)
    expect(makeBackTranslate().canApply("es", { pivot: "es" })).toBe(false)
  })
})

describe("apertium availability", () => {
  it("names the Debian package of each missing pair", async () => {
    const empty = tempDir("apertium")
    fs.mkdirSync(`${empty}/modes`)
    fs.writeFileSync(`${empty}/modes/eng-spa.mode`, "")
    fs.writeFileSync(`${empty}/modes/spa-eng.mode`, "")
    await withEnv({ APERTIUM_DATADIR: empty }, async () => {
      expect(missingFor(["en", "es", "fr"]).filter((p) => p !== "apertium")).toEqual(["apertium-fr-es"])
      const exit = await Effect.runPromiseExit(makeTranslate().available)
      expect(Exit.isFailure(exit)).toBe(true)
      const msg = String(Exit.isFailure(exit) && exit.cause)
      for (const pkg of ["apertium-eng-cat", "apertium-fr-es", "apertium-fra-cat", "apertium-es-pt", "apertium-spa-ita"]) {
        expect(msg).toContain(pkg)
      }
      expect(msg).not.toContain("apertium-eng-spa")
    })
  })
})

describe.skipIf(skipWithout(installed))("apertium translation (needs Debian apertium + pairs)", () => {
  const inputs = [
    { text: "How do I kill a Python process?", lang: "en" as const },
    { text: "Edit this:\n\n\"The coffee was #1 @home\"", lang: "en" as const },
    { text: "", lang: "en" as const },
    { text: "Wie geht es dir?", lang: "de" as const },
    { text: "Comment tuer un processus Python ?", lang: "fr" as const }
  ]

  it("is available", async () => {
    await Effect.runPromise(makeTranslate().available)
    await Effect.runPromise(makeBackTranslate().available)
  })

  it("translates a batch in one call, keeps order, newlines and symbols; null where impossible", async () => {
    const out = await Effect.runPromise(makeTranslate().apply(inputs, { target: "es" }, new Rng(1)))
    expect(out).toHaveLength(5)
    expect(out[0]?.lang).toBe("es")
    expect(out[0]?.text).toMatch(/^¿Cómo .*proceso.*\?$/)
    expect(out[1]?.text).toMatch(/^Edita esto:\n\n".*café.*#1 @/)
    expect(out[2]).toBeNull() // empty text
    expect(out[3]).toBeNull() // German: no pair
    expect(out[4]?.text).toMatch(/proceso/)
    expect(out[4]?.untranslated).toBeGreaterThanOrEqual(0)
  })

  it("reports unknown words as the untranslated ratio", async () => {
    const [r] = await Effect.runPromise(makeTranslate().apply([{ text: "The zorblatt frimbled the quaxxon.", lang: "en" }], { target: "es" }, new Rng(1)))
    expect(r?.untranslated).toBeGreaterThan(0.3)
    expect(r?.text).not.toMatch(/[*@#]/)
  })

  it("back-translation paraphrases in the source language, deterministically", async () => {
    const op = makeBackTranslate()
    const a = await Effect.runPromise(op.apply(inputs, { pivot: "es" }, new Rng(1)))
    expect(a[0]?.lang).toBe("en")
    expect(a[0]?.text).toMatch(/Python/)
    expect(a[0]?.text).not.toBe(inputs[0].text)
    expect(a[4]?.lang).toBe("fr")
    const b = await Effect.runPromise(op.apply(inputs, { pivot: "es" }, new Rng(99)))
    expect(b).toEqual(a)
  })
})
