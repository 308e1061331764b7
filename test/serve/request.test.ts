/** Request decoding without a server: conversations, transcripts, UTF-8, limits. */
import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { messagesToTurns, parseTranscript } from "../../src/serve/conversation.ts"
import { decodeUtf8, parseModeration } from "../../src/serve/request.ts"

const limits = { maxInputs: 4, maxChars: 10 }

describe("messagesToTurns", () => {
  it("pairs each user message with the assistant reply after it, skipping system messages", () => {
    expect(
      messagesToTurns([
        { role: "system", content: "be nice" },
        { role: "assistant", content: "hello!" },
        { role: "user", content: "q1" },
        { role: "assistant", content: "a1" },
        { role: "assistant", content: "a1b" },
        { role: "user", content: "q2" },
        { role: "user", content: "q3" },
        { role: "developer", content: "x" },
        { role: "assistant", content: "a3" }
      ])
    ).toEqual([
      { prompt: "", response: "hello!" },
      { prompt: "q1", response: "a1\na1b" },
      { prompt: "q2" },
      { prompt: "q3", response: "a3" }
    ])
  })
})

describe("parseTranscript", () => {
  it("reads speaker lines and continuation lines", () => {
    expect(parseTranscript("intro line\nUser: how do I\nkill a process?\nAssistant: use kill -9\nHuman: thanks")).toEqual([
      { role: "user", content: "intro line" },
      { role: "user", content: "how do I\nkill a process?" },
      { role: "assistant", content: "use kill -9" },
      { role: "user", content: "thanks" }
    ])
  })
})

describe("decodeUtf8", () => {
  it("accepts valid UTF-8 and names the offset of the first bad byte", () => {
    expect(decodeUtf8(Buffer.from("héllo ✓ 😀"))).toEqual(Either.right("héllo ✓ 😀"))
    for (const [bytes, offset] of [
      [[0x61, 0xff], 1], // never valid
      [[0x61, 0x62, 0xc0, 0xaf], 2], // overlong "/"
      [[0xed, 0xa0, 0x80], 0], // an encoded surrogate
      [[0x61, 0xe2, 0x82], 1] // truncated sequence
    ] as const) {
      const r = decodeUtf8(Uint8Array.from(bytes))
      expect(Either.isLeft(r)).toBe(true)
      if (Either.isLeft(r)) expect(r.left.message).toContain(`offset ${offset}`)
    }
  })
})

describe("parseModeration limits", () => {
  const parse = (body: unknown) => parseModeration(body, limits)
  it("counts characters as code points, not UTF-16 units", () => {
    expect(Either.isRight(parse({ input: "😀".repeat(10) }))).toBe(true) // 20 UTF-16 units, 10 characters
    const r = parse({ input: "😀".repeat(11) })
    expect(Either.isLeft(r) && r.left.code).toBe("input_too_long")
  })
  it("limits messages per conversation like strings per request", () => {
    const r = parse({ input: Array.from({ length: 5 }, () => ({ role: "user", content: "x" })) })
    expect(Either.isLeft(r) && r.left.code).toBe("too_many_inputs")
  })
  it("counts a turn with a reply as two texts", () => {
    const r = parse({ input: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }] })
    expect(Either.isRight(r) && r.right.texts).toBe(3)
  })
  it("refuses a conversation with nothing to moderate", () => {
    const r = parse({ input: [{ role: "system", content: "x" }] })
    expect(Either.isLeft(r) && r.left.code).toBe("empty_input")
  })
})

describe("parseModeration on hostile shapes", () => {
  const parse = (body: unknown) => parseModeration(body, limits)
  const deep = (n: number): unknown => JSON.parse("[".repeat(n) + "]".repeat(n))
  it("answers a deeply nested value with a 400 quoting only a short, flat excerpt", () => {
    for (const body of [
      { input: "x", model: deep(5000) },
      { input: ["a", deep(5000)] },
      { input: [{ role: "user", content: deep(5000) }] },
      { input: [{ role: deep(5000), content: "x" }] },
      { input: [{ type: "text", text: deep(5000) }] },
      { input: [{ type: "text", text: "a" }, deep(5000)] },
      { input: [{ role: "user", content: "a" }, deep(5000)] }
    ]) {
      const r = parse(body)
      expect(Either.isLeft(r)).toBe(true)
      if (Either.isLeft(r)) {
        expect(r.left.status).toBe(400)
        expect(r.left.message.length).toBeLessThan(200)
      }
    }
  })
  it("quotes a long wrong value by its start only", () => {
    const r = parse({ input: ["a", { x: "y".repeat(100_000) }] })
    expect(Either.isLeft(r) && r.left.message.length).toBeLessThan(200)
    const s = parse({ input: [{ role: "x".repeat(100_000), content: "a" }] })
    expect(Either.isLeft(s) && s.left.message).toMatch(/^input\[0\]\.role: Expected one of .*, actual "xxx.*…/)
    expect(Either.isLeft(s) && s.left.message.length).toBeLessThan(200)
  })
  it("keeps the usual message for a plain wrong type", () => {
    const r = parse({ input: ["a", "b", 42] })
    expect(Either.isLeft(r) && r.left.message).toBe("input[2]: Expected string, actual 42")
  })
})
