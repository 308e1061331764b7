/**
 * Jailbreak prompts (jailbreak/): templates from jailbreakchat and the Self-Reminder
 * collections → unsafe C12 only; the benign "act as" role prompts (awesome-chatgpt-prompts)
 * → safe, so the guard learns that role-play alone is not a jailbreak.
 * Licenses: the datasets README gives "MIT / ? / itw part nc" for the folder without naming
 * files; we mark the in-the-wild files (itw, and the train file drawn from it, named P<n>)
 * non-commercial and the rest "unknown" — the most conservative reading.
 */
import { Schema } from "effect"
import { JAILBREAK_CATEGORIES } from "../categorize.ts"
import { readDelimited } from "./read.ts"
import { loadFile, type SourceAdapter } from "./source.ts"

const Row = Schema.Struct({ prompt: Schema.String })
const csv = (f: string) => readDelimited(f, { delimiter: ",", quote: '"' })

const templates = (name: string, file: string, license: string): SourceAdapter => ({
  name,
  license,
  files: [file],
  labelRule: "every prompt is a jailbreak template → unsafe C12 only",
  load: (shared) =>
    loadFile(shared, file, csv, Row, (r) => [{ text: r.prompt, lang: "en", unsafe: true, categories: JAILBREAK_CATEGORIES }])
})

export const jailbreakchat = templates("jailbreakchat", "seed/jailbreak/jailbreakchat_prompts.csv", "unknown")
export const selfreminder = templates("selfreminder", "seed/jailbreak/selfreminder_jailbreak_prompts.csv", "unknown")
export const selfreminderItw = templates("selfreminder-itw", "seed/jailbreak/selfreminder_jailbreak_prompts_itw.csv", "non-commercial")
export const selfreminderTrain = templates(
  "selfreminder-train",
  "seed/jailbreak/selfreminder_jailbreak_prompts_train.csv",
  "non-commercial"
)

const ROLEPLAY = "seed/jailbreak/awesome_roleplay_prompts_benign.csv"
export const roleplayBenign: SourceAdapter = {
  name: "roleplay-benign",
  license: "unknown",
  files: [ROLEPLAY],
  labelRule: 'benign "I want you to act as ..." role prompts → safe',
  load: (shared) =>
    loadFile(shared, ROLEPLAY, csv, Row, (r) => [{ text: r.prompt, lang: "en", unsafe: false, categories: [] }])
}
