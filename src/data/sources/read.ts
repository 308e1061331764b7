/**
 * Raw file readers for the source adapters: delimited text (a real CSV parser, quotes and
 * embedded newlines included), JSON that is either an array or JSON lines, and plain
 * one-text-per-line files. Every record carries the line it starts on, so a bad row can be
 * reported as file:line. A missing or unreadable file is a FileError (the run stops);
 * a bad record is returned as malformed (the adapter skips it).
 */
import { parse } from "csv-parse/sync"
import { Effect } from "effect"
import * as fs from "node:fs"
import { FileError } from "../errors.ts"
import type { Malformed, Parsed, RawRecord } from "./source.ts"

export type { Parsed }

export const readText = (file: string): Effect.Effect<string, FileError> =>
  Effect.try({
    try: () => {
      const text = fs.readFileSync(file, "utf8")
      // Strip a byte-order mark so the first header name is not "\uFEFFid".
      return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
    },
    catch: (e) =>
      new FileError({
        path: file,
        reason: (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing (expected raw dataset file)" : `unreadable: ${String(e)}`
      })
  })

export interface DelimitedOptions {
  readonly delimiter: "," | "\t"
  /**
   * `'"'` for files that use CSV quoting; `null` for raw tab-separated files whose texts
   * contain bare quotes (GermEval 2018, HatEval 2019), where quoting must be off.
   */
  readonly quote: '"' | null
  /** Column names for a file without a header line; otherwise the first line is the header. */
  readonly columns?: ReadonlyArray<string>
}

/** Parse a CSV/TSV file into records of column → string, each with its starting line. */
export const readDelimited = (file: string, opts: DelimitedOptions): Effect.Effect<Parsed, FileError> =>
  Effect.flatMap(readText(file), (text) =>
    Effect.try({
      try: () => parseDelimited(text, opts),
      catch: (e) => new FileError({ path: file, reason: `cannot parse as delimited text: ${String(e)}` })
    })
  )

export const parseDelimited = (text: string, opts: DelimitedOptions): Parsed => {
  const malformed: Array<Omit<Malformed, "file">> = []
  const out = parse(text, {
    delimiter: opts.delimiter,
    quote: opts.quote,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    on_skip: (err) => {
      const line = (err as { lines?: number } | undefined)?.lines ?? 0
      // The parser may report one broken line more than once while it resynchronizes.
      if (!malformed.some((m) => m.line === line)) {
        malformed.push({ line, reason: `unparsable record: ${err?.message ?? "parser error"}` })
      }
    }
  }) as unknown as Array<{ record: Array<string>; info: { lines: number; records: number } }>
  if (out.length === 0 && opts.columns === undefined) return { records: [], malformed }
  const header = opts.columns ?? out[0].record
  const body = opts.columns ? out : out.slice(1)
  const records: Array<RawRecord> = []
  for (const { record, info } of body) {
    // info.lines is the line where the record ends; count its own newlines back to its start.
    const line = info.lines - countNewlines(record)
    if (record.length !== header.length) {
      malformed.push({ line, reason: `expected ${header.length} fields (${header.join(", ")}), got ${record.length}` })
      continue
    }
    const value: Record<string, string> = {}
    header.forEach((name, i) => (value[name] = record[i]))
    records.push({ line, value })
  }
  return { records, malformed }
}

const countNewlines = (fields: ReadonlyArray<string>): number => {
  let n = 0
  for (const f of fields) for (let i = 0; i < f.length; i++) if (f.charCodeAt(i) === 10) n++
  return n
}

/**
 * Parse a file that holds either one JSON array of objects or JSON lines. Every record
 * carries the file line it starts on (for an array: the line of its first character).
 */
export const readJsonRecords = (file: string): Effect.Effect<Parsed, FileError> =>
  Effect.flatMap(readText(file), (text) => {
    const trimmed = text.trimStart()
    if (trimmed.startsWith("[")) {
      return Effect.try({
        try: () => {
          const items = JSON.parse(text) as unknown
          if (!Array.isArray(items)) throw new Error("top-level value is not an array")
          const lines = arrayItemLines(text)
          return { records: items.map((value, i) => ({ line: lines[i] ?? 0, value })), malformed: [] }
        },
        catch: (e) => new FileError({ path: file, reason: `invalid JSON array: ${String(e)}` })
      })
    }
    return Effect.succeed(parseJsonLines(text))
  })

/**
 * The line on which each top-level item of a (valid) JSON array starts: a scan that tracks
 * nesting depth and skips string contents, so braces inside strings do not count.
 */
export const arrayItemLines = (text: string): Array<number> => {
  const starts: Array<number> = []
  let line = 1
  let depth = 0
  let inString = false
  let expectItem = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "\n") line++
    if (inString) {
      if (c === "\\") i++
      else if (c === '"') inString = false
      continue
    }
    if (depth === 1 && expectItem && !/\s/.test(c) && c !== "]") {
      starts.push(line)
      expectItem = false
    }
    if (c === '"') inString = true
    else if (c === "[" || c === "{") {
      depth++
      if (depth === 1) expectItem = true
    } else if (c === "]" || c === "}") depth--
    else if (c === "," && depth === 1) expectItem = true
  }
  return starts
}

export const parseJsonLines = (text: string): Parsed => {
  const records: Array<RawRecord> = []
  const malformed: Array<Omit<Malformed, "file">> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim()
    if (l === "") continue
    try {
      records.push({ line: i + 1, value: JSON.parse(l) })
    } catch (e) {
      malformed.push({ line: i + 1, reason: `invalid JSON: ${(e as Error).message}` })
    }
  }
  return { records, malformed }
}

/** One text per non-empty line. */
export const readLines = (file: string): Effect.Effect<Parsed, FileError> =>
  Effect.map(readText(file), (text) => {
    const records: Array<RawRecord> = []
    text.split("\n").forEach((l, i) => {
      if (l.trim() !== "") records.push({ line: i + 1, value: { text: l } })
    })
    return { records, malformed: [] }
  })

const missingOr = (file: string, e: unknown, what: string) =>
  new FileError({
    path: file,
    // exceljs reports a missing file without an error code, so existence is checked here.
    reason: (e as NodeJS.ErrnoException).code === "ENOENT" || !fs.existsSync(file) ? "missing (expected raw dataset file)" : `${what}: ${String(e)}`
  })

/**
 * The first worksheet of an .xlsx workbook as records of header → cell text (exceljs). The
 * first row is the header; a record's line is its spreadsheet row number.
 */
export const readXlsx = (file: string): Effect.Effect<Parsed, FileError> =>
  Effect.tryPromise({
    try: async () => {
      const { default: ExcelJS } = await import("exceljs")
      const book = new ExcelJS.Workbook()
      await book.xlsx.readFile(file)
      const sheet = book.worksheets[0]
      if (sheet === undefined) throw new Error("the workbook has no worksheet")
      const cell = (v: unknown): string => {
        if (v === null || v === undefined) return ""
        if (typeof v === "object") {
          // Rich text and formulas: take their text / result.
          const o = v as { richText?: Array<{ text: string }>; result?: unknown; text?: unknown }
          if (o.richText) return o.richText.map((r) => r.text).join("")
          if (o.result !== undefined) return cell(o.result)
          if (o.text !== undefined) return cell(o.text)
        }
        return String(v)
      }
      const header = (sheet.getRow(1).values as Array<unknown>).slice(1).map(cell)
      const records: Array<RawRecord> = []
      for (let r = 2; r <= sheet.rowCount; r++) {
        const values = (sheet.getRow(r).values as Array<unknown>).slice(1)
        if (values.every((v) => cell(v).trim() === "")) continue
        const value: Record<string, string> = {}
        header.forEach((name, i) => (value[name] = cell(values[i])))
        records.push({ line: r, value })
      }
      return { records, malformed: [] }
    },
    catch: (e) => missingOr(file, e, "cannot read as an .xlsx workbook")
  })

/**
 * A delimited file inside a (possibly password-protected) zip archive, read with zip.js. The
 * password is the one its publishers print next to the archive; it is not a secret.
 */
export const readZippedDelimited = (
  file: string,
  entry: string,
  password: string | undefined,
  opts: DelimitedOptions
): Effect.Effect<Parsed, FileError> =>
  Effect.tryPromise({
    try: async () => {
      const { ZipReader, Uint8ArrayReader, TextWriter } = await import("@zip.js/zip.js")
      const zip = new ZipReader(new Uint8ArrayReader(fs.readFileSync(file)), password === undefined ? {} : { password })
      try {
        const found = (await zip.getEntries()).find((e) => e.filename === entry)
        if (found === undefined || found.directory) throw new Error(`no entry "${entry}" in the archive`)
        const text = await found.getData!(new TextWriter())
        return parseDelimited(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, opts)
      } finally {
        await zip.close()
      }
    },
    catch: (e) => missingOr(file, e, `cannot read ${entry} from the zip archive`)
  })
