/**
 * Parquet IO: Arrow tables in, standard Parquet out (zstd, readable by pyarrow and DuckDB),
 * written atomically (temp file + rename) so a crash never leaves a half-written file.
 */
import * as arrow from "apache-arrow"
import * as pq from "parquet-wasm/node"
import { Effect, Option, ParseResult, Schema, SchemaAST } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { FileError, RowDecodeError } from "./errors.ts"

/** Column types the project writes. Plain standard Parquet only. */
export type ColumnType = "utf8" | "utf8?" | "bool" | "int32" | "float64" | "float64?" | "list<utf8>" | "list<utf8>?"

/** One column per field of the row: a spec that leaves a field out does not type-check. */
export type ColumnSpec<Row> = { readonly [K in keyof Row]-?: ColumnType }

// Schema.Int marks itself for JSON Schema as { type: "integer" }.
const isInt = (ast: SchemaAST.AST): boolean =>
  ast._tag === "Refinement" &&
  (Option.exists(SchemaAST.getJSONSchemaAnnotation(ast), (j) => (j as { readonly type?: unknown }).type === "integer") || isInt(ast.from))

const innermost = (ast: SchemaAST.AST): SchemaAST.AST => (ast._tag === "Refinement" ? innermost(ast.from) : ast)

const isText = (ast: SchemaAST.AST): boolean => {
  const a = innermost(ast)
  return a._tag === "StringKeyword" || a._tag === "TemplateLiteral" ||
    (a._tag === "Literal" && typeof a.literal === "string") || (a._tag === "Union" && a.types.every(isText))
}

/** The column type of one field, or null when Parquet here has none for it. */
const columnType = (ast: SchemaAST.AST): ColumnType | null => {
  if (ast._tag === "Union" && ast.types.some((t) => t._tag === "Literal" && t.literal === null)) {
    const rest = ast.types.filter((t) => !(t._tag === "Literal" && t.literal === null))
    const base = columnType(rest.length === 1 ? rest[0] : SchemaAST.Union.make(rest))
    return base === "utf8" || base === "float64" || base === "list<utf8>" ? `${base}?` : null
  }
  if (isText(ast)) return "utf8"
  const a = innermost(ast)
  if (a._tag === "BooleanKeyword") return "bool"
  if (a._tag === "NumberKeyword") return isInt(ast) ? "int32" : "float64"
  if (a._tag === "TupleType" && a.elements.length === 0 && a.rest.length === 1 && isText(a.rest[0].type)) return "list<utf8>"
  return null
}

/**
 * The Arrow columns of a table, from its row Schema: one per field, in the Schema's order
 * (strings → utf8, Int → int32, other numbers → float64, arrays of strings → list<utf8>,
 * NullOr → nullable). A field with no column type throws, so none is silently left out.
 */
export const columnsOf = <A, I, R>(schema: Schema.Schema<A, I, R>): ColumnSpec<A> => {
  let ast = schema.ast
  while (ast._tag === "Refinement") ast = ast.from
  if (ast._tag !== "TypeLiteral" || ast.indexSignatures.length > 0) {
    throw new TypeError(`columnsOf: a table's Schema must be a Struct of fixed fields, got ${ast._tag}`)
  }
  const columns: Record<string, ColumnType> = {}
  for (const field of ast.propertySignatures) {
    const type = field.isOptional ? null : columnType(field.type)
    if (type === null) throw new TypeError(`columnsOf: field "${String(field.name)}" has no Parquet column type (${String(field.type)})`)
    columns[String(field.name)] = type
  }
  return columns as ColumnSpec<A>
}

const arrowType = (t: ColumnType): arrow.DataType => {
  switch (t) {
    case "utf8":
    case "utf8?":
      return new arrow.Utf8()
    case "bool":
      return new arrow.Bool()
    case "int32":
      return new arrow.Int32()
    case "float64":
    case "float64?":
      return new arrow.Float64()
    case "list<utf8>":
    case "list<utf8>?":
      return new arrow.List(new arrow.Field("item", new arrow.Utf8(), false))
  }
}

/** Build an Arrow table from plain rows, with explicit column types (no inference surprises). */
export const rowsToTable = <Row extends object>(
  rows: ReadonlyArray<Row>,
  columns: ColumnSpec<Row>
): arrow.Table => {
  const vectors: Record<string, arrow.Vector> = {}
  for (const [name, type] of Object.entries(columns) as Array<[string, ColumnType]>) {
    const values = rows.map((r) => {
      const v = (r as Record<string, unknown>)[name]
      return Array.isArray(v) ? [...v] : v
    })
    vectors[name] = arrow.vectorFromArray(values, arrowType(type))
  }
  const fields = (Object.entries(columns) as Array<[string, ColumnType]>).map(
    ([name, type]) => new arrow.Field(name, arrowType(type), type.endsWith("?"))
  )
  return new arrow.Table(new arrow.Schema(fields), vectors)
}

/** Arrow table → plain JS rows (lists become arrays, no Arrow proxies leak out). */
export const tableToRows = (table: arrow.Table): Array<Record<string, unknown>> => {
  const names = table.schema.fields.map((f) => f.name)
  const columns = names.map((n) => table.getChild(n)!)
  const out: Array<Record<string, unknown>> = new Array(table.numRows)
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {}
    for (let c = 0; c < names.length; c++) {
      let v = columns[c].get(i)
      if (v instanceof arrow.Vector) v = v.toArray()
      if (ArrayBuffer.isView(v) || (v && typeof v === "object" && Symbol.iterator in v && typeof v !== "string")) {
        v = Array.from(v as Iterable<unknown>)
      }
      if (typeof v === "bigint") v = Number(v)
      row[names[c]] = v
    }
    out[i] = row
  }
  return out
}

export const encodeParquet = (table: arrow.Table): Uint8Array => {
  const wasmTable = pq.Table.fromIPCStream(arrow.tableToIPC(table, "stream"))
  const props = new pq.WriterPropertiesBuilder()
    .setCompression(pq.Compression.ZSTD)
    .setCreatedBy("duoguard-ts")
    .setMaxRowGroupSize(64 * 1024)
    .build()
  return pq.writeParquet(wasmTable, props)
}

export const decodeParquet = (bytes: Uint8Array): arrow.Table => {
  const wasmTable = pq.readParquet(bytes)
  return arrow.tableFromIPC(wasmTable.intoIPCStream())
}

/** Write bytes atomically: temp file in the same folder, then rename. */
export const writeFileAtomic = (file: string, bytes: Uint8Array | string): Effect.Effect<void, FileError> =>
  Effect.try({
    try: () => {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.tmp`
      try {
        fs.writeFileSync(tmp, bytes)
        fs.renameSync(tmp, file)
      } catch (e) {
        // E.g. `file` is a folder: the rename fails, and the temp copy must not stay behind.
        fs.rmSync(tmp, { force: true })
        throw e
      }
    },
    catch: (e) => new FileError({ path: file, reason: `cannot write: ${String(e)}` })
  })

export const writeParquet = (file: string, table: arrow.Table): Effect.Effect<void, FileError> =>
  Effect.try({
    try: () => encodeParquet(table),
    catch: (e) => new FileError({ path: file, reason: `cannot encode Parquet: ${String(e)}` })
  }).pipe(Effect.flatMap((bytes) => writeFileAtomic(file, bytes)))

export const readParquet = (file: string): Effect.Effect<arrow.Table, FileError> =>
  Effect.try({
    try: () => decodeParquet(fs.readFileSync(file)),
    catch: (e) => new FileError({ path: file, reason: `cannot read Parquet: ${String(e)}` })
  })

/** Decode every row against a Schema; the first bad row fails with file, row and field named. */
export const decodeRows = <A, I>(
  schema: Schema.Schema<A, I>,
  rows: ReadonlyArray<unknown>,
  file: string
): Effect.Effect<Array<A>, RowDecodeError> =>
  Effect.suspend(() => {
    const decode = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "ignore" })
    const out: Array<A> = new Array(rows.length)
    for (let i = 0; i < rows.length; i++) {
      const r = decode(rows[i])
      if (r._tag === "Left") {
        return Effect.fail(
          new RowDecodeError({ path: file, row: i, reason: ParseResult.TreeFormatter.formatErrorSync(r.left) })
        )
      }
      out[i] = r.right
    }
    return Effect.succeed(out)
  })

/** Read a Parquet file and decode it into typed rows. */
export const readRows = <A, I>(schema: Schema.Schema<A, I>, file: string) =>
  readParquet(file).pipe(Effect.flatMap((t) => decodeRows(schema, tableToRows(t), file)))
