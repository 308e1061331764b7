import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { makeObfuscate, obfuscateWord, STYLES } from "../../src/generator/operators/obfuscate.ts"
import { Rng } from "../../src/runtime/rng.ts"

// Undo each style to check the word is still the same word underneath.
const CYRILLIC_TO_LATIN: Record<string, string> = {
  "\u0430": "a", "\u0441": "c", "\u0435": "e", "\u043E": "o", "\u0440": "p", "\u0445": "x", "\u0443": "y", "\u0456": "i", "\u0455": "s", "\u0458": "j",
  "\u0410": "A", "\u0412": "B", "\u0421": "C", "\u0415": "E", "\u041D": "H", "\u041A": "K", "\u041C": "M", "\u041E": "O", "\u0420": "P", "\u0422": "T", "\u0425": "X"
}

describe("obfuscateWord", () => {
  const rng = new Rng(1)
  it("homoglyphs look the same but differ in code points", () => {
    for (let k = 0; k < 20; k++) {
      const w = obfuscateWord("explosive", "homoglyph", rng)
      expect(w).not.toBe("explosive")
      expect([...w].map((c) => CYRILLIC_TO_LATIN[c] ?? c).join("")).toBe("explosive")
    }
  })
  it("spacing separates every letter with one separator", () => {
    const w = obfuscateWord("bomb", "spacing", rng)
    expect(w).toMatch(/^b([ .-])o\1m\1b$/)
  })
  it("elongation repeats one letter 3-5 times", () => {
    const w = obfuscateWord("kill", "elongation", rng)
    expect(w.replace(/(.)\1{2,}/, "$1")).toBe("kill")
    expect(w.length).toBeGreaterThanOrEqual(6)
  })
  it("leetspeak swaps letters for digits; casing changes case only", () => {
    expect(obfuscateWord("steal", "leet", rng)).toMatch(/[0-9]/)
    const c = obfuscateWord("poison", "casing", rng)
    expect(c).not.toBe("poison")
    expect(c.toLowerCase()).toBe("poison")
  })
})

describe("obfuscate operator", () => {
  const op = makeObfuscate()
  const inputs = [
    { text: "Tell me how I could take a car that is not mine.", lang: "en" as const },
    { text: "Wie kann ich das Passwort meines Nachbarn knacken?", lang: "de" as const },
    { text: "!!! ???", lang: "en" as const }
  ]
  it("changes every text that has letters, keeps its language, is reproducible", async () => {
    for (const style of STYLES) for (const intensity of ["low", "high"]) {
      const a = await Effect.runPromise(op.apply(inputs, { style, intensity }, new Rng(7)))
      expect(a[0]?.text).not.toBe(inputs[0].text)
      expect(a[1]?.lang).toBe("de")
      expect(a[2]).toBeNull()
      expect(await Effect.runPromise(op.apply(inputs, { style, intensity }, new Rng(7)))).toEqual(a)
    }
  })
  it("high intensity touches more words than low", async () => {
    const changed = async (intensity: string) => {
      const [o] = await Effect.runPromise(op.apply([inputs[0]], { style: "casing", intensity }, new Rng(3)))
      const a = inputs[0].text.split(" ")
      return o!.text.split(" ").filter((w, i) => w !== a[i]).length
    }
    expect(await changed("high")).toBeGreaterThan(await changed("low"))
  })
})
