/** harmless_{train,val,test}.json (harmful-harmless/): ~31k Alpaca instructions, all safe. Alpaca is CC-BY-NC. */
import { Effect, Schema } from "effect"
import { readJsonRecords } from "./read.ts"
import { loadFile, mergeOutputs, type SourceAdapter } from "./source.ts"

const FILES = ["train", "val", "test"].map((s) => `seed/harmful-harmless/harmless_${s}.json`)
const Row = Schema.Struct({ instruction: Schema.String, category: Schema.Null })

export const alpaca: SourceAdapter = {
  name: "alpaca",
  license: "CC-BY-NC-4.0",
  files: FILES,
  labelRule: "all safe (category must be null)",
  load: (shared) =>
    Effect.map(
      Effect.forEach(FILES, (file) =>
        loadFile(shared, file, readJsonRecords, Row, (r) => [{ text: r.instruction, lang: "en", unsafe: false, categories: [] }])
      ),
      mergeOutputs
    )
}
