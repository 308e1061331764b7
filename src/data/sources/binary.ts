/**
 * Shared shape of the hate / offensive / toxicity corpora: one text column and one label
 * column whose values split into hostile (→ unsafe, C9) and not hostile (→ safe).
 */
import { Effect, Schema } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { HOSTILE_CATEGORIES } from "../categorize.ts"
import type { FileError } from "../errors.ts"
import { loadFile, mergeOutputs, type Parsed, type SourceOutput } from "./source.ts"

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
