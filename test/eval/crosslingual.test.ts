import { describe, expect, it } from "vitest"
import { equalPriorF1, REQUEST_SOURCES, scoreByLanguage, type DevRow } from "../../src/eval/crosslingual.ts"

describe("cross-lingual check", () => {
  it("scores each language on its own rows at the 0.5 rule", () => {
    const rows: Array<DevRow> = [
      { id: "1", text: "a", lang: "en", unsafe: true },
      { id: "2", text: "b", lang: "en", unsafe: false },
      { id: "1-es", text: "a", lang: "es", unsafe: true },
      { id: "2-es", text: "b", lang: "es", unsafe: false },
      { id: "1-fr", text: "a", lang: "fr", unsafe: true },
      { id: "2-fr", text: "b", lang: "fr", unsafe: false }
    ]
    const m = scoreByLanguage(rows, [0.9, 0.1, 0.4, 0.3, 0.6, 0.7])
    expect(m.en).toMatchObject({ n: 2, nUnsafe: 1, f1: 1, auprc: 1, flagRate: 0.5 })
    // Spanish: ranked right (AUPRC 1) but nothing crosses 0.5.
    expect(m.es).toMatchObject({ f1: 0, recall: 0, auprc: 1, flagRate: 0 })
    // French: both flagged, the safe one ranked first.
    expect(m.fr).toMatchObject({ recall: 1, flagRate: 1, auprc: 0.5 })
    // Equal prior: recall 1, FPR 1 → 2 / 3; recall 1, FPR 0 → 1; recall 0 → 0.
    expect(equalPriorF1(m.fr)).toBeCloseTo(2 / 3, 12)
    expect(equalPriorF1(m.en)).toBe(1)
    expect(equalPriorF1(m.es)).toBe(0)
  })

  it("draws on request-like seed sources only, never a benchmark", () => {
    expect(REQUEST_SOURCES.has("harmbench")).toBe(true)
    for (const benchmark of ["xstest", "openai", "toxicchat", "beavertails", "rtp-lx", "xsafety"]) {
      expect(REQUEST_SOURCES.has(benchmark)).toBe(false)
    }
  })
})
