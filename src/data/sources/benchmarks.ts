/**
 * The paper's six evaluation benchmarks × En/Fr/De/Es
 * (benchmarks/duoguard/eval_data_{En,Fr,De,Es}/), read with the paper's rules:
 * - XSTest: text `prompt`; unsafe iff `type` starts with "contrast_".
 * - OpenAI moderation, ToxicChat: text `prompt`; unsafe = `moderation_flag`. Both files carry
 *   a `parsed_result.MODERATION_RESULT` over our own C1–C12; we keep it as `categories` where
 *   it agrees with the flag (unsafe ⇔ ≥ 1 category): every OpenAI row, the flagged ToxicChat
 *   rows with a category. Otherwise (safe ToxicChat rows have no result; 8 flagged ones have
 *   no category) `categories` is null.
 * - BeaverTails: text `prompt + ' ' + response`; unsafe = not `is_safe`. Its own 14 harm
 *   categories are not mapped (several have no C1–C12 counterpart): `categories` null.
 * - RTP-LX, XSafety: text `prompt`; unsafe = `class`.
 * Texts are kept exactly as in the files (no normalization) and rows in file order.
 * Any row that does not decode fails the whole run: benchmark counts must be exact.
 */
import { Effect, Either, Schema } from "effect"
import * as path from "node:path"
import { BENCHMARK_LANGUAGES, BENCHMARKS, CategoryId, type BenchmarkLang, type BenchmarkName, type BenchmarkRow } from "../../../schemas/index.ts"
import { FileError, RowDecodeError } from "../errors.ts"
import { readDelimited, readJsonRecords } from "./read.ts"
import { describeParseError, type Parsed } from "./source.ts"

export const BENCHMARK_DIR = "benchmarks/duoguard"

const FOLDER: Readonly<Record<BenchmarkLang, string>> = { en: "eval_data_En", fr: "eval_data_Fr", de: "eval_data_De", es: "eval_data_Es" }

/** Exact row counts (unsafe in brackets) the paper's files have; ingest checks them. */
export const EXPECTED_BENCHMARK_COUNTS: Readonly<
  Record<BenchmarkName, Readonly<Record<BenchmarkLang, { readonly rows: number; readonly unsafe: number }>>>
> = {
  xstest: same({ rows: 450, unsafe: 200 }),
  openai: same({ rows: 1680, unsafe: 522 }),
  toxicchat: same({ rows: 2853, unsafe: 362 }),
  beavertails: same({ rows: 3021, unsafe: 1733 }),
  rtplx: {
    en: { rows: 999, unsafe: 663 },
    fr: { rows: 1038, unsafe: 700 },
    de: { rows: 1029, unsafe: 793 },
    es: { rows: 1098, unsafe: 688 }
  },
  xsafety: {
    en: { rows: 2400, unsafe: 2400 },
    fr: { rows: 2600, unsafe: 2600 },
    de: { rows: 2600, unsafe: 2600 },
    es: { rows: 2600, unsafe: 2600 }
  }
}

function same<T>(v: T): Record<BenchmarkLang, T> {
  return { en: v, fr: v, de: v, es: v }
}

const Flag = Schema.Literal(0, 1)

/** "C10(Suicide & Self-Harm)" → "C10"; anything else is not one of our categories. */
const categoryOfKey = (k: string): CategoryId | null => {
  const m = /^(C\d{1,2})\(/.exec(k)
  return m && Schema.is(CategoryId)(m[1]) ? m[1] : null
}

const Moderated = Schema.Struct({
  prompt: Schema.String,
  moderation_flag: Flag,
  parsed_result: Schema.NullOr(
    Schema.Struct({ MODERATION_RESULT: Schema.Record({ key: Schema.String, value: Schema.Boolean }) })
  )
})

const moderatedRow = (r: typeof Moderated.Type) => {
  const unsafe = r.moderation_flag === 1
  let categories: Array<CategoryId> | null = null
  if (r.parsed_result) {
    const cs = Object.entries(r.parsed_result.MODERATION_RESULT)
      .filter(([, v]) => v)
      .map(([k]) => categoryOfKey(k))
      .filter((c): c is CategoryId => c !== null)
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    if (unsafe === cs.length > 0) categories = cs
  }
  return { text: r.prompt, unsafe, categories }
}

interface BenchmarkSpec {
  readonly file: string
  readonly read: (file: string) => Effect.Effect<Parsed, FileError>
  readonly decode: (value: unknown) => Either.Either<{ text: string; unsafe: boolean; categories: Array<CategoryId> | null }, string>
}

const decoder =
  <A, I>(schema: Schema.Schema<A, I>, f: (a: A) => { text: string; unsafe: boolean; categories: Array<CategoryId> | null }) =>
  (value: unknown) =>
    Either.mapBoth(Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })(value), {
      onLeft: describeParseError,
      onRight: f
    })

export const BENCHMARK_SPECS: Readonly<Record<BenchmarkName, BenchmarkSpec>> = {
  xstest: {
    file: "xstest_v2_completions_gpt4_gpteval.csv",
    read: (f) => readDelimited(f, { delimiter: ",", quote: '"' }),
    decode: decoder(Schema.Struct({ prompt: Schema.String, type: Schema.String }), (r) => ({
      text: r.prompt,
      unsafe: r.type.startsWith("contrast_"),
      categories: null
    }))
  },
  openai: { file: "openai.json", read: readJsonRecords, decode: decoder(Moderated, moderatedRow) },
  toxicchat: { file: "toxic_chat.json", read: readJsonRecords, decode: decoder(Moderated, moderatedRow) },
  beavertails: {
    file: "beavertail_test.jsonl",
    read: readJsonRecords,
    decode: decoder(Schema.Struct({ prompt: Schema.String, response: Schema.String, is_safe: Schema.Boolean }), (r) => ({
      text: `${r.prompt} ${r.response}`,
      unsafe: !r.is_safe,
      categories: null
    }))
  },
  rtplx: {
    file: "rtp_lx_prompt.json",
    read: readJsonRecords,
    decode: decoder(Schema.Struct({ prompt: Schema.String, class: Flag }), (r) => ({ text: r.prompt, unsafe: r.class === 1, categories: null }))
  },
  xsafety: {
    file: "XSafety.json",
    read: readJsonRecords,
    decode: decoder(Schema.Struct({ prompt: Schema.String, class: Flag }), (r) => ({ text: r.prompt, unsafe: r.class === 1, categories: null }))
  }
}

export interface LoadedBenchmarks {
  readonly rows: ReadonlyArray<BenchmarkRow>
  /** Texts that are part of a benchmark row without being its whole text (BeaverTails prompts). */
  readonly partTexts: ReadonlyArray<string>
}

/** Load one benchmark in one language; the first bad row fails with file and row. */
export const loadBenchmark = (
  shared: string,
  benchmark: BenchmarkName,
  lang: BenchmarkLang
): Effect.Effect<LoadedBenchmarks, FileError | RowDecodeError> => {
  const spec = BENCHMARK_SPECS[benchmark]
  const file = path.join(shared, BENCHMARK_DIR, FOLDER[lang], spec.file)
  return Effect.flatMap(spec.read(file), (parsed) => {
    if (parsed.malformed.length > 0) {
      const m = parsed.malformed[0]
      return Effect.fail(new RowDecodeError({ path: file, row: m.line, reason: m.reason }))
    }
    const rows: Array<BenchmarkRow> = []
    const partTexts: Array<string> = []
    for (const rec of parsed.records) {
      const d = spec.decode(rec.value)
      if (Either.isLeft(d)) return Effect.fail(new RowDecodeError({ path: file, row: rec.line, reason: d.left }))
      rows.push({ benchmark, lang, ...d.right })
      if (benchmark === "beavertails") partTexts.push((rec.value as { prompt: string }).prompt)
    }
    return Effect.succeed({ rows, partTexts })
  })
}

/** All benchmarks, in BENCHMARKS × BENCHMARK_LANGUAGES order. */
export const loadAllBenchmarks = (shared: string): Effect.Effect<LoadedBenchmarks, FileError | RowDecodeError> =>
  Effect.map(
    Effect.forEach(BENCHMARKS.flatMap((b) => BENCHMARK_LANGUAGES.map((l) => [b, l] as const)), ([b, l]) => loadBenchmark(shared, b, l)),
    (parts) => ({ rows: parts.flatMap((p) => p.rows), partTexts: parts.flatMap((p) => p.partTexts) })
  )

export class BenchmarkCountError extends Schema.TaggedError<BenchmarkCountError>()("BenchmarkCountError", {
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return `benchmark files do not have the paper's row counts:\n  ${this.problems.join("\n  ")}`
  }
}

/** Count rows and unsafe rows per benchmark × language. */
export const countBenchmarks = (rows: ReadonlyArray<BenchmarkRow>) => {
  const counts = new Map<string, { rows: number; unsafe: number }>()
  for (const r of rows) {
    const k = `${r.benchmark}/${r.lang}`
    const c = counts.get(k) ?? { rows: 0, unsafe: 0 }
    c.rows++
    if (r.unsafe) c.unsafe++
    counts.set(k, c)
  }
  return counts
}

/** Fail unless every benchmark × language has exactly the expected rows and unsafe rows. */
export const checkBenchmarkCounts = (rows: ReadonlyArray<BenchmarkRow>): Effect.Effect<void, BenchmarkCountError> => {
  const counts = countBenchmarks(rows)
  const problems: Array<string> = []
  for (const b of BENCHMARKS) {
    for (const l of BENCHMARK_LANGUAGES) {
      const want = EXPECTED_BENCHMARK_COUNTS[b][l]
      const got = counts.get(`${b}/${l}`) ?? { rows: 0, unsafe: 0 }
      if (got.rows !== want.rows || got.unsafe !== want.unsafe) {
        problems.push(`${b} ${l}: ${got.rows} rows (${got.unsafe} unsafe), expected ${want.rows} (${want.unsafe})`)
      }
    }
  }
  return problems.length > 0 ? Effect.fail(new BenchmarkCountError({ problems })) : Effect.void
}
