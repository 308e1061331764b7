/**
 * A moderation request's body (bytes) → the turns to classify, or an ApiError that says what
 * is wrong and where. Order of checks: UTF-8, JSON, shape (Schema), limits.
 *
 * The shape is decoded in two steps so that errors point at the offending element: the kind
 * of `input` is chosen by its first element, then that kind's Schema reports the first bad
 * element by index (`input[3]: Expected string, actual 42`).
 */
import { Either, ParseResult, Schema, SchemaAST } from "effect"
import { Message, TextPart } from "./api.ts"
import { messagesToTurns, type Turn } from "./conversation.ts"
import { ApiError, badRequest } from "./errors.ts"

export interface RequestLimits {
  /** Strings (or messages) per request. */
  readonly maxInputs: number
  /** Characters (Unicode code points) per string. */
  readonly maxChars: number
}

export interface ParsedRequest {
  readonly kind: "texts" | "conversation"
  readonly turns: ReadonlyArray<Turn>
  /** Texts the model will see (a turn with a reply is two). */
  readonly texts: number
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** Offset of the first byte that is not part of valid UTF-8 (for the error message). */
const firstBadUtf8 = (b: Uint8Array): number => {
  for (let i = 0; i < b.length; ) {
    const c = b[i]
    const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0
    if (n === 0 || i + n > b.length) return i
    for (let k = 1; k < n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i
    try {
      utf8.decode(b.subarray(i, i + n))
    } catch {
      return i // overlong forms and surrogates
    }
    i += n
  }
  return -1
}

export const decodeUtf8 = (body: Uint8Array): Either.Either<string, ApiError> => {
  try {
    return Either.right(utf8.decode(body))
  } catch {
    return Either.left(badRequest("invalid_utf8", `request body is not valid UTF-8 (bad byte at offset ${firstBadUtf8(body)})`))
  }
}

export const parseJson = (text: string): Either.Either<unknown, ApiError> => {
  if (text.trim() === "") return Either.left(badRequest("invalid_json", "request body is empty; expected a JSON object"))
  try {
    return Either.right(JSON.parse(text))
  } catch (e) {
    return Either.left(badRequest("invalid_json", `request body is not valid JSON: ${(e as Error).message}`))
  }
}

const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v)

/**
 * A value as an error message quotes it: flat and short. Effect's own formatter renders the
 * whole value recursively, so a 4 kB body nested 2,000 deep overflowed the stack (a 500) and a
 * long value was quoted in full.
 */
export const excerpt = (v: unknown): string => {
  if (typeof v === "string") return v.length > 40 ? `${JSON.stringify(v.slice(0, 40)).slice(0, -1)}…"` : JSON.stringify(v)
  if (Array.isArray(v)) return `an array of ${v.length} element${v.length === 1 ? "" : "s"}`
  if (v === null || typeof v !== "object") return String(v).slice(0, 40)
  return "an object"
}

const expected = (ast: SchemaAST.AST): string => {
  if (SchemaAST.isLiteral(ast)) return JSON.stringify(ast.literal)
  if (SchemaAST.isUnion(ast) && ast.types.every(SchemaAST.isLiteral)) {
    return `one of ${ast.types.map((t) => JSON.stringify((t as SchemaAST.Literal).literal)).join(", ")}`
  }
  // Our request schemas are small: their own rendering is short (e.g. `string`, a struct).
  return String(ast)
}

interface Issue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
  readonly missing: boolean
}

/** The first issue of a decode failure, rendered without ever formatting the value in full. */
const firstIssue = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey> = []): Issue => {
  switch (issue._tag) {
    case "Pointer":
      return firstIssue(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path as PropertyKey])])
    case "Composite":
      // A union that matched no member (the message role): name what it accepts.
      if (SchemaAST.isUnion(issue.ast)) {
        return { path, message: `Expected ${expected(issue.ast)}, actual ${excerpt(issue.actual)}`, missing: false }
      }
      return firstIssue(Array.isArray(issue.issues) ? issue.issues[0] : (issue.issues as ParseResult.ParseIssue), path)
    case "Refinement":
    case "Transformation":
      return firstIssue(issue.issue, path)
    case "Missing":
      return { path, message: "is missing", missing: true }
    case "Type":
      return { path, message: `Expected ${expected(issue.ast)}, actual ${excerpt(issue.actual)}`, missing: false }
    default:
      return { path, message: `invalid value ${excerpt(issue.actual)}`, missing: false }
  }
}

/** Decode with `schema`, turning the first issue into a 400 naming `input[i].field`. */
const decodeAt = <A, I>(schema: Schema.Schema<A, I>, value: unknown, param: string): Either.Either<A, ApiError> => {
  const r = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "ignore" })(value)
  if (Either.isRight(r)) return Either.right(r.right)
  const issue = firstIssue(r.left.issue)
  const where = `${param}${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`
  return Either.left(badRequest(issue.missing ? "missing_parameter" : "invalid_type", `${where}: ${issue.message}`, where))
}

const codePoints = (s: string) => {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++
    else {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
      n++
    }
  }
  return n
}

const checkLength = (s: string, param: string, limits: RequestLimits): ApiError | undefined => {
  // UTF-16 length bounds the code point count from above: count only when it might matter.
  if (s.length <= limits.maxChars) return undefined
  const n = codePoints(s)
  return n > limits.maxChars
    ? new ApiError({
        status: 400,
        code: "input_too_long",
        message: `${param} is ${n} characters long; the limit is ${limits.maxChars}`,
        param
      })
    : undefined
}

const texts = (strings: ReadonlyArray<string>, param: (i: number) => string, limits: RequestLimits) => {
  for (let i = 0; i < strings.length; i++) {
    const e = checkLength(strings[i], param(i), limits)
    if (e) return Either.left(e)
  }
  const turns = strings.map((prompt) => ({ prompt }))
  return Either.right<ParsedRequest>({ kind: "texts", turns, texts: turns.length })
}

/** A decoded JSON body → what to classify. */
export const parseModeration = (body: unknown, limits: RequestLimits): Either.Either<ParsedRequest, ApiError> => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return Either.left(badRequest("invalid_body", `request body must be a JSON object, got ${describe(body)}`))
  }
  const b = body as Record<string, unknown>
  if (!("input" in b) || b.input === undefined) {
    return Either.left(badRequest("missing_parameter", "missing required parameter: input", "input"))
  }
  if (b.model !== undefined) {
    const m = decodeAt(Schema.String, b.model, "model")
    if (Either.isLeft(m)) return Either.left(m.left)
  }
  const input = b.input
  if (typeof input === "string") return texts([input], () => "input", limits)
  if (!Array.isArray(input)) {
    return Either.left(
      badRequest("invalid_type", `input must be a string or an array (of strings, text parts or chat messages), got ${describe(input)}`, "input")
    )
  }
  if (input.length === 0) return Either.left(badRequest("empty_input", "input is an empty array", "input"))
  if (input.length > limits.maxInputs) {
    return Either.left(
      badRequest("too_many_inputs", `input has ${input.length} elements; the limit is ${limits.maxInputs} per request`, "input")
    )
  }
  const first = input[0] as unknown
  if (typeof first === "string") {
    const r = decodeAt(Schema.Array(Schema.String), input, "input")
    return Either.isLeft(r) ? Either.left(r.left) : texts(r.right, (i) => `input[${i}]`, limits)
  }
  if (typeof first === "object" && first !== null && "role" in first) {
    const r = decodeAt(Schema.Array(Message), input, "input")
    if (Either.isLeft(r)) return Either.left(r.left)
    for (let i = 0; i < r.right.length; i++) {
      const e = checkLength(r.right[i].content, `input[${i}].content`, limits)
      if (e) return Either.left(e)
    }
    const turns = messagesToTurns(r.right)
    if (turns.length === 0) {
      return Either.left(badRequest("empty_input", "the conversation has no user or assistant message to moderate", "input"))
    }
    const n = turns.reduce((a, t) => a + (t.response === undefined ? 1 : 2), 0)
    return Either.right({ kind: "conversation", turns, texts: n })
  }
  if (typeof first === "object" && first !== null && "type" in first) {
    const r = decodeAt(Schema.Array(TextPart), input, "input")
    return Either.isLeft(r) ? Either.left(r.left) : texts(r.right.map((p) => p.text), (i) => `input[${i}].text`, limits)
  }
  return Either.left(
    badRequest(
      "invalid_type",
      `input[0] must be a string, a text part {"type": "text", "text": …} or a chat message {"role", "content"}, got ${describe(first)}`,
      "input[0]"
    )
  )
}
