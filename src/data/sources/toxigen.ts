/** ToxiGen seed sentences (toxigen/toxigen_seed_sentences.jsonl): hate / neutral statements about target groups. */
import { readJsonRecords } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILE = "seed/toxigen/toxigen_seed_sentences.jsonl"

export const toxigen: SourceAdapter = {
  name: "toxigen",
  license: "MIT",
  files: [FILE],
  labelRule: "label hate → unsafe C9; neutral → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: [FILE],
      read: readJsonRecords,
      textField: "text",
      labelField: "label",
      hostile: ["hate"],
      benign: ["neutral"],
      lang: "en"
    })
}
