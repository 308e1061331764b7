/** MaliciousInstruct (harmful-harmless/malicious_instruct.txt): 100 questions, one a line, all unsafe → keyword rule. */
import { Schema } from "effect"
import { keywordCategories } from "../categorize.ts"
import { readLines } from "./read.ts"
import { loadFile, type SourceAdapter } from "./source.ts"

const FILE = "seed/harmful-harmless/malicious_instruct.txt"
const Row = Schema.Struct({ text: Schema.String })

export const maliciousinstruct: SourceAdapter = {
  name: "maliciousinstruct",
  license: "MIT",
  files: [FILE],
  labelRule: "all unsafe; no category given → keyword rule (fallback C2)",
  load: (shared) =>
    loadFile(shared, FILE, readLines, Row, (r) => [
      { text: r.text, lang: "en", unsafe: true, categories: keywordCategories(r.text) }
    ])
}
