import { describe, expect, it } from "vitest"
import { canonicalize } from "../../src/guard/canonicalize.ts"

describe("canonicalize", () => {
  it.each([
    ["NFKC: fullwidth and math alphanumerics", "ｋｉｌｌ 𝐤𝐢𝐥𝐥", "kill kill"],
    ["zero-width and bidi controls removed", "ki\u200Bll\u200D \u202Ebomb\u202C \uFEFFx", "kill bomb x"],
    ["soft hyphen removed", "ki\u00ADll", "kill"],
    ["lower-cased", "KILL Them", "kill them"],
    ["Cyrillic look-alike inside a Latin word", "кill", "kill"],
    ["Greek look-alikes inside a Latin word", "bοmb", "bomb"],
    ["all-look-alike word in Latin text", "the сор is here", "the cop is here"],
    ["leetspeak digits", "k1ll h3ll0 sh1t", "kill hello shit"],
    ["leetspeak symbols", "@ss a$$hole b!tch", "ass asshole bitch"],
    ["spaced letters", "k i l l them", "kill them"],
    ["dotted / dashed letters", "k.i.l.l k-i-l-l k_i_l_l", "kill kill kill"],
    ["spaced leet", "k 1 l l", "kill"],
    ["elongation", "kiiiiill sooooo", "kill so"],
    ["punctuation runs", "what!!!!", "what!"],
    ["whitespace collapsed", "  a \n\t b  ", "a b"]
  ])("%s", (_, input, expected) => {
    expect(canonicalize(input)).toBe(expected)
  })

  it("leaves numbers, ordinals, times, mentions and ordinary words alone", () => {
    expect(canonicalize("In 1000 years, the 3rd and 1er, at 5pm, @username said $100 for covid19 and b2b. Hi!")).toBe(
      "in 1000 years, the 3rd and 1er, at 5pm, @username said $100 for covid19 and b2b. hi!"
    )
  })

  it("de-leets words whose leet characters trail (the known cost: mp3 → mpe)", () => {
    expect(canonicalize("th3 b357 wh47 5734l i5")).toBe("the best what steal is")
    expect(canonicalize("mp3")).toBe("mpe")
  })

  it("folds capital look-alikes before lower-casing (Greek Η is H, not η → n)", () => {
    expect(canonicalize("ΗΑΤΕ Кill")).toBe("hate kill")
  })

  it("folds a heavily swapped sentence (look-alikes outnumber Latin letters)", () => {
    expect(canonicalize("І һаtе tһоsе pеoρӏе, tһеу ѕһοuӏԁ аӏӏ ԁіе")).toBe("i hate those people, they should all die")
  })

  it("keeps genuine Cyrillic and Greek text", () => {
    expect(canonicalize("Привет как дела")).toBe("привет как дела")
    expect(canonicalize("Καλημέρα κόσμε")).toBe("καλημέρα κόσμε")
  })

  it("keeps accents of French, German, Spanish", () => {
    expect(canonicalize("Straße Ärger naïve café año")).toBe("straße ärger naïve café año")
  })

  it("does not join ordinary one-letter words that are not a run of three", () => {
    expect(canonicalize("a cat y un perro")).toBe("a cat y un perro")
  })

  it("is idempotent", () => {
    for (const t of ["k 1 l l them", "ｋｉｌｌ кill", "h3ll0 @ss", "sooo   goood!!!", "the сор", "U.S.A."]) {
      const once = canonicalize(t)
      expect(canonicalize(once)).toBe(once)
    }
  })

  it("handles empty and whitespace-only input", () => {
    expect(canonicalize("")).toBe("")
    expect(canonicalize(" \u200B\n")).toBe("")
  })
})
