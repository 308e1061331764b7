/** OffendES (offendes/training_set.tsv, dev_set.tsv): comments to Spanish influencers, 4 classes. */
import { readDelimited } from "./read.ts"
import { loadBinary } from "./binary.ts"
import type { SourceAdapter } from "./source.ts"

const FILES = ["seed/offendes/training_set.tsv", "seed/offendes/dev_set.tsv"]

export const offendes: SourceAdapter = {
  name: "offendes",
  license: "unknown",
  files: FILES,
  labelRule: "OFP (offensive, person) and OFG (offensive, group) → unsafe C9; NO and NOE (non-offensive, expletive) → safe",
  load: (shared) =>
    loadBinary(shared, {
      files: FILES,
      read: (f) => readDelimited(f, { delimiter: "\t", quote: '"' }),
      textField: "comment",
      labelField: "label",
      hostile: ["OFP", "OFG"],
      benign: ["NO", "NOE"],
      lang: "es"
    })
}
