/** OLID / OffensEval 2019 (olid/olid-training-v1.0.tsv): tweets, subtask_a OFF / NOT. Users and URLs are already masked (@USER, URL). */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILE = "seed/olid/olid-training-v1.0.tsv"

export const olid: SourceAdapter = {
  name: "olid",
  license: "research-only",
  files: [FILE],
  labelRule: "subtask_a OFF → unsafe C9; NOT → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: [FILE],
      // The file CSV-quotes texts that contain quotes ("...""..."), so quoting stays on.
      read: (f) => readDelimited(f, { delimiter: "\t", quote: '"' }),
      textField: "tweet",
      labelField: "subtask_a",
      hostile: ["OFF"],
      benign: ["NOT"],
      lang: "en"
    })
}
