/**
 * Shared shape of the hate / offensive / toxicity corpora: one text column and one label
 * column whose values split into hostile (→ unsafe, C9) and not hostile (→ safe).
 */
import { Effect, Schema } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { HOSTILE_CATEGORIES } from "../categorize.ts"
import type { FileError } from "../errors.ts"
import { readDelimited } from "./read.ts"
import { loadFile, mergeOutputs, type Parsed, type SourceAdapter, type SourceOutput } from "./source.ts"

export interface BinarySpec {
  readonly files: ReadonlyArray<string>
  readonly read: (file: string) => Effect.Effect<Parsed, FileError>
  readonly textField: string
  readonly labelField: string
  /** Label values (after trimming) that mean hostile. */
  readonly hostile: ReadonlyArray<string>
  /** Label values that mean not hostile. Any other value makes the row malformed. */
  readonly benign: ReadonlyArray<string>
  readonly lang: Lang
}

export const loadBinary = (shared: string, spec: BinarySpec): Effect.Effect<SourceOutput, FileError> => {
  const labels = [...spec.hostile, ...spec.benign] as [string, ...Array<string>]
  const fields: Record<string, Schema.Schema<string, string>> = {
    [spec.textField]: Schema.String,
    [spec.labelField]: Schema.compose(Schema.Trim, Schema.Literal(...labels))
  }
  // Field names are data here, so the Struct's precise type is widened to a string record.
  const Row = Schema.Struct(fields) as unknown as Schema.Schema<Record<string, string>, Record<string, string>>
  const hostile = new Set(spec.hostile)
  return Effect.map(
    Effect.forEach(spec.files, (file) =>
      loadFile(shared, file, spec.read, Row, (r) => {
        const unsafe = hostile.has(r[spec.labelField])
        return [{ text: r[spec.textField], lang: spec.lang, unsafe, categories: unsafe ? HOSTILE_CATEGORIES : [] }]
      })
    ),
    mergeOutputs
  )
}

/**
 * A source that is a plain `text,label` CSV with label 1 = hostile, 0 = not (Kennedy, Founta,
 * Fortuna): only its name, license, language, files and what "hostile" means differ.
 */
export const textLabelCsvSource = (spec: {
  readonly name: string
  readonly license: string
  readonly lang: Lang
  readonly files: ReadonlyArray<string>
  /** What label 1 means, for the card: "hate", "abusive", … */
  readonly hostileMeans: string
}): SourceAdapter => ({
  name: spec.name,
  license: spec.license,
  files: spec.files,
  labelRule: `label 1 (${spec.hostileMeans}) → unsafe C9; 0 → safe`,
  load: (shared) =>
    loadBinary(shared, {
      files: spec.files,
      read: (f) => readDelimited(f, { delimiter: ",", quote: '"' }),
      textField: "text",
      labelField: "label",
      hostile: ["1"],
      benign: ["0"],
      lang: spec.lang
    })
})
