import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api"
import { ProgressSilent } from "../../src/runtime/progress.ts"
import { evaluateGuard, PREDICTIONS_FILE, writePredictions } from "../../src/eval/evaluate.ts"
import {
  CHART_FILES,
  headlineMarkdown,
  readTable1Json,
  table1Markdown,
  updateReadmeSection,
  writeReport
} from "../../src/eval/report.ts"
import { avgF1VsIterationSpec } from "../../src/eval/charts.ts"
import { renderSvg } from "../../src/report/charts.ts"
import { fakeGuard, TINY_BENCHMARK } from "./fixtures.ts"
import { tempDir } from "../support/temp-dir.ts"

const tmp = () => tempDir("eval-report")
const evaluation = () =>
  Effect.runPromise(Effect.provide(evaluateGuard(fakeGuard("models/tiny"), TINY_BENCHMARK), ProgressSilent))

describe("writeReport", () => {
  it("writes decodable JSON, valid SVG charts and the Markdown tables", async () => {
    const dir = tmp()
    const { table1 } = await evaluation()
    const written = await Effect.runPromise(writeReport(dir, table1))
    expect([...written].sort()).toEqual(["table1.json", "table1.md", ...Object.values(CHART_FILES)].sort())

    // JSON decodes back to the same result through the Schema
    expect(await Effect.runPromise(readTable1Json(path.join(dir, "table1.json")))).toEqual(table1)

    for (const rel of Object.values(CHART_FILES)) {
      const svg = fs.readFileSync(path.join(dir, rel), "utf8")
      expect(svg.startsWith("<svg"), rel).toBe(true)
      expect(svg.trimEnd().endsWith("</svg>"), rel).toBe(true)
      expect(svg).not.toContain("NaN")
    }
    expect(fs.readFileSync(path.join(dir, CHART_FILES.f1ByBenchmark), "utf8")).toContain("XSTest")
    expect(fs.readFileSync(path.join(dir, CHART_FILES.avgF1VsPaper), "utf8")).toContain("LlamaGuard3-8B (paper)")
    expect(fs.readFileSync(path.join(dir, CHART_FILES.figure9), "utf8")).toContain("false negative")

    const md = fs.readFileSync(path.join(dir, "table1.md"), "utf8")
    expect(md).toContain("# Table 1 — tiny")
    // detail row of en/XSafety: F1 66.7, FPR undefined → "–", AUPRC 100.0
    expect(md).toContain("| En | XSafety | 2 | 2 | 66.7 | 100.0 | 50.0 | – | 100.0 | 50.0 | -33.3 |")
    // per-language table in the paper's layout, with the paper's DuoGuard row for French
    expect(md).toContain("| DuoGuard-0.5B (paper) | 79.2 | 67.1 | 62.8 | 81.3 | 91.0 | 54.7 | 72.7 |")
    for (const rel of Object.values(CHART_FILES)) expect(md).toContain(`](${rel})`)
    // nothing left behind by the atomic writes
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([])
  })

  it("is deterministic: the same result writes the same bytes", async () => {
    const { table1 } = await evaluation()
    const [a, b] = [tmp(), tmp()]
    await Effect.runPromise(writeReport(a, table1))
    await Effect.runPromise(writeReport(b, table1))
    for (const rel of ["table1.md", "table1.json", ...Object.values(CHART_FILES)]) {
      expect(fs.readFileSync(path.join(a, rel)).equals(fs.readFileSync(path.join(b, rel))), rel).toBe(true)
    }
  })

  it("fails naming the file when table1.json is not a Table1Result", async () => {
    const file = path.join(tmp(), "table1.json")
    fs.writeFileSync(file, JSON.stringify({ threshold: 0.5 }))
    const err = await Effect.runPromise(Effect.flip(readTable1Json(file)))
    expect(err.message).toContain(file)
    expect(err.message).toContain("not a Table1Result")
  })
})

describe("headlineMarkdown", () => {
  it("has ours, flag-everything and three paper models, with * for incomplete averages", async () => {
    const { table1 } = await evaluation()
    const md = headlineMarkdown(table1)
    const lines = md.split("\n").filter((l) => l.startsWith("| "))
    expect(lines[0]).toBe("| model | En | Fr | De | Es |")
    // en avg (50 + 66.7)/2 = 58.3; fr 100; de/es not evaluated
    expect(lines[2]).toBe("| **tiny (ours)** | 58.3* | 100.0* | – | – |")
    expect(lines[3]).toBe("| flag-everything | 83.3* | 66.7* | – | – |")
    expect(lines[4]).toBe("| DuoGuard-0.5B (paper) | 74.9 | 72.7 | 71.9 | 73.9 |")
    expect(lines[5]).toBe("| LlamaGuard3-8B (paper) | 63.4 | 61.9 | 61.3 | 61.5 |")
    expect(lines[6]).toBe("| LlamaGuard3-1B (paper) | 45.2 | 44.6 | 44.7 | 45.0 |")
    expect(md).toContain("not comparable with the paper")
    expect(table1Markdown(table1)).toContain(md)
  })
})

describe("predictions.parquet", () => {
  it("is written atomically and DuckDB reads it", async () => {
    const dir = tmp()
    const { predictions } = await evaluation()
    const file = path.join(dir, PREDICTIONS_FILE)
    await Effect.runPromise(writePredictions(file, predictions))
    const conn = await DuckDBConnection.create(await DuckDBInstance.create(":memory:"))
    const reader = await conn.runAndReadAll(
      `select benchmark, lang, idx, unsafe, flagged, label from read_parquet('${file}') order by idx`
    )
    const rows = reader.getRowObjects()
    expect(rows.length).toBe(TINY_BENCHMARK.length)
    expect(rows[4]).toEqual({ benchmark: "xstest", lang: "en", idx: 4, unsafe: 0.7, flagged: true, label: false })
    conn.closeSync()
  })
})

describe("avgF1VsIterationSpec", () => {
  it("renders lines per language with reference rules", async () => {
    const svg = await renderSvg(
      avgF1VsIterationSpec(
        [
          { iteration: 0, lang: "en", avgF1: 60 },
          { iteration: 1, lang: "en", avgF1: 66 },
          { iteration: 0, lang: "fr", avgF1: 50 },
          { iteration: 1, lang: "fr", avgF1: 58 }
        ],
        "avg F1 vs iteration",
        [{ lang: "en", avgF1: 64, label: "flag-everything" }]
      )
    )
    expect(svg.startsWith("<svg")).toBe(true)
    expect(svg).toContain("avg F1 vs iteration")
    expect(svg).toContain("Fr")
  })
})

describe("updateReadmeSection", () => {
  const readme = (body: string) => {
    const f = path.join(tmp(), "README.md")
    fs.writeFileSync(f, body)
    return f
  }

  it("replaces only the text between the markers, and is idempotent", async () => {
    const f = readme("# Title\n\nintro\n<!-- table1:start -->\nold table\n<!-- table1:end -->\n\n## After\nkeep me\n")
    await Effect.runPromise(updateReadmeSection(f, "table1", "| a | b |\n|---|---|\n"))
    const once = fs.readFileSync(f, "utf8")
    expect(once).toBe("# Title\n\nintro\n<!-- table1:start -->\n| a | b |\n|---|---|\n<!-- table1:end -->\n\n## After\nkeep me\n")
    await Effect.runPromise(updateReadmeSection(f, "table1", "| a | b |\n|---|---|\n"))
    expect(fs.readFileSync(f, "utf8")).toBe(once)
  })

  it("fails clearly, leaving the file untouched, when markers are missing", async () => {
    const body = "# Title\n<!-- other:start -->\n<!-- other:end -->\n"
    const f = readme(body)
    const err = await Effect.runPromise(Effect.flip(updateReadmeSection(f, "table1", "x")))
    expect(err._tag).toBe("ReadmeSectionError")
    expect(err.message).toContain(f)
    expect(err.message).toContain('marker "<!-- table1:start -->" not found')
    expect(fs.readFileSync(f, "utf8")).toBe(body)
  })

  it("fails on markers out of order or repeated", async () => {
    const reversed = readme("<!-- t:end -->\n<!-- t:start -->\n")
    expect((await Effect.runPromise(Effect.flip(updateReadmeSection(reversed, "t", "x")))).message).toContain(
      "comes before"
    )
    const twice = readme("<!-- t:start -->\n<!-- t:end -->\n<!-- t:start -->\n")
    expect((await Effect.runPromise(Effect.flip(updateReadmeSection(twice, "t", "x")))).message).toContain(
      "appears 2 times"
    )
  })

  it("fails naming the path when the README does not exist", async () => {
    const f = path.join(tmp(), "nope.md")
    const err = await Effect.runPromise(Effect.flip(updateReadmeSection(f, "t", "x")))
    expect(err._tag).toBe("FileError")
    expect(err.message).toContain(f)
  })
})
