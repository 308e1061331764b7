import { describe, expect, it } from "vitest"
import { programParts, syntheticMixTable } from "../../src/game/synthetic-mix.ts"

describe("synthetic mix", () => {
  it("reads route and frame from a program string", () => {
    expect(programParts("fr ← back-translate:es | jailbreak:fiction | obfuscate:casing/low")).toEqual({ route: "back-translate", frame: "jailbreak" })
    expect(programParts("de ← keep | none | none")).toEqual({ route: "keep", frame: "none" })
    expect(programParts("en ← freedict:0.3 | safe-frame:quotation | none")).toEqual({ route: "freedict", frame: "safe-frame" })
  })

  it("counts rows per language and label, route and frame, largest first", () => {
    const md = syntheticMixTable([
      {
        t: 1,
        rows: [
          { lang: "fr", unsafe: true, program: "fr ← translate | jailbreak:fiction | none" },
          { lang: "fr", unsafe: false, program: "fr ← translate | none | none" },
          { lang: "fr", unsafe: true, program: "fr ← synonyms:0.1 | jailbreak:roleplay | none" },
          { lang: "en", unsafe: true, program: "en ← keep | none | obfuscate:leet/low" }
        ]
      }
    ])
    expect(md).toContain("| 1 | 4 | fr 2 / 1, en 1 / 0 | translate 2, keep 1, synonyms 1 | jailbreak 2, none 2 |")
  })
})
