/** StrongREJECT forbidden prompts (harmful-harmless/strongreject_dataset.csv): 313, all unsafe, category column. */
import { Schema } from "effect"
import { harmfulCategories } from "../categorize.ts"
import { readDelimited } from "./read.ts"
import { loadFile, type SourceAdapter } from "./source.ts"

const FILE = "seed/harmful-harmless/strongreject_dataset.csv"
const Row = Schema.Struct({ category: Schema.String, forbidden_prompt: Schema.String })

export const strongreject: SourceAdapter = {
  name: "strongreject",
  license: "MIT",
  files: [FILE],
  labelRule: "all unsafe; category → category table",
  load: (shared) =>
    loadFile(shared, FILE, (f) => readDelimited(f, { delimiter: ",", quote: '"' }), Row, (r) => {
      const categories = harmfulCategories(r.forbidden_prompt, r.category)
      return typeof categories === "string" ? categories : [{ text: r.forbidden_prompt, lang: "en", unsafe: true, categories }]
    })
}
