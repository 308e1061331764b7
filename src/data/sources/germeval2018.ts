/** GermEval 2018 (germeval2018/germeval2018.training.txt): header-less TSV text, coarse, fine label. */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILE = "seed/germeval2018/germeval2018.training.txt"

export const germeval2018: SourceAdapter = {
  name: "germeval2018",
  license: "CC-BY-4.0",
  files: [FILE],
  labelRule: "coarse OFFENSE (fine ABUSE, INSULT, PROFANITY) → unsafe C9; OTHER → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: [FILE],
      // Raw TSV: tweets contain bare double quotes, so quoting must be off.
      read: (f) => readDelimited(f, { delimiter: "\t", quote: null, columns: ["text", "coarse", "fine"] }),
      textField: "text",
      labelField: "coarse",
      hostile: ["OFFENSE"],
      benign: ["OTHER"],
      lang: "de"
    })
}
