import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { arrayItemLines, parseDelimited, parseJsonLines, readJsonRecords } from "../../src/data/sources/read.ts"
import { tempDir } from "../support/temp-dir.ts"

describe("delimited files", () => {
  it("handles quotes, doubled quotes, embedded newlines and reports start lines", () => {
    const csv = 'text,label\n"a, b",1\n"multi\nline ""quoted""",0\nplain,1\n'
    const { records, malformed } = parseDelimited(csv, { delimiter: ",", quote: '"' })
    expect(malformed).toEqual([])
    expect(records).toEqual([
      { line: 2, value: { text: "a, b", label: "1" } },
      { line: 3, value: { text: 'multi\nline "quoted"', label: "0" } },
      { line: 5, value: { text: "plain", label: "1" } }
    ])
  })
  it("reports a row with the wrong number of fields, with its line", () => {
    const { records, malformed } = parseDelimited("a\tb\tc\nx\ty\tz\nonly one\n", { delimiter: "\t", quote: null, columns: ["t", "c", "f"] })
    expect(records).toHaveLength(2)
    expect(malformed).toEqual([{ line: 3, reason: "expected 3 fields (t, c, f), got 1" }])
  })
  it("reads bare quotes literally when quoting is off", () => {
    const { records } = parseDelimited('id\ttext\n1\tsay "hi" now\n', { delimiter: "\t", quote: null })
    expect(records[0].value).toEqual({ id: "1", text: 'say "hi" now' })
  })
  it("handles CRLF line ends", () => {
    const { records } = parseDelimited("text,label\r\nx,1\r\ny,0\r\n", { delimiter: ",", quote: '"' })
    expect(records.map((r) => r.value)).toEqual([{ text: "x", label: "1" }, { text: "y", label: "0" }])
  })
  it("reports broken quoting instead of throwing", () => {
    const { malformed } = parseDelimited('text,label\nok,1\n"broken "quote,1\nfine,0\n', { delimiter: ",", quote: '"' })
    expect(malformed.length).toBeGreaterThan(0)
    expect(malformed[0].reason).toMatch(/unparsable record/)
  })
})

describe("JSON files", () => {
  it("finds the start line of each array item, ignoring brackets in strings", () => {
    const text = '[\n  {"a": "x{[,"},\n  {"a":\n   1},\n  3\n]'
    expect(arrayItemLines(text)).toEqual([2, 3, 5])
  })
  it("parses JSON lines and reports a bad line", () => {
    const { records, malformed } = parseJsonLines('{"a":1}\n\n{"a":\n{"a":2}\n')
    expect(records).toEqual([{ line: 1, value: { a: 1 } }, { line: 4, value: { a: 2 } }])
    expect(malformed).toHaveLength(1)
    expect(malformed[0].line).toBe(3)
  })
  it("reads a .json file holding either an array or JSON lines", async () => {
    const dir = tempDir("ingest-read")
    fs.writeFileSync(path.join(dir, "a.json"), '[{"p": 1}, {"p": 2}]')
    fs.writeFileSync(path.join(dir, "b.json"), '{"p": 1}\n{"p": 2}\n')
    const a = await Effect.runPromise(readJsonRecords(path.join(dir, "a.json")))
    const b = await Effect.runPromise(readJsonRecords(path.join(dir, "b.json")))
    expect(a.records.map((r) => r.value)).toEqual([{ p: 1 }, { p: 2 }])
    expect(b.records.map((r) => r.value)).toEqual([{ p: 1 }, { p: 2 }])
  })
  it("fails with the file named when a file is missing", async () => {
    const r = await Effect.runPromise(Effect.either(readJsonRecords("/nonexistent/dir/x.json")))
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") expect(r.left.message).toMatch(/\/nonexistent\/dir\/x\.json: missing/)
  })
})
