/** Kennedy et al. (measuring hate speech) (kennedy/): text,label CSV files. */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILES = ["seed/kennedy/train_20692.csv", "seed/kennedy/dev_500.csv"]

export const kennedy: SourceAdapter = {
  name: "kennedy",
  license: "CC-BY-4.0",
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
      lang: "en"
    })
}
