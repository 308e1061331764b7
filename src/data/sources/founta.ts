/** Founta et al. 2018 (abusive tweets) (founta/): text,label CSV files. */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILES = ["seed/founta/train_20065.csv", "seed/founta/dev_500.csv"]

export const founta: SourceAdapter = {
  name: "founta",
  license: "research-only",
  files: FILES,
  labelRule: "label 1 (abusive) → unsafe C9; 0 → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: FILES,
      read: (f) => readDelimited(f, { delimiter: ",", quote: '"' }),
      textField: "text",
      labelField: "label",
      hostile: ["1"],
      benign: ["0"],
      lang: "en"
    })
}
