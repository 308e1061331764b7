/** HateBR (hatebr/HateBR.csv): Instagram comments on Brazilian politicians, label_final 1/0. */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILE = "seed/hatebr/HateBR.csv"

export const hatebr: SourceAdapter = {
  name: "hatebr",
  license: "CC-BY-NC-4.0",
  files: [FILE],
  labelRule: "label_final 1 (offensive) → unsafe C9; 0 → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: [FILE],
      read: (f) => readDelimited(f, { delimiter: ",", quote: '"' }),
      textField: "comentario",
      labelField: "label_final",
      hostile: ["1"],
      benign: ["0"],
      lang: "pt"
    })
}
