/** Fortuna et al. 2019 (Portuguese hate speech) (fortuna/): text,label CSV files. */
import { textLabelCsvSource } from "./binary.ts"

export const fortuna = textLabelCsvSource({
  name: "fortuna",
  license: "unknown",
  lang: "pt",
  files: ["seed/fortuna/train_3170.csv", "seed/fortuna/dev_500.csv"],
  hostileMeans: "hate"
})
