/**
 * Batch classification of a file: the core of `pipelines/classify.ts`.
 *
 * Input: JSONL (one object per line with a string `text` and optional `id`) or Parquet (a
 * `text` column, optional `id`). Output: JSONL, exactly one line per input row, in order:
 * `{"id", "unsafe", "flagged", "categories": {"C1".."C12"}}`, or `{"id", "error"}` for a row
 * that can't be classified (invalid JSON, missing or non-string text, blank line) — one bad
 * row never stops the run. Only an input that can't be read at all is fatal.
 *
 * Ids come back exactly as written: a JSONL id is copied as its JSON text (a 64-bit integer,
 * `1e400`, an object), a Parquet id is rendered as lossless JSON (integers as their digits,
 * decimals at their scale). A row with no id, or one that can't be read, gets `"id": null`
 * and its 0-based row number in `"row"`, which can't be mistaken for a real id.
 *
 * The input is streamed (JSONL line by line, Parquet by record batch) through bounded
 * batches, and the output written as it goes to a temp file renamed at the end: memory stays
 * flat however large the input.
 */
import * as arrow from "apache-arrow"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as pq from "parquet-wasm/node"
import { FileError } from "../data/errors.ts"
import { Progress } from "../runtime/progress.ts"
import type { Prediction } from "../../schemas/prediction.ts"
import { CATEGORY_IDS } from "../../schemas/taxonomy.ts"
import type { Guard } from "./guard.ts"
import type { GuardError } from "./errors.ts"

/** One input row: its 0-based number, its id as JSON text (null: none or unreadable), its text or what's wrong. */
export type InputRow =
  | { readonly row: number; readonly id: string | null; readonly text: string }
  | { readonly row: number; readonly id: string | null; readonly error: string }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

// ─── JSONL ────────────────────────────────────────────────────────────────────────────────

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
const skipWs = (s: string, i: number) => {
  while (i < s.length && isWs(s.charCodeAt(i))) i++
  return i
}
/** End (exclusive) of the JSON string starting at `i` (a `"`). */
const skipString = (s: string, i: number): number => {
  for (let j = s.indexOf('"', i + 1); j >= 0; j = s.indexOf('"', j + 1)) {
    let backslashes = 0
    while (s.charCodeAt(j - 1 - backslashes) === 0x5c) backslashes++
    if (backslashes % 2 === 0) return j + 1
  }
  return s.length
}
/** End (exclusive) of the JSON value starting at `i`. */
const skipValue = (s: string, i: number): number => {
  const c = s[i]
  if (c === '"') return skipString(s, i)
  if (c === "{" || c === "[") {
    let depth = 0
    while (i < s.length) {
      const d = s[i]
      if (d === '"') {
        i = skipString(s, i)
        continue
      }
      if (d === "{" || d === "[") depth++
      else if (d === "}" || d === "]") {
        if (--depth === 0) return i + 1
      }
      i++
    }
    return i
  }
  while (i < s.length && !isWs(s.charCodeAt(i)) && s[i] !== "," && s[i] !== "}" && s[i] !== "]") i++
  return i
}

/**
 * The JSON text of member `name` of the object `json` (valid JSON, checked by JSON.parse
 * first), as written: JSON.parse would turn 9007199254740993 into …992 and 1e400 into
 * Infinity. The last one wins, as in JSON.parse.
 */
export const memberText = (json: string, name: string): string | undefined => {
  let i = skipWs(json, 0)
  if (json[i] !== "{") return undefined
  i = skipWs(json, i + 1)
  let found: string | undefined
  while (json[i] === '"') {
    const keyEnd = skipString(json, i)
    const key = json.slice(i, keyEnd)
    i = skipWs(json, skipWs(json, keyEnd) + 1) // past ':'
    const end = skipValue(json, i)
    if (key === `"${name}"` || (key.includes("\\") && JSON.parse(key) === name)) found = json.slice(i, end)
    i = skipWs(json, end)
    if (json[i] === ",") i = skipWs(json, i + 1)
  }
  return found
}

/** One JSONL line (without its newline) → a row. */
export const parseLine = (raw: string, row: number): InputRow => {
  const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
  if (line.trim() === "") return { row, id: null, error: `row ${row}: blank line` }
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (e) {
    return { row, id: null, error: `row ${row}: invalid JSON (${(e as Error).message})` }
  }
  if (!isRecord(value)) return { row, id: null, error: `row ${row}: not a JSON object` }
  const id = value.id === undefined || value.id === null ? null : (memberText(line, "id") ?? null)
  if (!("text" in value) || value.text === undefined) return { row, id, error: `row ${row}: missing "text"` }
  if (typeof value.text !== "string") {
    return { row, id, error: `row ${row}: "text" is ${value.text === null ? "null" : typeof value.text}, not a string` }
  }
  return { row, id, text: value.text }
}

/**
 * JSONL → rows. Lines are split on \n (a trailing \r is dropped); the empty string after a
 * final newline is not a row, but every other line is one, blank lines included (as errors).
 * A UTF-8 byte-order mark at the start is not part of the first row.
 */
export const parseJsonl = (content: string): Array<InputRow> => {
  const lines = (content.charCodeAt(0) === 0xfeff ? content.slice(1) : content).split("\n")
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
  return lines.map((line, i) => parseLine(line, i))
}

/**
 * A file's lines as bytes (without \n), read in 1 MiB chunks; a line split across chunks is
 * joined once, at its end. A UTF-8 byte-order mark at the start is skipped.
 */
async function* lines(file: string): AsyncGenerator<{ readonly line: Buffer; readonly bytes: number }> {
  let parts: Array<Buffer> = []
  let partsBytes = 0
  let first = true
  for await (const read of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let chunk = read
    if (first) {
      first = false
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3)
    }
    let start = 0
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl)
      yield { line: parts.length > 0 ? Buffer.concat([...parts, piece]) : piece, bytes: partsBytes + nl + 1 - start }
      parts = []
      partsBytes = 0
      start = nl + 1
    }
    if (start < chunk.length) {
      parts.push(chunk.subarray(start))
      partsBytes += chunk.length - start
    }
  }
  if (partsBytes > 0) yield { line: Buffer.concat(parts), bytes: partsBytes }
}

// ─── Parquet ──────────────────────────────────────────────────────────────────────────────

const bigintFromWords = (words: Uint32Array): bigint => {
  let v = 0n
  for (let k = words.length - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[k])
  const bits = BigInt(words.length * 32)
  return v >= 1n << (bits - 1n) ? v - (1n << bits) : v
}

const decimalText = (v: bigint, scale: number): string => {
  if (scale <= 0) return (v * 10n ** BigInt(-scale)).toString()
  const neg = v < 0n
  const digits = (neg ? -v : v).toString().padStart(scale + 1, "0")
  return `${neg ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`
}

/**
 * An Arrow value as lossless JSON text, or undefined when it has none (NaN, a type with no
 * JSON form). JSON.stringify fails on BigInt and turns a Decimal into its words.
 */
export const arrowJson = (type: arrow.DataType, v: unknown): string | undefined => {
  if (v === null || v === undefined) return "null"
  if (arrow.DataType.isDictionary(type)) return arrowJson(type.dictionary, v)
  if (arrow.DataType.isInt(type) || arrow.DataType.isTimestamp(type) || arrow.DataType.isDate(type) || arrow.DataType.isTime(type)) {
    return typeof v === "bigint" ? v.toString() : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined
  }
  if (arrow.DataType.isFloat(type)) return typeof v === "number" && Number.isFinite(v) ? JSON.stringify(v) : undefined
  if (arrow.DataType.isDecimal(type)) return v instanceof Uint32Array ? decimalText(bigintFromWords(v), type.scale) : undefined
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type) || arrow.DataType.isBool(type)) return JSON.stringify(v)
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type) || arrow.DataType.isFixedSizeBinary(type)) {
    return v instanceof Uint8Array ? JSON.stringify(Buffer.from(v).toString("base64")) : undefined
  }
  if (arrow.DataType.isList(type) || arrow.DataType.isFixedSizeList(type)) {
    const child = type.children[0].type
    const parts: Array<string> = []
    for (const x of v as Iterable<unknown>) {
      const j = arrowJson(child, x)
      if (j === undefined) return undefined
      parts.push(j)
    }
    return `[${parts.join(",")}]`
  }
  if (arrow.DataType.isStruct(type)) {
    const obj = v as Record<string, unknown>
    const parts: Array<string> = []
    for (const f of type.children) {
      const j = arrowJson(f.type, obj[f.name])
      if (j === undefined) return undefined
      parts.push(`${JSON.stringify(f.name)}:${j}`)
    }
    return `{${parts.join(",")}}`
  }
  return undefined
}

// ─── reading ──────────────────────────────────────────────────────────────────────────────

/** Rows at a time: the model's batch, and the most rows held in memory at once. */
const BATCH_ROWS = 4096
/** Characters of text held at once, whatever the rows' lengths. */
const BATCH_CHARS = 16 << 20

export interface InputSource {
  readonly file: string
  /** What the progress bar counts: bytes (JSONL) or rows (Parquet). */
  readonly total: number
  readonly unit: "bytes" | "rows"
  /** Bounded batches of rows, in order; each `progress` is what to tick after it. */
  readonly batches: () => AsyncGenerator<{ readonly rows: ReadonlyArray<InputRow>; readonly progress: number }>
}

const cannotRead = (file: string, e: unknown) => new FileError({ path: file, reason: `cannot read: ${e instanceof Error ? e.message : String(e)}` })

const jsonlSource = (file: string, size: number): InputSource => ({
  file,
  total: size,
  unit: "bytes",
  batches: async function* () {
    let rows: Array<InputRow> = []
    let chars = 0
    let progress = 0
    let n = 0
    for await (const { line, bytes } of lines(file)) {
      const r = parseLine(line.toString("utf8"), n++)
      rows.push(r)
      chars += "text" in r ? r.text.length : 0
      progress += bytes
      if (rows.length >= BATCH_ROWS || chars >= BATCH_CHARS) {
        yield { rows, progress }
        rows = []
        chars = 0
        progress = 0
      }
    }
    if (rows.length > 0 || progress > 0) yield { rows, progress }
  }
})

const parquetSource = (file: string, parquet: pq.ParquetFile): InputSource => {
  const withId = columnNames(parquet).includes("id")
  return {
    file,
    total: parquet.metadata().fileMetadata().numRows(),
    unit: "rows",
    batches: async function* () {
      const stream = await parquet.stream({ batchSize: BATCH_ROWS, columns: withId ? ["text", "id"] : ["text"] })
      const reader = (stream as ReadableStream<pq.RecordBatch>).getReader()
      let n = 0
      for (;;) {
        const next = await reader.read()
        if (next.done) return
        const table = arrow.tableFromIPC(next.value.intoIPCStream())
        const text = table.getChild("text")!
        const idField = table.schema.fields.find((f) => f.name === "id")
        const ids = table.getChild("id")
        const rows: Array<InputRow> = new Array(table.numRows)
        for (let i = 0; i < table.numRows; i++) {
          const row = n++
          const rawId = ids?.get(i)
          const json = idField === undefined || rawId === null || rawId === undefined ? null : (arrowJson(idField.type, rawId) ?? null)
          const t: unknown = text.get(i)
          rows[i] =
            typeof t === "string"
              ? { row, id: json, text: t }
              : { row, id: json, error: `row ${row}: "text" is ${t === null || t === undefined ? "null" : `of type ${String(text.type)}`}, not a string` }
        }
        yield { rows, progress: rows.length }
      }
    }
  }
}

const columnNames = (parquet: pq.ParquetFile): Array<string> =>
  arrow.tableFromIPC(parquet.schema().intoIPCStream()).schema.fields.map((f) => f.name)

/** Open IN as Parquet (by extension or magic bytes) or JSONL; nothing is read in full. */
export const openInput = (file: string): Effect.Effect<InputSource, FileError> =>
  Effect.gen(function* () {
    const { size, head } = yield* Effect.try({
      try: () => {
        const fd = fs.openSync(file, "r")
        try {
          const st = fs.fstatSync(fd)
          if (st.isDirectory()) throw new Error("it is a folder")
          const head = Buffer.alloc(4)
          fs.readSync(fd, head, 0, 4, 0)
          return { size: st.size, head }
        } finally {
          fs.closeSync(fd)
        }
      },
      catch: (e) => cannotRead(file, e)
    })
    const isParquet = file.toLowerCase().endsWith(".parquet") || head.toString("latin1") === "PAR1"
    if (!isParquet) return jsonlSource(file, size)
    const parquet = yield* Effect.tryPromise({
      try: async () => pq.ParquetFile.fromFile(await fs.openAsBlob(file)),
      catch: (e) => new FileError({ path: file, reason: `cannot read Parquet: ${String(e)}` })
    })
    const names = yield* Effect.try({ try: () => columnNames(parquet), catch: (e) => new FileError({ path: file, reason: `cannot read Parquet schema: ${String(e)}` }) })
    if (!names.includes("text")) {
      return yield* new FileError({ path: file, reason: `Parquet file has no "text" column (columns: ${names.join(", ")})` })
    }
    return parquetSource(file, parquet)
  })

/** Every row of IN (a test and small-file helper; the CLI streams with `openInput`). */
export const readInput = (file: string): Effect.Effect<Array<InputRow>, FileError> =>
  Effect.flatMap(openInput(file), (source) =>
    Effect.tryPromise({
      try: async () => {
        const out: Array<InputRow> = []
        for await (const b of source.batches()) out.push(...b.rows)
        return out
      },
      catch: (e) => cannotRead(file, e)
    })
  )

// ─── writing ──────────────────────────────────────────────────────────────────────────────

const round = (x: number) => Math.round(x * 1e6) / 1e6

/** `"id": …` (and `"row"` when there is no id), the start of every output line. */
const idPart = (r: InputRow) => (r.id === null ? `"id":null,"row":${r.row}` : `"id":${r.id}`)

/** The output line of one classified row. */
export const predictionLine = (r: InputRow, p: Prediction): string =>
  `{${idPart(r)},"unsafe":${round(p.unsafe)},"flagged":${p.flagged},"categories":${JSON.stringify(
    Object.fromEntries(CATEGORY_IDS.map((c) => [c, round(p.categories[c])]))
  )}}`

const errorLine = (r: InputRow & { error: string }) => `{${idPart(r)},"error":${JSON.stringify(r.error)}}`

export interface BatchSummary {
  readonly rows: number
  readonly classified: number
  readonly errors: number
  readonly flagged: number
  readonly seconds: number
}

/** Refuse an output path that is a folder before any work (it would fail only at the rename). */
export const checkOutput = (file: string): Effect.Effect<void, FileError> =>
  Effect.try({
    try: () => {
      if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new Error("it is a folder; name a file to write")
      fs.mkdirSync(path.dirname(file), { recursive: true })
    },
    catch: (e) => new FileError({ path: file, reason: `cannot write: ${(e as Error).message}` })
  })

/**
 * Classify every good row of `source` with `guard`, writing OUT as it goes: to a temp file
 * beside it, renamed over OUT at the end (removed on any failure), one line per row.
 */
export const classifySource = (
  guard: Guard,
  source: InputSource,
  output: string
): Effect.Effect<BatchSummary, FileError | GuardError, Progress> =>
  Effect.gen(function* () {
    const started = Date.now()
    yield* checkOutput(output)
    const tmp = `${output}.${process.pid}.tmp`
    const progress = yield* Progress
    const counts = { rows: 0, classified: 0, flagged: 0 }
    const writeFailed = (e: unknown) => new FileError({ path: output, reason: `cannot write: ${String(e)}` })
    // Batches in, lines out; the generator is closed (and with it the file) however this ends.
    const writeAll = (fd: number, tick: (n: number) => void) =>
      Effect.suspend(() => {
        const it = source.batches()
        return Effect.gen(function* () {
          for (;;) {
            const next = yield* Effect.tryPromise({ try: () => it.next(), catch: (e) => cannotRead(source.file, e) })
            if (next.done) return
            const { rows } = next.value
            const good = rows.filter((r): r is InputRow & { text: string } => "text" in r)
            const preds = good.length > 0 ? yield* guard.classify(good.map((r) => r.text)) : []
            let k = 0
            const out: Array<string> = new Array(rows.length)
            for (let i = 0; i < rows.length; i++) {
              const r = rows[i]
              if ("error" in r) out[i] = errorLine(r)
              else {
                const p = preds[k++]
                if (p.flagged) counts.flagged++
                out[i] = predictionLine(r, p)
              }
            }
            counts.rows += rows.length
            counts.classified += good.length
            if (out.length > 0) yield* Effect.try({ try: () => fs.writeFileSync(fd, `${out.join("\n")}\n`), catch: writeFailed })
            tick(next.value.progress)
          }
        }).pipe(Effect.ensuring(Effect.promise(async () => void (await it.return(undefined)))))
      })
    yield* Effect.acquireUseRelease(
      Effect.try({ try: () => fs.openSync(tmp, "w"), catch: writeFailed }),
      (fd) =>
        Effect.acquireUseRelease(
          Effect.sync(() => progress.start(`classify (${source.unit})`, source.total)),
          (bar) => writeAll(fd, bar.tick),
          (bar) => Effect.sync(() => bar.done())
        ),
      (fd) => Effect.sync(() => fs.closeSync(fd))
    ).pipe(
      Effect.zipRight(Effect.try({ try: () => fs.renameSync(tmp, output), catch: writeFailed })),
      // Nothing half-written stays behind: not the temp file, whatever failed.
      Effect.onError(() => Effect.sync(() => fs.rmSync(tmp, { force: true })))
    )
    return {
      rows: counts.rows,
      classified: counts.classified,
      errors: counts.rows - counts.classified,
      flagged: counts.flagged,
      seconds: (Date.now() - started) / 1000
    }
  })
