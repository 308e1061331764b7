/** AdvBench harmful behaviors (harmful-harmless/advbench_behaviors.csv): 520, all unsafe, no category → keyword rule. */
import { Schema } from "effect"
import { keywordCategories } from "../categorize.ts"
import { readDelimited } from "./read.ts"
import { loadFile, type SourceAdapter } from "./source.ts"

const FILE = "seed/harmful-harmless/advbench_behaviors.csv"
const Row = Schema.Struct({ Behavior: Schema.String })

export const advbench: SourceAdapter = {
  name: "advbench",
  license: "MIT",
  files: [FILE],
  labelRule: "all unsafe; no category given → keyword rule (fallback C2)",
  load: (shared) =>
    loadFile(shared, FILE, (f) => readDelimited(f, { delimiter: ",", quote: '"' }), Row, (r) => [
      { text: r.Behavior, lang: "en", unsafe: true, categories: keywordCategories(r.Behavior) }
    ])
}
