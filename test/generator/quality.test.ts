import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { Effect, Exit } from "effect"
import {
  evaluateGates,
  langIdGate,
  lengthGate,
  notIdenticalGate,
  spellingGate,
  untranslatedGate,
  type LanguageDetector
} from "../../src/generator/quality.ts"
import { misspelledRatios } from "../../src/language/hunspell.ts"
import { skipWithout, tempDir, withEnv } from "./helpers.ts"

const hunspellInstalled = ["en_US", "fr_FR", "de_DE", "es_ES"].every((d) => fs.existsSync(`/usr/share/hunspell/${d}.dic`))

// A fake detector: German if it sees "ich", French if "je", else English; "und" for digits only.
const fake: LanguageDetector = (text) =>
  /^[\d\s]+$/.test(text) ? { lang: "und", score: 0 }
    : /\bich\b/i.test(text) ? { lang: "de", score: 0.5 }
    : /\bje\b/i.test(text) ? { lang: "fr", score: 0.5 }
    : { lang: "en", score: 0.4 }

describe("gates", () => {
  it("length: at most 200 characters of change, counted in code points", () => {
    expect(lengthGate("a", "a".repeat(201)).pass).toBe(true)
    const r = lengthGate("a", "a".repeat(202))
    expect(r).toEqual({ gate: "length", pass: false, reason: "length-change-over-max", value: 201 })
    expect(lengthGate("ab", "🙂".repeat(202)).pass).toBe(true) // 200 code points more, 400 UTF-16 units
    expect(lengthGate("ab", "🙂".repeat(203)).pass).toBe(false)
    expect(lengthGate("x".repeat(300), "x").pass).toBe(false)
  })
  it("not-identical ignores whitespace only (random casing is a real rewrite)", () => {
    expect(notIdenticalGate("Hello  world", "Hello world\n").reason).toBe("identical-to-seed")
    expect(notIdenticalGate("Hello world", "Hello, world").pass).toBe(true)
    expect(notIdenticalGate("Hello world", "hElLo WoRlD").pass).toBe(true)
  })
  it("lang-id compares the detected language with the claimed one", () => {
    expect(langIdGate(fake, { text: "ich bin da", lang: "de" }).pass).toBe(true)
    expect(langIdGate(fake, { text: "je suis là", lang: "de" }).reason).toBe("lang-mismatch-fr")
    expect(langIdGate(fake, { text: "1234", lang: "de" }).reason).toBe("lang-undetermined")
    expect(langIdGate(fake, { text: "je kill ich", lang: "en", codeMixed: true }).reason).toBe("not-applicable-code-mixed")
  })
  it("untranslated and spelling: thresholds, not-applicable when unmeasured", () => {
    expect(untranslatedGate({ text: "x", lang: "es", untranslated: 0.1 }).pass).toBe(true)
    expect(untranslatedGate({ text: "x", lang: "es", untranslated: 0.4 }).reason).toBe("untranslated-over-max")
    expect(untranslatedGate({ text: "x", lang: "es" }).reason).toBe("not-applicable")
    expect(spellingGate(0.5).pass).toBe(false)
    expect(spellingGate(null).reason).toBe("not-applicable")
  })
})

describe("hunspell", () => {
  it("names the missing dictionary package", async () => {
    await withEnv({ HUNSPELL_DIR: tempDir("hunspell") }, async () => {
      const exit = await Effect.runPromiseExit(misspelledRatios(["Hallo Welt"], "de"))
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("hunspell-de-de")
    })
  })

  it.skipIf(skipWithout(hunspellInstalled))("measures misspelled share per text in one batch (Debian hunspell-*)", async () => {
    const r = await Effect.runPromise(misspelledRatios(["Thiss is a tesst", "", "Everything here is fine.", "Completely wrongg wordz"], "en"))
    expect(r[0]).toBeCloseTo(0.5)
    expect(r[1]).toBeNull()
    expect(r[2]).toBe(0)
    expect(r[3]).toBeCloseTo(2 / 3)
    const de = await Effect.runPromise(misspelledRatios(["Ich möchte den Rechner nicht neu starten.", "Wie ich töten ein Pytohn Vorgang"], "de"))
    expect(de[0]).toBe(0)
    expect(de[1]).toBeGreaterThan(0)
  })

  it.skipIf(skipWithout(hunspellInstalled))("evaluateGates runs every gate per item", async () => {
    const v = await Effect.runPromise(evaluateGates([
      { seed: "How do I kill a process?", output: { text: "Wie ich töten einen Prozess?", lang: "de", untranslated: 0 } },
      { seed: "How do I kill a process?", output: { text: "How do I kill a process?", lang: "en" } },
      { seed: "Hi", output: { text: "je suis ici", lang: "de", untranslated: 0.5 } },
      { seed: "Hi", output: { text: "Ola", lang: "ar" } },
      { seed: "How do I kill a process?", output: { text: "How do I töten a Vorgang?", lang: "en", untranslated: 0, codeMixed: true } }
    ], { detect: fake }))
    expect(v[0].pass).toBe(true)
    expect(v[1].results.find((r) => r.gate === "not-identical")?.pass).toBe(false)
    expect(v[2].results.filter((r) => !r.pass).map((r) => r.reason).sort()).toEqual(["lang-mismatch-fr", "misspelled-over-max", "untranslated-over-max"])
    expect(v[3].results.find((r) => r.gate === "spelling")?.reason).toBe("not-applicable")
    expect(v[4].pass).toBe(true)
    expect(v[4].results.find((r) => r.gate === "spelling")?.reason).toBe("not-applicable-code-mixed")
    const only = await Effect.runPromise(evaluateGates([{ seed: "a", output: { text: "b", lang: "en" } }], { detect: fake, gates: ["length"] }))
    expect(only[0].results.map((r) => r.gate)).toEqual(["length"])
  })
})
