/** ToLD-Br (told-br/ToLD-BR.csv): Portuguese tweets with annotator vote counts for six toxicity types. */
import { Schema } from "effect"
import { HOSTILE_CATEGORIES } from "../categorize.ts"
import { readDelimited } from "./read.ts"
import { loadFile, type SourceAdapter } from "./source.ts"

const FILE = "seed/told-br/ToLD-BR.csv"
const VOTE_COLUMNS = ["homophobia", "obscene", "insult", "racism", "misogyny", "xenophobia"] as const
const Votes = Schema.compose(Schema.NumberFromString, Schema.NonNegative)
const Row = Schema.Struct({
  text: Schema.String,
  homophobia: Votes,
  obscene: Votes,
  insult: Votes,
  racism: Votes,
  misogyny: Votes,
  xenophobia: Votes
})

export const toldBr: SourceAdapter = {
  name: "told-br",
  license: "CC-BY-SA-4.0",
  files: [FILE],
  labelRule: "any of the six vote counts > 0 → unsafe C9 (the ToLD-Br binary rule); all zero → safe",
  load: (shared) =>
    loadFile(shared, FILE, (f) => readDelimited(f, { delimiter: ",", quote: '"' }), Row, (r) => {
      const unsafe = VOTE_COLUMNS.some((c) => r[c] > 0)
      return [{ text: r.text, lang: "pt", unsafe, categories: unsafe ? HOSTILE_CATEGORIES : [] }]
    })
}
