/** GermEval 2021 (germeval2021/, train and test files): Facebook comments, Sub1_Toxic 1/0. */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILES = ["seed/germeval2021/GermEval21_TrainData.csv", "seed/germeval2021/GermEval21_TestData.csv"]

export const germeval2021: SourceAdapter = {
  name: "germeval2021",
  license: "unknown",
  files: FILES,
  labelRule: "Sub1_Toxic 1 → unsafe C9; 0 → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: FILES,
      read: (f) => readDelimited(f, { delimiter: ",", quote: '"' }),
      textField: "comment_text",
      labelField: "Sub1_Toxic",
      hostile: ["1"],
      benign: ["0"],
      lang: "de"
    })
}
