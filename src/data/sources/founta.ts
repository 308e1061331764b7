/** Founta et al. 2018 (abusive tweets) (founta/): text,label CSV files. */
import { textLabelCsvSource } from "./binary.ts"

export const founta = textLabelCsvSource({
  name: "founta",
  license: "research-only",
  lang: "en",
  files: ["seed/founta/train_20065.csv", "seed/founta/dev_500.csv"],
  hostileMeans: "abusive"
})
