/**
 * The repository must not hold copies of the third-party dataset rows in `../shared/datasets/`
 * (raw or converted): the project derives its tables from them where it runs. This test reads
 * the texts of every benchmark file and of every seed / benign source the project has an
 * adapter for, with the project's own adapters, and looks for them in every tracked file:
 * text files line by line (JSON files: every string value, and each of its lines), Parquet
 * files cell by cell. A line or cell is a copy when
 * - its `matchKey` equals the `matchKey` of a dataset text of ≥ 6 words, or
 * - it contains, on word boundaries, the `matchKey` of a dataset text of ≥ 6 words, or
 * - it shares a run of ≥ 8 consecutive words with a dataset text (a cut or quoted part of a
 *   row: fixtures once held rows cut short, "…, so Brown." left off). Runs are compared as
 *   53-bit hashes of the 8 word hashes, in one sorted array.
 * Skipped where `../shared/datasets` is absent (nothing to compare with).
 * Not scanned: `datasets/*.parquet` (derived tables, removed from git separately),
 * `datasets/lexicon.tsv` (single words), `package-lock.json`.
 */
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { matchKey } from "../src/data/normalize.ts"
import { readParquet, tableToRows } from "../src/data/parquet.ts"
import { loadAllBenchmarks } from "../src/data/sources/benchmarks.ts"
import { SEED_SOURCES } from "../src/data/sources/index.ts"

const ROOT = path.resolve(import.meta.dirname, "..")
const SHARED = path.resolve(ROOT, "../shared/datasets")

/** Dataset texts shorter than this (in matchKey words) are too common to call a copy. */
const MIN_WORDS = 6

const SKIP = (file: string) =>
  file === "package-lock.json" || file === "datasets/lexicon.tsv" || /^datasets\/[^/]*\.parquet$/.test(file)

const words = (key: string) => (key === "" ? 0 : key.split(" ").length)

/** Words in a run shared with a dataset text that makes a line a (partial) copy. */
const RUN = 8

/** FNV-1a of a word, with two different offsets: two independent 32-bit hashes. */
const wordHash = (w: string, offset: number): number => {
  let h = offset
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619)
  return h >>> 0
}
const mix = (h: number, k: number): number => (Math.imul(h ^ k, 0x9e3779b1) + 0x7f4a7c15) >>> 0

/** One 53-bit number per run of RUN consecutive words of a match key (-1 for a run without enough words of letters). */
const runHashes = (key: string): Array<number> => {
  const ws = key.split(" ")
  if (ws.length < RUN) return []
  const a = ws.map((w) => wordHash(w, 0x811c9dc5))
  const b = ws.map((w) => wordHash(w, 0x01000193))
  const letters = ws.map((w) => /\p{L}/u.test(w))
  const out: Array<number> = []
  for (let i = 0; i + RUN <= ws.length; i++) {
    // A run of mostly numbers ("0 1 2 3 4 5 6 7") is no text.
    if (letters.slice(i, i + RUN).filter(Boolean).length < RUN / 2) {
      out.push(-1)
      continue
    }
    let x = 0x2545f491, y = 0x6a09e667
    for (let j = i; j < i + RUN; j++) {
      x = mix(x, a[j])
      y = mix(y, b[j])
    }
    out.push(x * 2 ** 21 + (y & 0x1fffff))
  }
  return out
}

const sortedHas = (sorted: Float64Array, v: number): boolean => {
  let lo = 0, hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] < v) lo = mid + 1
    else hi = mid
  }
  return lo < sorted.length && sorted[lo] === v
}

/** matchKeys of every dataset text of ≥ MIN_WORDS words, and the sorted run hashes of all of them. */
const datasetKeys = async (): Promise<{ keys: Set<string>; runs: Float64Array }> => {
  const texts: Array<string> = []
  const bench = await Effect.runPromise(loadAllBenchmarks(SHARED))
  for (const r of bench.rows) texts.push(r.text)
  // BeaverTails rows are prompt + " " + response: the prompt and the response alone count too.
  texts.push(...bench.partTexts)
  let b = 0
  for (const r of bench.rows) {
    if (r.benchmark !== "beavertails") continue
    texts.push(r.text.slice(bench.partTexts[b++].length + 1))
  }
  for (const source of SEED_SOURCES) {
    const out = await Effect.runPromise(source.load(SHARED))
    for (const r of out.rows) texts.push(r.text)
  }
  const keys = new Set<string>()
  const runs: Array<number> = []
  for (const t of texts) {
    const k = matchKey(t)
    if (words(k) < MIN_WORDS || keys.has(k)) continue
    keys.add(k)
    for (const h of runHashes(k)) if (h >= 0) runs.push(h)
  }
  return { keys, runs: Float64Array.from(runs).sort() }
}

/** The strings of a tracked file worth comparing, each with where it is (for the message). */
const piecesOf = async (file: string): Promise<Array<{ where: string; text: string }>> => {
  const abs = path.join(ROOT, file)
  if (file.endsWith(".parquet")) {
    const rows = tableToRows(await Effect.runPromise(readParquet(abs)))
    const out: Array<{ where: string; text: string }> = []
    rows.forEach((row, i) => {
      for (const [col, v] of Object.entries(row)) {
        const values = Array.isArray(v) ? v : [v]
        for (const s of values) if (typeof s === "string") out.push({ where: `row ${i} ${col}`, text: s })
      }
    })
    return out
  }
  const bytes = fs.readFileSync(abs)
  if (bytes.includes(0)) return [] // binary (weights, images)
  const text = bytes.toString("utf8")
  const out = text.split("\n").map((line, i) => ({ where: `line ${i + 1}`, text: line }))
  if (/\.(json|ipynb)$/.test(file)) {
    // JSON escapes ("\n", "\"") would hide a text inside a line: compare the decoded strings too.
    const walk = (v: unknown, where: string): void => {
      if (typeof v === "string") {
        out.push({ where, text: v })
        if (v.includes("\n")) v.split("\n").forEach((l, i) => out.push({ where: `${where} line ${i + 1}`, text: l }))
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`))
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`)
    }
    try {
      walk(JSON.parse(text), "$")
    } catch {
      // not JSON after all: the lines above are enough
    }
  }
  return out
}

/**
 * Index of the dataset keys by their first MIN_WORDS words, so a line is searched for every
 * key it contains in one pass over its words.
 */
const indexByPrefix = (keys: Set<string>) => {
  const byPrefix = new Map<string, Array<string>>()
  for (const k of keys) {
    const prefix = k.split(" ", MIN_WORDS).join(" ")
    const list = byPrefix.get(prefix)
    if (list) list.push(k)
    else byPrefix.set(prefix, [k])
  }
  return byPrefix
}

/** The dataset key a line's key is or contains (on word boundaries), if any. */
const findCopy = (lineKey: string, keys: Set<string>, byPrefix: Map<string, Array<string>>): string | undefined => {
  if (keys.has(lineKey)) return lineKey
  const ws = lineKey.split(" ")
  if (ws.length < MIN_WORDS) return undefined
  let offset = 0
  for (let i = 0; i + MIN_WORDS <= ws.length; i++) {
    const candidates = byPrefix.get(ws.slice(i, i + MIN_WORDS).join(" "))
    if (candidates) {
      for (const c of candidates) {
        const end = offset + c.length
        if (lineKey.startsWith(c, offset) && (end === lineKey.length || lineKey[end] === " ")) return c
      }
    }
    offset += ws[i].length + 1
  }
  return undefined
}

/** The first run of RUN words the line's key shares with a dataset text, if any. */
const findRun = (lineKey: string, runs: Float64Array): string | undefined => {
  const hit = runHashes(lineKey).findIndex((h) => h >= 0 && sortedHas(runs, h))
  return hit < 0 ? undefined : `${lineKey.split(" ").slice(hit, hit + RUN).join(" ")} (a run of ${RUN} words)`
}

describe.skipIf(!fs.existsSync(SHARED))("tracked files (needs ../shared/datasets; skipped without it)", () => {
  it("hold no text of the shared datasets (benchmark prompts, seed and benign rows)", async () => {
    const t0 = performance.now()
    const { keys, runs } = await datasetKeys()
    const byPrefix = indexByPrefix(keys)
    const t1 = performance.now()
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      .filter((f) => f !== "" && !SKIP(f) && fs.existsSync(path.join(ROOT, f)))
    // file → dataset text found → where it was first seen
    const hits = new Map<string, Map<string, string>>()
    let pieces = 0
    for (const file of files) {
      for (const p of await piecesOf(file)) {
        pieces++
        const key = matchKey(p.text)
        if (words(key) < MIN_WORDS) continue
        let copy = findCopy(key, keys, byPrefix)
        copy ??= findRun(key, runs)
        if (copy === undefined) continue
        const found = hits.get(file) ?? new Map<string, string>()
        if (!found.has(copy)) found.set(copy, p.where)
        hits.set(file, found)
      }
    }
    const t2 = performance.now()
    console.log(
      `no-dataset-copies: ${keys.size} dataset texts of ≥ ${MIN_WORDS} words, ${runs.length} runs of ${RUN} (${((t1 - t0) / 1000).toFixed(1)} s); ` +
        `${files.length} tracked files, ${pieces} lines/cells (${((t2 - t1) / 1000).toFixed(1)} s)`
    )
    const report = [...hits].map(
      ([f, found]) =>
        `${f}: ${found.size} dataset text(s), e.g.\n` +
        [...found]
          .slice(0, 2)
          .map(([copy, where]) => `    ${where}: "${copy.slice(0, 60)}${copy.length > 60 ? "…" : ""}"`)
          .join("\n")
    )
    if (report.length > 0) console.log(`tracked files holding dataset texts:\n${report.join("\n")}`)
    expect(keys.size).toBeGreaterThan(100_000) // the datasets were really read
    expect(report, `tracked files holding dataset texts:\n${report.join("\n")}`).toEqual([])
  })

  it("would notice a copied text (a known dataset row, found by the same search)", async () => {
    // One real benchmark row, matched the way the scan matches: guards against a search that finds nothing.
    const bench = await Effect.runPromise(loadAllBenchmarks(SHARED))
    const row = bench.rows.find((r) => words(matchKey(r.text)) >= RUN + 2)!
    const keys = new Set([matchKey(row.text)])
    const byPrefix = indexByPrefix(keys)
    expect(findCopy(matchKey(`  "${row.text}"  `), keys, byPrefix)).toBe(matchKey(row.text))
    expect(findCopy(matchKey(`x,1,"${row.text.toUpperCase()}",0`), keys, byPrefix)).toBe(matchKey(row.text))
    const cut = matchKey(`prefix ${row.text.split(" ").slice(0, -1).join(" ")}`)
    expect(findCopy(cut, keys, byPrefix)).toBeUndefined()
    // …but a cut copy still shares runs of RUN words with it.
    const runs = Float64Array.from(runHashes(matchKey(row.text)).filter((h) => h >= 0)).sort()
    expect(findRun(cut, runs)).toBeDefined()
    expect(findRun(matchKey("one two three four five six seven eight nine ten"), runs)).toBeUndefined()
  })
})
