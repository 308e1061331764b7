/**
 * Batch classification of a file: the core of `pipelines/classify.ts`.
 *
 * Input: JSONL (one object per line with a string `text` and optional `id`) or Parquet (a
 * `text` column, optional `id`). Output: JSONL, exactly one line per input row, in order:
 * `{"id", "unsafe", "flagged", "categories": {"C1".."C12"}}`, or `{"id", "error"}` for a row
 * that can't be classified (invalid JSON, missing or non-string text, blank line) — one bad
 * row never stops the run. Only an input that can't be read at all is fatal.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { FileError } from "../data/errors.ts"
import { readParquet, tableToRows, writeFileAtomic } from "../data/parquet.ts"
import { Progress, withProgress } from "../runtime/progress.ts"
import type { Prediction } from "../../schemas/prediction.ts"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import type { Guard } from "./guard.ts"
import type { GuardError } from "./errors.ts"

export type InputRow =
  | { readonly id: unknown; readonly text: string }
  | { readonly id: unknown; readonly error: string }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

/** One parsed row: its id (given, else the 0-based row index) and its text or what's wrong. */
export const parseRow = (value: unknown, index: number): InputRow => {
  if (!isRecord(value)) return { id: index, error: `row ${index}: not a JSON object` }
  const id = value.id === undefined || value.id === null ? index : value.id
  if (!("text" in value) || value.text === undefined) return { id, error: `row ${index}: missing "text"` }
  if (typeof value.text !== "string") {
    return { id, error: `row ${index}: "text" is ${value.text === null ? "null" : typeof value.text}, not a string` }
  }
  return { id, text: value.text }
}

/**
 * JSONL → rows. Lines are split on \n (a trailing \r is dropped); the empty string after a
 * final newline is not a row, but every other line is one, blank lines included (as errors).
 */
export const parseJsonl = (content: string): Array<InputRow> => {
  const lines = content.split("\n")
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
  return lines.map((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
    if (line.trim() === "") return { id: i, error: `row ${i}: blank line` }
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (e) {
      return { id: i, error: `row ${i}: invalid JSON (${(e as Error).message})` }
    }
    return parseRow(value, i)
  })
}

/** Read IN as Parquet (by extension or magic bytes) or JSONL. */
export const readInput = (file: string): Effect.Effect<Array<InputRow>, FileError> =>
  Effect.gen(function* () {
    const bytes = yield* Effect.try({
      try: () => fs.readFileSync(file),
      catch: (e) => new FileError({ path: file, reason: `cannot read: ${(e as Error).message}` })
    })
    const isParquet = file.toLowerCase().endsWith(".parquet") || bytes.subarray(0, 4).toString("latin1") === "PAR1"
    if (!isParquet) return parseJsonl(bytes.toString("utf8"))
    const table = yield* readParquet(file)
    if (!table.schema.fields.some((f) => f.name === "text")) {
      return yield* new FileError({
        path: file,
        reason: `Parquet file has no "text" column (columns: ${table.schema.fields.map((f) => f.name).join(", ")})`
      })
    }
    return tableToRows(table).map((r, i) => parseRow(r, i))
  })

const round = (x: number) => Math.round(x * 1e6) / 1e6

/** The output line of one classified row. */
export const predictionLine = (id: unknown, p: Prediction): string =>
  JSON.stringify({
    id,
    unsafe: round(p.unsafe),
    flagged: p.flagged,
    categories: Object.fromEntries(CATEGORY_IDS.map((c) => [c, round(p.categories[c])]))
  })

export interface BatchSummary {
  readonly rows: number
  readonly classified: number
  readonly errors: number
  readonly flagged: number
  readonly seconds: number
}

/** Classify every good row with `guard` and write OUT (atomically), one line per row. */
export const classifyRows = (
  guard: Guard,
  rows: ReadonlyArray<InputRow>,
  output: string,
  chunk = 4096
): Effect.Effect<BatchSummary, FileError | GuardError, Progress> =>
  Effect.gen(function* () {
    const started = Date.now()
    const good = rows.flatMap((r, i) => ("text" in r ? [i] : []))
    const preds: Array<Prediction> = new Array(rows.length)
    yield* withProgress("classify", good.length, (bar) =>
      Effect.gen(function* () {
        for (let from = 0; from < good.length; from += chunk) {
          const ix = good.slice(from, from + chunk)
          const out = yield* guard.classify(ix.map((i) => (rows[i] as { text: string }).text))
          ix.forEach((i, k) => (preds[i] = out[k]))
          bar.tick(ix.length)
        }
      })
    )
    let flagged = 0
    const lines = rows.map((r, i) => {
      if ("error" in r) return JSON.stringify({ id: r.id, error: r.error })
      if (preds[i].flagged) flagged++
      return predictionLine(r.id, preds[i])
    })
    yield* writeFileAtomic(output, lines.length > 0 ? `${lines.join("\n")}\n` : "")
    return {
      rows: rows.length,
      classified: good.length,
      errors: rows.length - good.length,
      flagged,
      seconds: (Date.now() - started) / 1000
    }
  })
