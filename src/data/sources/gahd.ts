/** GAHD, German adversarial hate speech (gahd/gahd_train_dev.csv; its test split was removed upstream). */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILE = "seed/gahd/gahd_train_dev.csv"

export const gahd: SourceAdapter = {
  name: "gahd",
  license: "CC-BY-4.0",
  files: [FILE],
  labelRule: "label 1 (hate) → unsafe C9; 0 → safe (train and dev rows both used)",
  load: (shared) =>
    loadBinary(shared, {
      files: [FILE],
      read: (f) => readDelimited(f, { delimiter: ",", quote: '"' }),
      textField: "text",
      labelField: "label",
      hostile: ["1"],
      benign: ["0"],
      lang: "de"
    })
}
