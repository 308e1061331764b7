/**
 * The offensive / hate / toxicity corpora in 19 more languages (seed/<lang>_<name>/ in the
 * shared datasets; their README gives each folder's files, label rule and license). One
 * declarative spec each: which files, how to read them, which column is the text and how a
 * record's fields decide its label. Unsafe rows are C9, like every hostile-post corpus.
 */
import { Effect, Schema } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import { HOSTILE_CATEGORIES } from "../categorize.ts"
import type { FileError } from "../errors.ts"
import { readDelimited, readJsonRecords, readXlsx, readZippedDelimited, type DelimitedOptions } from "./read.ts"
import { loadFile, mergeOutputs, type Parsed, type SourceAdapter } from "./source.ts"

/** What a record's label fields say: unsafe, safe, outside both classes, or malformed (a reason). */
type Verdict = "unsafe" | "safe" | "excluded" | { readonly malformed: string }

type Fields = Readonly<Record<string, unknown>>

export interface LabelledTableSpec {
  /** Folder name under seed/, also the stored `source`. */
  readonly name: string
  readonly lang: Lang
  readonly license: string
  readonly labelRule: string
  readonly files: ReadonlyArray<string>
  readonly read: (file: string) => Effect.Effect<Parsed, FileError>
  /** The text field(s): a record with several gives one row per non-empty field. */
  readonly text: string | ((r: Fields) => ReadonlyArray<{ readonly text: string; readonly unsafe: boolean }>)
  readonly label?: (r: Fields) => Verdict
  /** Undo a source's own escaping of the text. */
  readonly rewrite?: (text: string) => string
}

const Record_ = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v)).trim()

/** A label field whose (trimmed) value is in one of two lists. */
const oneOf =
  (field: string, unsafe: ReadonlyArray<string>, safe: ReadonlyArray<string>, excluded: ReadonlyArray<string> = []) =>
  (r: Fields): Verdict => {
    const v = str(r[field])
    if (unsafe.includes(v)) return "unsafe"
    if (safe.includes(v)) return "safe"
    if (excluded.includes(v)) return "excluded"
    return { malformed: `${field}: expected one of ${[...unsafe, ...safe, ...excluded].map((x) => JSON.stringify(x)).join(", ")}, got ${JSON.stringify(v.slice(0, 40))}` }
  }

export const labelledTable = (spec: LabelledTableSpec): SourceAdapter => ({
  name: spec.name,
  license: spec.license,
  files: spec.files,
  labelRule: spec.labelRule,
  load: (shared) =>
    Effect.map(
      Effect.forEach(spec.files, (file) =>
        loadFile(shared, file, spec.read, Record_, (r) => {
          if (typeof spec.text === "function") {
            return spec.text(r).map((t) => ({ text: t.text, lang: spec.lang, unsafe: t.unsafe, categories: t.unsafe ? HOSTILE_CATEGORIES : [] }))
          }
          const verdict = spec.label!(r)
          if (typeof verdict === "object") return verdict.malformed
          if (verdict === "excluded") return []
          const text = r[spec.text]
          if (typeof text !== "string") return `${spec.text}: no text`
          const unsafe = verdict === "unsafe"
          return [{ text: spec.rewrite ? spec.rewrite(text) : text, lang: spec.lang, unsafe, categories: unsafe ? HOSTILE_CATEGORIES : [] }]
        })
      ),
      mergeOutputs
    )
})

const csv = (f: string) => readDelimited(f, { delimiter: ",", quote: '"' })
const tsv = (f: string) => readDelimited(f, { delimiter: "\t", quote: '"' })
/** Tab-separated files whose texts hold bare quotes (the README says: read with QUOTE_NONE). */
const tsvRaw = (columns?: ReadonlyArray<string>) => (f: string) =>
  readDelimited(f, { delimiter: "\t", quote: null, ...(columns ? { columns } : {}) } as DelimitedOptions)
const csvNoHeader = (columns: ReadonlyArray<string>) => (f: string) => readDelimited(f, { delimiter: ",", quote: '"', columns })

const offensEval = (name: string, lang: Lang, license: string, file: string) =>
  labelledTable({
    name,
    lang,
    license,
    labelRule: "subtask_a OFF → unsafe C9; NOT → safe",
    files: [file],
    read: tsvRaw(),
    text: "tweet",
    label: oneOf("subtask_a", ["OFF"], ["NOT"])
  })

const readoffense = (name: string, file: string, textField: string) =>
  labelledTable({
    name,
    lang: "ro",
    license: "Apache-2.0",
    labelRule: "label PROFANITY, INSULT, ABUSE → unsafe C9; OTHER → safe",
    files: [file],
    read: csv,
    text: textField,
    label: oneOf("label", ["PROFANITY", "INSULT", "ABUSE"], ["OTHER"])
  })

/** "a,b" label lists of CONSTRAINT-2021 Hindi: hostility = hate or offensive. */
const hindiHostility = (r: Fields): Verdict => {
  const labels = str(r.labels).split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "")
  if (labels.length === 0) return { malformed: "labels: empty" }
  if (labels.includes("hate") || labels.includes("offensive")) return "unsafe"
  if (labels.length === 1 && labels[0] === "non-hostile") return "safe"
  return "excluded" // fake and/or defamation only: not a class of ours
}

/** Japanese votes: a strict majority of Toxic + Very Toxic, or of Not Toxic; else excluded. */
const japaneseVotes = (r: Fields): Verdict => {
  const n = (k: string) => Number(str(r[k]))
  const toxic = n("Toxic") + n("Very Toxic")
  const total = n("Not Toxic") + n("Hard to Say") + toxic
  if (![toxic, total, n("Not Toxic")].every(Number.isFinite)) return { malformed: "vote counts are not numbers" }
  if (2 * toxic > total) return "unsafe"
  if (2 * n("Not Toxic") > total) return "safe"
  return "excluded"
}

const UNSMILE_CATEGORIES = ["여성/가족", "남성", "성소수자", "인종/국적", "연령", "지역", "종교", "기타 혐오", "악플/욕설"]
const unsmile = (r: Fields): Verdict => {
  const any = UNSMILE_CATEGORIES.some((c) => str(r[c]) === "1")
  const clean = str(r.clean) === "1"
  if (any && !clean) return "unsafe"
  if (clean && !any) return "safe"
  return "excluded"
}

/** Korean curse data: one `text|label` a line (split on the last bar). */
const koreanCurse = (f: string) =>
  Effect.map(readDelimited(f, { delimiter: "\t", quote: null, columns: ["line"] }), (parsed): Parsed => ({
    malformed: parsed.malformed,
    records: parsed.records.map((rec) => {
      const line = str((rec.value as Fields).line)
      const bar = line.lastIndexOf("|")
      return { line: rec.line, value: bar < 0 ? { text: line, label: "" } : { text: line.slice(0, bar), label: line.slice(bar + 1) } }
    })
  }))

export const MULTILINGUAL_SOURCES: ReadonlyArray<SourceAdapter> = [
  labelledTable({
    name: "ar_lhsab", lang: "ar", license: "unknown",
    labelRule: "Class abusive, hate → unsafe C9; normal → safe",
    files: ["seed/ar_lhsab/Dataset/L-HSAB"], read: tsv, text: "Tweet",
    label: oneOf("Class", ["abusive", "hate"], ["normal"])
  }),
  labelledTable({
    name: "ar_mpold", lang: "ar", license: "Apache-2.0",
    labelRule: "Majority_Label Offensive → unsafe C9; Non-Offensive → safe",
    files: ["seed/ar_mpold/data/Arabic_offensive_comment_detection_annotation_4000_selected.xlsx"], read: readXlsx, text: "Comment",
    label: oneOf("Majority_Label", ["Offensive"], ["Non-Offensive"])
  }),
  labelledTable({
    name: "ar_osact2020", lang: "ar", license: "unknown",
    labelRule: "column 2 OFF → unsafe C9; NOT_OFF → safe",
    files: ["seed/ar_osact2020/OSACT4/OSACT2020-sharedTask-train.txt", "seed/ar_osact2020/OSACT4/OSACT2020-sharedTask-dev.txt"],
    read: tsvRaw(["text", "off", "hs"]), text: "text",
    // The organisers wrote newlines as <LF>.
    rewrite: (t) => t.replaceAll("<LF>", "\n"),
    label: oneOf("off", ["OFF"], ["NOT_OFF"])
  }),
  labelledTable({
    name: "ar_osact2022", lang: "ar", license: "unknown",
    labelRule: "Offensive OFF → unsafe C9; NOT_OFF → safe",
    files: ["seed/ar_osact2022/data/train_data2022.csv", "seed/ar_osact2022/data/dev_data2022.csv"], read: csv, text: "Tweet",
    label: oneOf("Offensive", ["OFF"], ["NOT_OFF"])
  }),
  labelledTable({
    name: "bn_blp25_banglamultihate", lang: "bn", license: "CC-BY-NC-SA-4.0",
    labelRule: "hate_type other than None → unsafe C9; None → safe",
    files: ["seed/bn_blp25_banglamultihate/data/subtask_1C/blp25_hatespeech_subtask_1C_dev.tsv"], read: tsvRaw(), text: "text",
    label: (r) => (str(r.hate_type) === "" ? { malformed: "hate_type: empty" } : str(r.hate_type) === "None" ? "safe" : "unsafe")
  }),
  offensEval("da_dkhate", "da", "CC-BY-4.0", "seed/da_dkhate/oe20da_data/offenseval-da-training-v1.tsv"),
  offensEval("el_offenseval2020_ogtd", "el", "unknown", "seed/el_offenseval2020_ogtd/offenseval-greek-training-v1.tsv"),
  labelledTable({
    name: "fa_parsoffensive", lang: "fa", license: "unknown",
    labelRule: "label Offensive → unsafe C9; Neutral → safe",
    files: ["seed/fa_parsoffensive/ParsOffensive.xlsx"], read: readXlsx, text: "comment",
    label: oneOf("label", ["Offensive"], ["Neutral"])
  }),
  labelledTable({
    name: "he_olah5000", lang: "he", license: "unknown",
    labelRule: "label 1 (offensive) → unsafe C9; 0 → safe",
    files: ["seed/he_olah5000/Datasets/Hebrew/train & test/train_Heb.xlsx"], read: readXlsx, text: "text",
    label: oneOf("label", ["1"], ["0"])
  }),
  labelledTable({
    name: "hi_constraint2021_hostility", lang: "hi", license: "unknown",
    labelRule: "labels containing hate or offensive → unsafe C9; exactly non-hostile → safe; fake / defamation only → excluded",
    files: ["seed/hi_constraint2021_hostility/Copy of constraint_Hindi_Train - Sheet1.csv", "seed/hi_constraint2021_hostility/Copy of Constraint_Hindi_Valid - Sheet1.csv"],
    read: csvNoHeader(["text", "labels"]), text: "text", label: hindiHostility
  }),
  labelledTable({
    name: "id_ibrohim_hs_abusive", lang: "id", license: "CC-BY-NC-SA-4.0",
    labelRule: "HS = 1 or Abusive = 1 → unsafe C9; else safe",
    files: ["seed/id_ibrohim_hs_abusive/re_dataset.csv"], read: csv, text: "Tweet",
    label: (r) => (str(r.HS) === "1" || str(r.Abusive) === "1" ? "unsafe" : ["0", "1"].includes(str(r.HS)) ? "safe" : { malformed: "HS: expected 0 or 1" })
  }),
  labelledTable({
    name: "it_pejorativity", lang: "it", license: "CC-BY-4.0",
    labelRule: "misogyny 1 → unsafe C9; 0 → safe (each tweet holds one ambiguous epithet)",
    files: ["seed/it_pejorativity/datasets/pejorative/pejorativity.csv"], read: csv, text: "text",
    label: oneOf("misogyny", ["1"], ["0"])
  }),
  labelledTable({
    name: "ja_inspection_toxic", lang: "ja", license: "Apache-2.0",
    labelRule: "a strict majority of Toxic + Very Toxic votes → unsafe C9; of Not Toxic → safe; else excluded",
    files: ["seed/ja_inspection_toxic/data/subset.csv"], read: csv, text: "text", label: japaneseVotes
  }),
  labelledTable({
    name: "ko_curse_detection", lang: "ko", license: "MIT",
    labelRule: "`text|label` lines: 1 → unsafe C9; 0 → safe",
    files: ["seed/ko_curse_detection/dataset.txt"], read: koreanCurse, text: "text",
    label: oneOf("label", ["1"], ["0"])
  }),
  labelledTable({
    name: "ko_kmhas", lang: "ko", license: "unknown",
    labelRule: "label 8 (not hate speech) → safe; any of 0–7 → unsafe C9",
    files: ["seed/ko_kmhas/data/kmhas_valid.txt"], read: tsvRaw(), text: "document",
    label: (r) => {
      const labels = str(r.label).split(",").map((s) => s.trim())
      if (labels.length === 0 || labels.some((l) => !/^[0-8]$/.test(l))) return { malformed: `label: expected 0–8, got ${JSON.stringify(str(r.label))}` }
      return labels.every((l) => l === "8") ? "safe" : "unsafe"
    }
  }),
  labelledTable({
    name: "ko_kocohub_hate", lang: "ko", license: "CC-BY-SA-4.0",
    labelRule: "hate hate, offensive → unsafe C9; none → safe",
    files: ["seed/ko_kocohub_hate/labeled/train.tsv", "seed/ko_kocohub_hate/labeled/dev.tsv"], read: tsvRaw(), text: "comments",
    label: oneOf("hate", ["hate", "offensive"], ["none"])
  }),
  labelledTable({
    name: "ko_unsmile", lang: "ko", license: "CC-BY-NC-ND-4.0",
    labelRule: "any of the 9 hate/abuse columns = 1 and clean = 0 → unsafe C9; clean = 1 and none → safe; else excluded",
    files: ["seed/ko_unsmile/unsmile_train_v1.0.tsv", "seed/ko_unsmile/unsmile_valid_v1.0.tsv"], read: tsvRaw(), text: "문장", label: unsmile
  }),
  labelledTable({
    // CC-BY-4.0, but the authors ask for research use with human oversight (their README): so
    // it counts as research-only here, and the commercial-use filter drops it.
    name: "pl_ban_pl", lang: "pl", license: "research-only",
    labelRule: "Class 1 (removed by the site's moderators) → unsafe C9; 0 (still online 48 h later) → safe",
    files: ["seed/pl_ban_pl/data/BAN-PL_2.zip"],
    read: (f) => readZippedDelimited(f, "BAN-PL.csv", "BAN-PL_2", { delimiter: ",", quote: '"' }),
    text: "Text", label: oneOf("Class", ["1"], ["0"])
  }),
  readoffense("ro_fb_ro_offense", "seed/ro_fb_ro_offense/train.csv", "text"),
  labelledTable({
    name: "ro_news_ro_offense", lang: "ro", license: "Apache-2.0",
    labelRule: "LABEL 1–4 → unsafe C9; 0 → safe",
    files: ["seed/ro_news_ro_offense/comments.csv"], read: csv, text: "comment_text",
    label: oneOf("LABEL", ["1", "2", "3", "4"], ["0"])
  }),
  readoffense("ro_ro_offense", "seed/ro_ro_offense/train.csv", "text"),
  labelledTable({
    name: "ru_distorted_toxicity", lang: "ru", license: "MIT",
    labelRule: "toxicity 1 → unsafe C9; 0 → safe (rows without text dropped)",
    files: ["seed/ru_distorted_toxicity/toxicity_corpus/russian_distorted_toxicity.tsv"], read: tsv, text: "comments",
    label: oneOf("toxicity", ["1"], ["0"])
  }),
  labelledTable({
    name: "ru_russe_detox", lang: "ru", license: "unknown",
    labelRule: "toxic_comment → unsafe C9; each non-empty neutral_comment1–3 (crowd-written detoxified paraphrase) → safe",
    files: ["seed/ru_russe_detox/data/input/train.tsv", "seed/ru_russe_detox/data/input/dev.tsv"], read: tsv,
    text: (r) => [
      { text: str(r.toxic_comment), unsafe: true },
      ...["neutral_comment1", "neutral_comment2", "neutral_comment3"].map((k) => ({ text: str(r[k]), unsafe: false }))
    ].filter((t) => t.text !== "")
  }),
  labelledTable({
    name: "ta_dravidian_offenseval2021", lang: "ta", license: "CC-BY-4.0",
    labelRule: "Offensive_* → unsafe C9; Not_offensive → safe; not-Tamil → excluded (mostly code-mixed Tamil-English)",
    files: ["seed/ta_dravidian_offenseval2021/Datasets/tamil_offensive_full_dev.csv"], read: tsvRaw(["text", "label", "extra"]), text: "text",
    label: (r) => {
      const v = str(r.label)
      if (v.startsWith("Offensive_")) return "unsafe"
      if (v === "Not_offensive") return "safe"
      if (v === "not-Tamil") return "excluded"
      return { malformed: `label: expected Offensive_*, Not_offensive or not-Tamil, got ${JSON.stringify(v.slice(0, 40))}` }
    }
  }),
  offensEval("tr_offenseval2020", "tr", "CC-BY-2.0", "seed/tr_offenseval2020/offenseval-tr-training-v1.tsv"),
  labelledTable({
    name: "ur_roman_ruhsold", lang: "ur", license: "MIT",
    labelRule: "task 1, INVERTED: label 0 (abusive/offensive) → unsafe C9; 1 (normal) → safe (Roman Urdu)",
    files: ["seed/ur_roman_ruhsold/task_1_train.tsv", "seed/ur_roman_ruhsold/task_1_validation.tsv"], read: tsvRaw(["text", "label"]), text: "text",
    label: oneOf("label", ["0"], ["1"])
  }),
  labelledTable({
    name: "vi_vihsd", lang: "vi", license: "research-only",
    labelRule: "label_id 1 (offensive), 2 (hate) → unsafe C9; 0 (clean) → safe",
    files: ["seed/vi_vihsd/train.csv", "seed/vi_vihsd/dev.csv"], read: csv, text: "free_text",
    label: oneOf("label_id", ["1", "2"], ["0"])
  }),
  labelledTable({
    name: "vi_vihos", lang: "vi", license: "MIT",
    labelRule: "index_spans non-empty → unsafe C9; [] → safe (shares ~9,000 texts with vi_vihsd: deduplicated)",
    files: ["seed/vi_vihos/data/Span_Extraction_based_version/train.csv", "seed/vi_vihos/data/Span_Extraction_based_version/dev.csv"], read: csv, text: "content",
    label: (r) => (str(r.index_spans) === "[]" ? "safe" : str(r.index_spans).startsWith("[") ? "unsafe" : { malformed: "index_spans: expected a list" })
  }),
  labelledTable({
    name: "zh_cold", lang: "zh", license: "Apache-2.0",
    labelRule: "label 1 (offensive) → unsafe C9; 0 → safe",
    files: ["seed/zh_cold/COLDataset/train.csv", "seed/zh_cold/COLDataset/dev.csv"], read: csv, text: "TEXT",
    label: oneOf("label", ["1"], ["0"])
  }),
  labelledTable({
    name: "zh_toxicn", lang: "zh", license: "CC-BY-NC-ND-4.0",
    labelRule: "toxic 1 → unsafe C9; 0 → safe",
    files: ["seed/zh_toxicn/ToxiCN_ex/ToxiCN/data/train.json"], read: readJsonRecords, text: "content",
    label: oneOf("toxic", ["1"], ["0"])
  })
]
