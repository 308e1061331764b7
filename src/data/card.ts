/**
 * The dataset card (datasets/README.md), rendered from the ingest statistics. Everything in
 * it is a function of the inputs and the code: no dates, no timings, no machine paths, so
 * two runs give the same bytes.
 */
import { BENCHMARK_LANGUAGES, BENCHMARKS, CATEGORY_IDS, CATEGORY_NAMES, type Example } from "../../schemas/index.ts"
import { HARMFUL_CATEGORY_MAP, KEYWORD_RULES } from "./categorize.ts"
import type { IngestStats } from "./ingest.ts"
import { allowsCommercialUse, describeLicenseUse } from "./license.ts"
import * as md from "../report/markdown.ts"
import { EXPECTED_BENCHMARK_COUNTS } from "./sources/benchmarks.ts"

/** A Markdown table; columns whose cells are all numbers ("1,234", "5 (0.5 %)") are right-aligned. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string => {
  const cells = rows.map((r) => r.map(String))
  const numeric = header.map((_, i) => cells.length > 0 && cells.every((r) => /^[\d,.]+( \([\d,.]+( %)?\))?$/.test(r[i])))
  return md.table(header, cells, { align: numeric.map((n) => (n ? "right" : "left")), tight: true })
}

const fmt = (n: number) => n.toLocaleString("en-US")

/** Safe / unsafe / validation counts of a group of rows, and its unsafe rows' categories. */
interface Tally {
  safe: number
  unsafe: number
  validation: number
  readonly categories: Map<string, number>
}
const tally = (): Tally => ({ safe: 0, unsafe: 0, validation: 0, categories: new Map() })
const add = (t: Tally, e: Example) => {
  if (e.unsafe) t.unsafe++
  else t.safe++
  if (e.split === "validation") t.validation++
  for (const c of e.categories) t.categories.set(c, (t.categories.get(c) ?? 0) + 1)
}

/** Every count the card prints, in one pass over the rows (the seed has ~10⁶ of them). */
const countRows = (ex: ReadonlyArray<Example>) => {
  const byLang = new Map<string, Tally>()
  const byLangCommercial = new Map<string, Tally>()
  const bySourceLang = new Map<string, Map<string, Tally>>()
  for (const e of ex) {
    const get = <K>(m: Map<K, Tally>, k: K) => m.get(k) ?? m.set(k, tally()).get(k)!
    add(get(byLang, e.lang), e)
    if (allowsCommercialUse(e.license)) add(get(byLangCommercial, e.lang), e)
    add(get(bySourceLang.get(e.source) ?? bySourceLang.set(e.source, new Map()).get(e.source)!, e.lang), e)
  }
  // Most rows first, then by code.
  const langs = [...byLang.keys()].sort((a, b) => byLang.get(b)!.safe + byLang.get(b)!.unsafe - (byLang.get(a)!.safe + byLang.get(a)!.unsafe) || (a < b ? -1 : 1))
  return { byLang, byLangCommercial, bySourceLang, langs }
}
type Counts = ReturnType<typeof countRows>

/** What the tables are and how to regenerate them. */
const intro = (): Array<string> => [
  "# Seed and benchmark tables (generated)",
  "",
  "This file is written by the ingest pipeline; do not edit it by hand. Regenerate everything with",
  "",
  "```sh",
  "npx tsx pipelines/ingest.ts            # reads ../shared/datasets, writes datasets/",
  "npx tsx pipelines/ingest.ts --shared DIR --out DIR",
  "```",
  "",
  "Running it twice on the same input gives byte-identical files.",
  "",
  "- `seed.parquet` — training rows (columns `id, text, lang, unsafe, categories, source, license, split, origin, parent_id, iteration`;",
  "  `origin = seed`, `parent_id = null`, `iteration = 0`). Sorted by source, then id.",
  "- `benchmarks.parquet` — the paper's six benchmarks × en/fr/de/es (columns `benchmark, lang, text, unsafe, categories`),",
  "  in file order. **Evaluation only**: never train, tune, select or choose anything on it.",
  ""
]

/** Rows per language, and what a commercial-use build keeps. */
const totals = (s: IngestStats, counts: Counts): Array<string> => {
  const ex = s.examples
  const langsPresent = counts.langs
  const both = langsPresent.filter((l) => counts.byLang.get(l)!.safe >= 50 && counts.byLang.get(l)!.unsafe >= 50)
  const unsafeN = ex.filter((e) => e.unsafe).length
  const valN = ex.filter((e) => e.split === "validation").length
  return [
    "## Totals",
    "",
    `${fmt(ex.length)} seed rows (${fmt(unsafeN)} unsafe, ${fmt(ex.length - unsafeN)} safe) in ${langsPresent.length} languages; ` +
      `${fmt(valN)} in the validation split, ${fmt(ex.length - valN)} in train.`,
    "",
    "The last two columns are what is left with `--set commercialOnly=true`, which leaves out every source whose",
    "license forbids commercial use or states none (see Sources).",
    "",
    table(
      ["lang", "safe", "unsafe", "total", "validation", "commercial-use safe", "commercial-use unsafe"],
      langsPresent.map((l) => {
        const t = counts.byLang.get(l)!
        const c = counts.byLangCommercial.get(l) ?? tally()
        return [l, fmt(t.safe), fmt(t.unsafe), fmt(t.safe + t.unsafe), fmt(t.validation), fmt(c.safe), fmt(c.unsafe)]
      })
    ),
    "",
    `${both.length} languages have at least 50 safe and 50 unsafe rows: ${both.join(", ")}.`,
    ""
  ]
}

/** Imbalances a trainer must know about (computed, so they stay true). */
const imbalances = (counts: Counts): Array<string> => {
  const warnings: Array<string> = []
  for (const l of counts.langs) {
    const t = counts.byLang.get(l)!
    if (t.unsafe === 0 || t.safe === 0) {
      warnings.push(`\`${l}\` has ${t.unsafe === 0 ? "safe" : "unsafe"} rows only: a model can learn "${l} means ${t.unsafe === 0 ? "safe" : "unsafe"}".`)
    }
    const cats = [...t.categories.keys()]
    if (t.unsafe > 0 && cats.length === 1) warnings.push(`\`${l}\`: every unsafe row is ${cats[0]} (${CATEGORY_NAMES[cats[0] as keyof typeof CATEGORY_NAMES]}); no other category.`)
  }
  return warnings.length === 0 ? [] : ["Imbalances to handle when training (weight or generate):", "", ...warnings.map((w) => `- ${w}`), ""]
}

/** Every source: its rows through each step, license, files and label rule. */
const sources = (s: IngestStats): Array<string> => [
  "## Sources",
  "",
  "Every row keeps its source's short name and license, so a user can filter by license.",
  "Columns: raw rows read, malformed (skipped), empty after normalization, dropped by the language check,",
  "dropped as benchmark contamination (exact / near), removed as duplicates of an earlier row, and rows kept.",
  "",
  table(
    ["source", "license", "use", "raw", "malformed", "empty", "lang-ID", "contam. exact", "contam. near", "duplicates", "kept"],
    s.sources.map((src) => [
      src.name,
      src.license,
      describeLicenseUse(src.license),
      fmt(src.seen),
      fmt(src.malformed.length),
      fmt(src.empty),
      fmt(Object.values(src.langDropped).reduce((a, b) => a + b, 0)),
      fmt(src.contaminatedExact),
      fmt(src.contaminatedNear),
      fmt(src.duplicates),
      fmt(src.kept)
    ])
  ),
  "",
  "Licenses: `MIT`, `CC-BY-4.0`, `CC-BY-SA-4.0` allow commercial use with attribution (SA: share-alike).",
  "`CC-BY-NC-4.0`, `CC-BY-NC-SA-3.0` and `non-commercial` (the README says \"nc\" without naming the license)",
  "forbid commercial use; `research-only` and `unknown` (no license stated) are for research use only.",
  "",
  "Files and label rules:",
  "",
  ...s.sources.map((src) => `- **${src.name}** (${src.files.map((f) => `\`${f}\``).join(", ")}): ${src.labelRule}.`),
  ""
]

/** Sources left out of this build, and why. */
const skipped = (s: IngestStats): Array<string> =>
  s.skipped.length === 0
    ? []
    : [
      "Sources not in this build (a missing source is named and left out; see the README for where each comes from):",
      "",
      ...s.skipped.map((k) => `- **${k.name}** (${k.license}): ${k.reason}`),
      ""
      ]

const bySourceAndLanguage = (s: IngestStats, counts: Counts): Array<string> => {
  const sxl: Array<Array<string>> = []
  for (const src of s.sources) {
    const byLang = counts.bySourceLang.get(src.name)
    if (!byLang) continue
    for (const [l, t] of [...byLang].sort((a, b) => (a[0] < b[0] ? -1 : 1))) sxl.push([src.name, l, fmt(t.safe), fmt(t.unsafe)])
  }
  return ["## Rows by source, language and label", "", table(["source", "lang", "safe", "unsafe"], sxl), ""]
}

/** Unsafe rows per language and category. */
const byCategory = (counts: Counts): Array<string> => [
  "## Unsafe rows by language and category",
  "",
  "A row can have several categories, so a row may count in more than one column.",
  "",
  table(
    ["lang", ...CATEGORY_IDS],
    counts.langs.map((l) => [l, ...CATEGORY_IDS.map((c) => fmt(counts.byLang.get(l)!.categories.get(c) ?? 0))])
  ),
  "",
  CATEGORY_IDS.map((c) => `${c} ${CATEGORY_NAMES[c]}`).join(" · "),
  ""
]

/** How source labels become the 12 categories. */
const categoryMapping = (): Array<string> => [
  "## Category mapping (src/data/categorize.ts)",
  "",
  "- **Hate, abusive, offensive, insulting and toxic posts → C9**, whatever the source's word for it (Davidson hate and",
  "  offensive, OLID OFF, GermEval OFFENSE incl. PROFANITY, OffendES OFP/OFG, ToLD-Br any vote, MLMA hostile, ...).",
  "  Why one rule: the taxonomy has no separate toxicity/profanity label, the usual mapping of OpenAI's moderation",
  "  categories puts hate and harassment (H, H2, HR) into C9, and RTP-LX counts toxic text as unsafe. Rows their",
  "  source calls non-offensive stay safe, including OffendES NOE (expletive but not offensive). Caveat: this makes",
  "  plain profanity unsafe (Davidson class 1 alone is ~19k rows); weight sources when training.",
  "- **Jailbreak templates → C12 only.** Benign \"act as\" role prompts → safe.",
  "- Every unsafe row has ≥ 1 category and every safe row none (checked by the `Example` schema on write).",
  "",
  "### Harmful requests with a source category",
  "",
  "HarmBench SemanticCategory (also in harmful_{val,test}.json), JailbreakBench and StrongREJECT categories, lower-cased.",
  "Misinformation and deception count as C2 (fraud/deception is the nearest non-violent crime; there is no",
  "misinformation label).",
  "",
  table(
    ["source category", "categories"],
    Object.entries(HARMFUL_CATEGORY_MAP).map(([k, m]) => [
      k,
      m.kind === "fixed"
        ? m.categories.join(", ")
        : `${m.base.length > 0 ? `${m.base.join(", ")} + ` : ""}keyword rule (fallback ${m.fallback})`
    ])
  ),
  "",
  "### Keyword rule",
  "",
  "For harmful requests without a category (AdvBench, MaliciousInstruct, harmful_train.json) and the broad ones above:",
  "every matching rule adds its category (multi-label); when none matches, the fallback category applies (C2 unless",
  "the table above says otherwise).",
  "",
  table(
    ["category", "matches"],
    KEYWORD_RULES.map((r) => [r.category, r.describes])
  ),
  "",
  "Firearms are C2 (weapons crimes), not C8: C8 is indiscriminate weapons (CBRNE), as in the Llama Guard taxonomy",
  "the paper's categories follow. C4 needs a child term and a sexual term together (\"teach children to use",
  "firearms\" is not C4).",
  ""
]

const normalization = (): Array<string> => [
  "## Normalization (src/data/normalize.ts)",
  "",
  "- Stored text: Unicode NFC; HTML entities left by the scrapes (`&amp;`, `&#8220;`) decoded; control and zero-width",
  "  characters removed; tabs and exotic spaces → space; runs of spaces collapsed; lines trimmed; ≥ 3 newlines → 2.",
  "  Rows empty after this are dropped (column \"empty\").",
  "- Twitter artefacts are kept as the sources give them: `@USER` / `@user` (OLID and the Kennedy/Founta/Fortuna",
  "  files mask users), real `@handles` (Davidson, HatEval), `RT`, `URL` or real links, hashtags and emoji. Nothing is",
  "  invented or replaced.",
  "- Match key (dedup and contamination): NFKC, lower case with ß→ss and final σ, apostrophes removed, all other",
  "  punctuation → space, whitespace collapsed.",
  ""
]

/** The rule for malformed rows, and those this run skipped (up to ten per source). */
const malformed = (s: IngestStats): Array<string> => {
  const out = [
    "## Malformed rows",
    "",
    `Rule: a raw row that cannot be parsed (broken quoting, wrong number of fields, invalid JSON line) or whose label is`,
    `not one of the source's values is reported with file, line and reason and skipped. A source fails the whole run if`,
    `more than ${(100 * s.config.maxMalformedFraction).toFixed(0)} % of its raw rows are malformed; a missing or unreadable file always fails it.`,
    ""
  ]
  const bad = s.sources.filter((src) => src.malformed.length > 0)
  if (bad.length === 0) out.push("No malformed rows in this run.", "")
  for (const src of bad) {
    out.push(`- **${src.name}**: ${src.malformed.length} malformed`)
    for (const m of src.malformed.slice(0, 10)) out.push(`  - \`${m.file}\` line ${m.line}: ${m.reason}`)
    if (src.malformed.length > 10) out.push(`  - ... and ${src.malformed.length - 10} more`)
  }
  if (bad.length > 0) out.push("")
  return out
}

/** The language-ID detector and what it dropped. */
const languageId = (s: IngestStats): Array<string> => [
  "## Language identification (src/data/langid.ts)",
  "",
  "Detectors compared, both restricted to en fr de es it pt nl ar, top-1 accuracy (recomputed by every run):",
  "",
  table(
    ["set", "n", "eld (large)", "tinyld"],
    s.langid.map((a) => [a.set, a.n, `${a.eld} (${((100 * a.eld) / Math.max(1, a.n)).toFixed(1)} %)`, `${a.tinyld} (${((100 * a.tinyld) / Math.max(1, a.n)).toFixed(1)} %)`])
  ),
  "",
  "Chosen: **eld** — as good on short chat messages, fewer wrong calls on known-language text, and about three times",
  "faster than tinyld in our measurement (speed is measured outside the card, which holds no timings).",
  "",
  `Rule: each row keeps its source's language. A row is dropped as "confidently another language" when eld's`,
  `answer is reliable, is another project language, beats the source's language by a margin ≥ ${s.config.langid.minMargin} in eld's`,
  `similarity score, and the text has ≥ ${s.config.langid.minWords} words (two or more letters, not @mentions, hashtags, URLs or RT).`,
  "Short slangy posts are never dropped: there eld confuses pt/es/it and en/nl most.",
  "",
  table(
    ["source", "dropped", "detected as"],
    s.sources
      .filter((src) => Object.keys(src.langDropped).length > 0)
      .map((src) => [
        src.name,
        fmt(Object.values(src.langDropped).reduce((a, b) => a + b, 0)),
        Object.entries(src.langDropped)
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .map(([l, n]) => `${l} ${n}`)
          .join(", ")
      ])
  ),
  ""
]

/** Rows dropped as benchmark contamination. */
const contamination = (s: IngestStats): Array<string> => {
  const cx = s.sources.reduce((n, src) => n + src.contaminatedExact, 0)
  const cn = s.sources.reduce((n, src) => n + src.contaminatedNear, 0)
  return [
    "## Benchmark contamination guard (src/data/contamination.ts)",
    "",
    "Every training row is checked against every benchmark text in all four languages (and against BeaverTails",
    "prompts on their own). Dropped when",
    "- **exact**: its match key equals a benchmark text's match key, or",
    `- **near**: on word ${s.config.contamination.shingleSize}-grams of the match keys, ≥ ${(100 * s.config.contamination.containment).toFixed(0)} % of the row's shingles occur in one benchmark text, or`,
    `  ≥ ${(100 * s.config.contamination.containment).toFixed(0)} % of one benchmark text's shingles occur in the row (either side needs ≥ ${s.config.contamination.minShingles} shingles).`,
    "",
    `Dropped in this run: ${fmt(cx)} exact, ${fmt(cn)} near.`,
    "",
    table(
      ["source", "exact", "near"],
      s.sources.filter((src) => src.contaminatedExact + src.contaminatedNear > 0).map((src) => [src.name, fmt(src.contaminatedExact), fmt(src.contaminatedNear)])
    ),
    "",
    "The same guard (`makeContaminationIndex`, `contaminationIndexFromFile`) must be applied to synthetic text.",
    ""
  ]
}

const dedup = (s: IngestStats): Array<string> => {
  const removed = Object.values(s.dedup.removedBySource).reduce((a, b) => a + b, 0)
  const exactRemoved = Object.values(s.dedup.exactBySource).reduce((a, b) => a + b, 0)
  return [
    "## Deduplication (src/data/dedup.ts)",
    "",
    "Rows with the same match key, inside a source or across sources, keep one row. The survivor's text, language,",
    "source and license are those of the first row in source order (the order of the table above), among the unsafe",
    "rows if any. A text labelled unsafe anywhere stays unsafe with the union of the unsafe rows' categories: the label",
    "schemes differ between corpora (offensive vs hate), and a missed unsafe text costs more than a false alarm.",
    "",
    `Removed ${fmt(removed)} rows (${fmt(exactRemoved)} with identical stored text, the rest identical only after the match key); ` +
      `${fmt(s.dedup.crossSourceGroups)} duplicate groups spanned several sources; ${fmt(s.dedup.conflictingGroups)} groups had both a safe and an unsafe label ` +
      `(kept as unsafe); ${fmt(s.dedup.categoryUnions)} groups merged different categories.`,
    ""
  ]
}

const split = (s: IngestStats): Array<string> => [
  "## Split",
  "",
  `\`split = validation\` for rows whose hash of the id falls in the first ${s.config.validationPercent} % (no randomness, independent of row`,
  "order; the hash is unrelated to the label, so every source × language × label keeps about the same share),",
  "`train` otherwise. `id` = the first 16 hex digits of SHA-256(source, match key).",
  ""
]

/** Benchmark rows per language, checked against the paper's files. */
const benchmarks = (s: IngestStats): Array<string> => [
  "## Benchmarks (benchmarks.parquet)",
  "",
  "From `benchmarks/duoguard/eval_data_{En,Fr,De,Es}/`, not deduplicated, texts exactly as in the files:",
  "- XSTest: `prompt`; unsafe iff `type` starts with `contrast_`.",
  "- OpenAI moderation and ToxicChat: `prompt`; unsafe = `moderation_flag`. Both files carry a moderation result over",
  "  C1–C12 (`parsed_result.MODERATION_RESULT`); it is stored as `categories` where it agrees with the flag — every",
  "  OpenAI row ([] when safe) and the flagged ToxicChat rows that name a category. Otherwise `categories` is null",
  "  (safe ToxicChat rows carry no result; 8 flagged ToxicChat rows per language name no category). The files hold no",
  "  separate S/H/V/HR/SH/S3/H2/V2 fields.",
  "- BeaverTails: `prompt + ' ' + response`; unsafe = not `is_safe`; its own harm categories are not mapped (null).",
  "- RTP-LX and XSafety: `prompt`; unsafe = `class`; categories null.",
  "",
  table(
    ["benchmark", ...BENCHMARK_LANGUAGES.map((l) => `${l} rows (unsafe)`), "= paper's files"],
    BENCHMARKS.map((b) => [
      b,
      ...BENCHMARK_LANGUAGES.map((l) => {
        const rows = s.benchmarks.filter((r) => r.benchmark === b && r.lang === l)
        return `${fmt(rows.length)} (${fmt(rows.filter((r) => r.unsafe).length)})`
      }),
      BENCHMARK_LANGUAGES.every((l) => {
        const rows = s.benchmarks.filter((r) => r.benchmark === b && r.lang === l)
        const want = EXPECTED_BENCHMARK_COUNTS[b][l]
        return rows.length === want.rows && rows.filter((r) => r.unsafe).length === want.unsafe
      })
        ? "yes"
        : "NO"
    ])
  ),
  ""
]

/** The card, section by section; each section is a function of the ingest statistics. */
export const renderCard = (s: IngestStats): string => {
  const counts = countRows(s.examples)
  return [
    ...intro(),
    ...totals(s, counts),
    ...imbalances(counts),
    ...sources(s),
    ...skipped(s),
    ...bySourceAndLanguage(s, counts),
    ...byCategory(counts),
    ...categoryMapping(),
    ...normalization(),
    ...malformed(s),
    ...languageId(s),
    ...contamination(s),
    ...dedup(s),
    ...split(s),
    ...benchmarks(s)
  ].join("\n")
}
