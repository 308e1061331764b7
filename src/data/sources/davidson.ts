/** Davidson et al. 2017 (davidson/labeled_data.csv): tweets, class 0 hate, 1 offensive, 2 neither. */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILE = "seed/davidson/labeled_data.csv"

export const davidson: SourceAdapter = {
  name: "davidson",
  license: "MIT",
  files: [FILE],
  labelRule: "class 0 (hate) and 1 (offensive) → unsafe C9; 2 (neither) → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: [FILE],
      read: (f) => readDelimited(f, { delimiter: ",", quote: '"' }),
      textField: "tweet",
      labelField: "class",
      hostile: ["0", "1"],
      benign: ["2"],
      lang: "en"
    })
}
