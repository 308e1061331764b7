/**
 * HarmBench behaviors (harmful-harmless/harmbench_behaviors_text_all.csv): 400 harmful
 * requests, all unsafe, categories from SemanticCategory. Contextual behaviors are kept as
 * the behavior sentence alone: their ContextString is a long, mostly benign document.
 */
import { Schema } from "effect"
import { harmfulCategories } from "../categorize.ts"
import { readDelimited } from "./read.ts"
import { loadFile, type SourceAdapter } from "./source.ts"

const FILE = "seed/harmful-harmless/harmbench_behaviors_text_all.csv"
const Row = Schema.Struct({ Behavior: Schema.String, SemanticCategory: Schema.String })

export const harmbench: SourceAdapter = {
  name: "harmbench",
  license: "MIT",
  files: [FILE],
  labelRule: "all unsafe; SemanticCategory → category table (illegal / harmful → keyword rule)",
  load: (shared) =>
    loadFile(shared, FILE, (f) => readDelimited(f, { delimiter: ",", quote: '"' }), Row, (r) => {
      const categories = harmfulCategories(r.Behavior, r.SemanticCategory)
      return typeof categories === "string" ? categories : [{ text: r.Behavior, lang: "en", unsafe: true, categories }]
    })
}
