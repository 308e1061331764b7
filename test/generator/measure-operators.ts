/**
 * Measurement, not a test: throughput of every rewrite operator and the quality-gate pass rates
 * per operator × output language, on ~200 real seed texts (half harmful requests, half benign
 * Alpaca instructions) read straight from the seed files. English seeds feed the first stage;
 * Spanish/French Apertium output and German FreeDict output feed the operators that rewrite
 * within a language, so every template language is covered.
 *
 *   npx tsx test/generator/measure-operators.ts [--n 200] [--seed 1] [--shared ../shared]
 *
 * Prints a markdown table. Throughput = input texts / wall seconds of one batched apply call
 * (process start-up included; dictionaries and thesauri loaded beforehand, load times printed).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Schema } from "effect"
import type { Lang } from "../../schemas/index.ts"
import { detectLanguage } from "../../src/data/langid.ts"
import { Rng } from "../../src/runtime/rng.ts"
import { translateBatch } from "../../src/language/apertium.ts"
import { loadLexicon } from "../../src/language/freedict.ts"
import { makeOperators, type Params, type RewriteInput, type RewriteOutput } from "../../src/generator/operators/index.ts"
import { loadThesaurus } from "../../src/language/mythes.ts"
import { evaluateGates, GATES, type LanguageDetector } from "../../src/generator/quality.ts"

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

/** Every combination of an operator's params, in a stable order: what this measurement sweeps. */
const allParams = (choices: Readonly<Record<string, ReadonlyArray<string>>>): Array<Params> => {
  let out: Array<Record<string, string>> = [{}]
  for (const key of Object.keys(choices).sort()) {
    out = out.flatMap((p) => choices[key].map((v) => ({ ...p, [key]: v })))
  }
  return out
}
const shared = path.resolve(repoRoot, arg("shared", process.env.DUOGUARD_SHARED ?? "../shared"))
const N = Number(arg("n", "200"))
const SEED = Number(arg("seed", "1"))

const SeedFile = Schema.Array(Schema.Struct({ instruction: Schema.String, category: Schema.NullOr(Schema.String) }))

const readSeeds = (file: string): Array<string> => {
  const full = path.join(shared, "datasets/seed/harmful-harmless", file)
  return Schema.decodeUnknownSync(SeedFile)(JSON.parse(fs.readFileSync(full, "utf8"))).map((r) => r.instruction)
}


interface Row {
  op: string
  params: string
  lang: string
  inputs: number
  outputs: number
  textsPerSec: number
  gatePass: Record<string, number>
  allPass: number
}

const main = Effect.gen(function* () {
  const rng = new Rng(SEED)
  const harmful = rng.child("harmful").shuffle([...readSeeds("harmful_train.json"), ...readSeeds("harmful_val.json")]).slice(0, N / 2)
  const harmless = rng.child("harmless").shuffle(readSeeds("harmless_train.json")).slice(0, N / 2)
  const english: Array<RewriteInput> = [...harmful, ...harmless].map((text) => ({ text, lang: "en" }))
  const detect: LanguageDetector = detectLanguage

  const t0 = Date.now()
  for (const l of ["de", "fr", "es", "it"] as const) yield* loadLexicon("measure", l)
  const lexMs = Date.now() - t0
  const t1 = Date.now()
  for (const l of ["en", "fr", "de", "es", "it"] as const) yield* loadThesaurus("measure", l)
  const thMs = Date.now() - t1
  console.log(`FreeDict lexicons loaded in ${lexMs} ms (from the .cache JSON when present); thesauri in ${thMs} ms`)

  const reg = yield* makeOperators()
  for (const a of yield* reg.availability) if (a.unavailable) console.log(`unavailable: ${a.unavailable.message}`)
  const rows: Array<Row> = []

  const measure = (opName: string, inputs: ReadonlyArray<RewriteInput>, params: Record<string, string>) =>
    Effect.gen(function* () {
      const op = reg.get(opName)!
      const start = performance.now()
      const out = yield* op.apply(inputs, params, rng.child(`${opName}/${JSON.stringify(params)}`))
      const secs = (performance.now() - start) / 1000
      const items = out.flatMap((o, i) => (o ? [{ seed: inputs[i].text, output: o }] : []))
      const verdicts = yield* evaluateGates(items, { detect })
      const byLang = new Map<string, Array<number>>()
      items.forEach((it, i) => {
        const g = byLang.get(it.output.lang)
        if (g) g.push(i)
        else byLang.set(it.output.lang, [i])
      })
      for (const [lang, idx] of byLang) {
        const gatePass: Record<string, number> = {}
        for (const g of GATES) {
          gatePass[g] = idx.filter((i) => verdicts[i].results.find((r) => r.gate === g)!.pass).length / idx.length
        }
        rows.push({
          op: opName,
          params: Object.entries(params).map(([k, v]) => `${k}=${v}`).join(" "),
          lang,
          inputs: inputs.length,
          outputs: idx.length,
          textsPerSec: inputs.length / secs,
          gatePass,
          allPass: idx.filter((i) => verdicts[i].pass).length / idx.length
        })
      }
      return out
    })

  // Stage 1: English seeds through every operator and every parameter value.
  const byKey = new Map<string, ReadonlyArray<RewriteOutput | null>>()
  for (const op of reg.all) {
    if (op.name === "llm-rewrite") continue
    for (const params of allParams(op.choices)) {
      byKey.set(`${op.name} ${JSON.stringify(params)}`, yield* measure(op.name, english, params))
    }
  }

  // Stage 2: within-language operators on Spanish, French (Apertium) and German (FreeDict) text.
  const asInputs = (key: string): Array<RewriteInput> =>
    (byKey.get(key) ?? []).flatMap((o) => (o ? [{ text: o.text, lang: o.lang as Lang }] : []))
  const stage2: Array<[string, Array<RewriteInput>]> = [
    ["es", asInputs(`translate ${JSON.stringify({ target: "es" })}`)],
    ["fr", asInputs(`translate ${JSON.stringify({ target: "fr" })}`)],
    ["de", asInputs(`freedict-mix ${JSON.stringify({ rate: "1.0", target: "de" })}`).filter((x) => x.lang === "de")]
  ]
  for (const [lang, inputs] of stage2) {
    console.log(`stage 2 (${lang}): ${inputs.length} inputs`)
    for (const [name, params] of [
      ["synonyms", { rate: "0.2" }],
      ["obfuscate", { style: "homoglyph", intensity: "low" }],
      ["jailbreak-wrap", { style: "roleplay" }],
      ["safe-frame", { frame: "counter-speech" }],
      ["context-padding", { position: "both" }],
      ["benign-lookalike", { match: "topic" }],
      ...(lang === "de" ? [] : [["back-translate", { pivot: "ca" }] as const])
    ] as const) {
      yield* measure(name, inputs, params)
    }
  }

  // Route comparison for English→French: via Spanish or via Catalan.
  const texts = english.map((e) => e.text)
  for (const chain of [["en", "es", "fr"], ["en", "ca", "fr"]] as const) {
    const out = yield* translateBatch("measure", texts, chain)
    const ok = out.filter((o) => o !== null)
    const mean = ok.reduce((s, o) => s + o!.untranslated, 0) / ok.length
    const items = out.flatMap((o, i) => (o ? [{ seed: texts[i], output: { text: o.text, lang: "fr" as const, untranslated: o.untranslated } }] : []))
    const v = yield* evaluateGates(items, { detect })
    const spell = v.filter((x) => x.results.find((r) => r.gate === "spelling")!.pass).length / v.length
    console.log(`route ${chain.join("→")}: mean untranslated ${mean.toFixed(3)}, spelling pass ${(100 * spell).toFixed(1)}%, all gates ${(100 * v.filter((x) => x.pass).length / v.length).toFixed(1)}%`)
  }

  const pct = (x: number) => `${(100 * x).toFixed(0)}`
  console.log(`\n${english.length} English seeds (${harmful.length} harmful, ${harmless.length} benign), seed ${SEED}\n`)
  console.log(`| operator | params | out lang | in | out | texts/s | length | not-identical | lang-id | untranslated | spelling | all gates |`)
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|`)
  for (const r of rows) {
    const g = r.gatePass
    console.log(`| ${r.op} | ${r.params} | ${r.lang} | ${r.inputs} | ${r.outputs} | ${r.textsPerSec.toFixed(0)} | ${pct(g.length)} | ${pct(g["not-identical"])} | ${pct(g["lang-id"])} | ${pct(g.untranslated)} | ${pct(g.spelling)} | ${pct(r.allPass)} |`)
  }
})

Effect.runPromise(Effect.scoped(main)).catch((e) => {
  console.error(e)
  process.exit(1)
})
