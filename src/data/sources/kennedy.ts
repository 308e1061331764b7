/** Kennedy et al. (measuring hate speech) (kennedy/): text,label CSV files. */
import { textLabelCsvSource } from "./binary.ts"

export const kennedy = textLabelCsvSource({
  name: "kennedy",
  license: "CC-BY-4.0",
  lang: "en",
  files: ["seed/kennedy/train_20692.csv", "seed/kennedy/dev_500.csv"],
  hostileMeans: "hate"
})
