/**
 * What every source adapter produces, and the rules every adapter shares: a raw row is
 * decoded by the adapter's Schema; a row that does not decode is reported (file, line,
 * reason) and skipped; a source with more malformed rows than allowed fails as a whole.
 */
import { Data, Effect, Either, ParseResult, Schema } from "effect"
import * as path from "node:path"
import type { CategoryId, Lang } from "../../../schemas/index.ts"
import type { FileError } from "../errors.ts"

/** One labelled text as the source gives it (text not yet normalized). */
export interface SourceRow {
  readonly text: string
  readonly lang: Lang
  readonly unsafe: boolean
  readonly categories: ReadonlyArray<CategoryId>
  /** Where it came from, for error messages and the card. */
  readonly file: string
  readonly line: number
}

/** A raw row that could not be used, and why. */
export interface Malformed {
  readonly file: string
  readonly line: number
  readonly reason: string
}

export interface SourceOutput {
  readonly rows: ReadonlyArray<SourceRow>
  /** Raw data rows seen (good + malformed), the denominator of the malformed rule. */
  readonly seen: number
  readonly malformed: ReadonlyArray<Malformed>
}

export interface SourceAdapter {
  /** Stable short name, stored in every row's `source` column. */
  readonly name: string
  /** As the datasets README states it, e.g. "MIT", "CC-BY-NC-4.0", "research-only", "unknown". */
  readonly license: string
  /** Files it reads, relative to the shared datasets folder (for the card and for errors). */
  readonly files: ReadonlyArray<string>
  /** One line for the card: what the rows are and how the label is derived. */
  readonly labelRule: string
  readonly load: (sharedDir: string) => Effect.Effect<SourceOutput, FileError>
}

export class TooManyMalformedError extends Data.TaggedError("TooManyMalformedError")<{
  readonly source: string
  readonly malformed: number
  readonly seen: number
  readonly maxFraction: number
  readonly examples: ReadonlyArray<Malformed>
}> {
  override get message() {
    const pct = this.seen === 0 ? 100 : (100 * this.malformed) / this.seen
    const ex = this.examples.map((m) => `  ${m.file}:${m.line}: ${m.reason}`).join("\n")
    return `source "${this.source}": ${this.malformed} of ${this.seen} rows malformed (${pct.toFixed(2)} % > ${(100 * this.maxFraction).toFixed(2)} % allowed), e.g.\n${ex}`
  }
}

/** A record read from a file, with the line it starts on (1-based, header included). */
export interface RawRecord {
  readonly line: number
  readonly value: unknown
}

/**
 * The first problem of a failed decode, as "field: message". A union of literals fails once
 * per member; those are merged into one `Expected "a" | "b", actual "x"`.
 */
export const describeParseError = (e: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(e)
  const first = issues[0]
  if (!first) return "does not match the expected row shape"
  const where = first.path.length > 0 ? `${first.path.join(".")}: ` : ""
  const samePath = issues.filter((i) => i.path.join("\u0000") === first.path.join("\u0000"))
  const parts = samePath.map((i) => /^Expected (.+), actual (.+)$/s.exec(i.message))
  if (samePath.length > 1 && parts.every((m) => m !== null && m[2] === parts[0]![2])) {
    return `${where}Expected ${parts.map((m) => m![1]).join(" | ")}, actual ${parts[0]![2]}`
  }
  return `${where}${first.message}`
}

/** Records read from one file, plus those its parser already rejected. */
export interface Parsed {
  readonly records: ReadonlyArray<RawRecord>
  readonly malformed: ReadonlyArray<Omit<Malformed, "file">>
}

/**
 * Decode a file's records with `schema` and map each good one to zero or more rows.
 * `toRows` may return a string to reject a decoded record with that reason.
 */
export const decodeRecords = <A, I>(
  sharedDir: string,
  file: string,
  parsed: Parsed,
  schema: Schema.Schema<A, I>,
  toRows: (row: A) => ReadonlyArray<Omit<SourceRow, "file" | "line">> | string
): SourceOutput => {
  const rel = path.relative(sharedDir, file).split(path.sep).join("/")
  const decode = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "ignore" })
  const rows: Array<SourceRow> = []
  const malformed: Array<Malformed> = parsed.malformed.map((m) => ({ file: rel, ...m }))
  for (const rec of parsed.records) {
    const r = decode(rec.value)
    if (Either.isLeft(r)) {
      malformed.push({ file: rel, line: rec.line, reason: describeParseError(r.left) })
      continue
    }
    const out = toRows(r.right)
    if (typeof out === "string") malformed.push({ file: rel, line: rec.line, reason: out })
    else for (const o of out) rows.push({ ...o, file: rel, line: rec.line })
  }
  malformed.sort((a, b) => a.line - b.line)
  return { rows, seen: parsed.records.length + parsed.malformed.length, malformed }
}

/** Read one file of a source (path relative to the shared folder) and decode it. */
export const loadFile = <A, I>(
  sharedDir: string,
  relFile: string,
  read: (file: string) => Effect.Effect<Parsed, FileError>,
  schema: Schema.Schema<A, I>,
  toRows: (row: A) => ReadonlyArray<Omit<SourceRow, "file" | "line">> | string
): Effect.Effect<SourceOutput, FileError> => {
  const file = path.join(sharedDir, relFile)
  return Effect.map(read(file), (parsed) => decodeRecords(sharedDir, file, parsed, schema, toRows))
}

/** Concatenate the outputs of several files of one source. */
export const mergeOutputs = (parts: ReadonlyArray<SourceOutput>): SourceOutput => ({
  rows: parts.flatMap((p) => p.rows),
  seen: parts.reduce((n, p) => n + p.seen, 0),
  malformed: parts.flatMap((p) => p.malformed)
})

/** Enforce the malformed-row rule: more than `maxFraction` of a source's rows malformed fails it. */
export const checkMalformed = (
  source: string,
  out: SourceOutput,
  maxFraction: number
): Effect.Effect<SourceOutput, TooManyMalformedError> =>
  out.malformed.length > maxFraction * out.seen
    ? Effect.fail(
        new TooManyMalformedError({
          source,
          malformed: out.malformed.length,
          seen: out.seen,
          maxFraction,
          examples: out.malformed.slice(0, 5)
        })
      )
    : Effect.succeed(out)

/** A Schema for a string field holding one of the given label values (trimmed first). */
export const LabelOf = <const L extends ReadonlyArray<string>>(...labels: L) =>
  Schema.compose(Schema.Trim, Schema.Literal(...labels))

/** A required text field: any string (emptiness is judged after normalization). */
export const TextField = Schema.String
