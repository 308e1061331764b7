import { describe, expect, it } from "vitest"
import { contentWords, contradictsLanguage, detectLanguage } from "../../src/data/langid.ts"
import { compareDetectors, LANGID_PROBE } from "../../src/data/langid-probe.ts"

describe("language identification", () => {
  it.each([
    ["The weather is lovely today, let us go for a walk in the park", "en"],
    ["Il fait très beau aujourd'hui, allons nous promener dans le parc", "fr"],
    ["Das Wetter ist heute herrlich, lass uns im Park spazieren gehen", "de"],
    ["Hoy hace un tiempo estupendo, vamos a pasear por el parque", "es"],
    ["Oggi il tempo è bellissimo, andiamo a fare una passeggiata nel parco", "it"],
    ["Hoje o tempo está ótimo, vamos passear no parque da cidade", "pt"],
    ["Het weer is vandaag heerlijk, laten we in het park gaan wandelen", "nl"],
    ["الطقس جميل اليوم، دعنا نذهب للتنزه في الحديقة", "ar"]
  ] as const)("detects %s as %s", (text, lang) => {
    const d = detectLanguage(text)
    expect(d.lang).toBe(lang)
    expect(d.score).toBeGreaterThan(0)
  })

  it("only answers with project languages or und", () => {
    expect(detectLanguage("").lang).toBe("und")
    // Russian is not a project language: whatever eld says, it is mapped into the subset or und.
    expect(["en", "fr", "de", "es", "it", "pt", "nl", "ar", "und"]).toContain(detectLanguage("Привет, как дела?").lang)
  })

  it("drops a long text confidently in another language", () => {
    const c = contradictsLanguage("What a lovely video! The colours and the music made my whole week so much better", "es")
    expect(c).toMatchObject({ detected: "en", contradicts: true })
  })
  it("never drops a short post, however sure the detector is", () => {
    expect(contradictsLanguage("pqp que preguiça", "pt").contradicts).toBe(false)
    expect(contradictsLanguage("@user kkk vc eh mto chato", "pt").contradicts).toBe(false)
  })
  it("keeps text in the claimed language", () => {
    expect(contradictsLanguage("Ich glaube, man sollte einfach tief durchatmen und weitergehen.", "de")).toMatchObject({ contradicts: false, margin: 0 })
  })
  it("counts words without mentions, hashtags, links or RT", () => {
    expect(contentWords("RT @user this is #great http://t.co/x a")).toBe(2)
  })
  it("measures both detectors on the probe set (eld is the better or equal one)", () => {
    const acc = compareDetectors("probe", LANGID_PROBE)
    expect(acc.n).toBe(80)
    expect(acc.eld).toBeGreaterThanOrEqual(76)
    expect(acc.eld).toBeGreaterThanOrEqual(acc.tinyld)
  })
})
