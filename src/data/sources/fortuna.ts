/** Fortuna et al. 2019 (Portuguese hate speech) (fortuna/): text,label CSV files. */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILES = ["seed/fortuna/train_3170.csv", "seed/fortuna/dev_500.csv"]

export const fortuna: SourceAdapter = {
  name: "fortuna",
  license: "unknown",
  files: FILES,
  labelRule: "label 1 (hate) → unsafe C9; 0 → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: FILES,
      read: (f) => readDelimited(f, { delimiter: ",", quote: '"' }),
      textField: "text",
      labelField: "label",
      hostile: ["1"],
      benign: ["0"],
      lang: "pt"
    })
}
