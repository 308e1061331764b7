import { describe, expect, it } from "vitest"
import { matchKey, normalizeText } from "../../src/data/normalize.ts"

describe("normalizeText (stored form)", () => {
  it("composes to NFC and keeps meaning and Twitter artefacts", () => {
    const decomposed = "Cafe\u0301 @USER RT http://t.co/x #tag 😂"
    expect(normalizeText(decomposed)).toBe("Café @USER RT http://t.co/x #tag 😂")
  })
  it("decodes scrape HTML entities but leaves unknown ones", () => {
    expect(normalizeText("a &amp; b &#8220;q&#8221; &#x1F600; &bogus;")).toBe("a & b \u201Cq\u201D 😀 &bogus;")
  })
  it("tidies whitespace, strips invisibles, keeps paragraph breaks", () => {
    expect(normalizeText("  a\t\tb\u200B c \r\n\r\n\r\n\r\n d\u00A0 ")).toBe("a b c\n\nd")
  })
  it("returns empty for text with nothing visible", () => {
    expect(normalizeText(" \u200B\t\n ")).toBe("")
  })
})

describe("matchKey (comparison form)", () => {
  it("folds case, width, punctuation and whitespace", () => {
    expect(matchKey("Hello,   WORLD!!")).toBe(matchKey("hello world"))
    expect(matchKey("ｈｅｌｌｏ")).toBe("hello")
    expect(matchKey("Straße")).toBe(matchKey("STRASSE"))
    expect(matchKey("don't")).toBe(matchKey("dont"))
    expect(matchKey("&#128555;ugly")).toBe(matchKey("😫ugly"))
  })
  it("keeps different words different", () => {
    expect(matchKey("kill a process")).not.toBe(matchKey("kill a person"))
  })
  it("is never empty for a text of punctuation only", () => {
    expect(matchKey("?!")).toBe("?!")
  })
})
