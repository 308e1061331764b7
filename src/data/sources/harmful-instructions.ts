/**
 * harmful_{train,val,test}.json (harmful-harmless/): ~870 harmful instructions collected from
 * several benchmarks (JailbreakBench, HarmBench, StrongREJECT, AdvBench-style); all unsafe.
 * `category` is the originating benchmark's category, or null → keyword rule.
 */
import { Effect, Schema } from "effect"
import { harmfulCategories } from "../categorize.ts"
import { readJsonRecords } from "./read.ts"
import { loadFile, mergeOutputs, type SourceAdapter } from "./source.ts"

const FILES = ["train", "val", "test"].map((s) => `seed/harmful-harmless/harmful_${s}.json`)
const Row = Schema.Struct({ instruction: Schema.String, category: Schema.NullOr(Schema.String) })

export const harmfulInstructions: SourceAdapter = {
  name: "harmful-instructions",
  license: "MIT",
  files: FILES,
  labelRule: "all unsafe; category → category table, null → keyword rule (fallback C2)",
  load: (shared) =>
    Effect.map(
      Effect.forEach(FILES, (file) =>
        loadFile(shared, file, readJsonRecords, Row, (r) => {
          const categories = harmfulCategories(r.instruction, r.category)
          return typeof categories === "string" ? categories : [{ text: r.instruction, lang: "en", unsafe: true, categories }]
        })
      ),
      mergeOutputs
    )
}
