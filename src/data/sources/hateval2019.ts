/** HatEval 2019, Spanish part (hateval2019/train_es.tsv): tweets, HS 1/0 (hate against women or immigrants). */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILE = "seed/hateval2019/train_es.tsv"

export const hateval2019: SourceAdapter = {
  name: "hateval2019",
  license: "non-commercial",
  files: [FILE],
  labelRule: "HS 1 → unsafe C9; 0 → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: [FILE],
      // Raw TSV: tweets contain bare double quotes, so quoting must be off.
      read: (f) => readDelimited(f, { delimiter: "\t", quote: null }),
      textField: "text",
      labelField: "HS",
      hostile: ["1"],
      benign: ["0"],
      lang: "es"
    })
}
