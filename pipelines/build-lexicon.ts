/**
 * Build the guard's cross-lingual lexicon (src/guard/lexicon.ts) from the seed's training rows
 * and the Apertium and FreeDict dictionaries (Debian packages, see the README):
 *
 *   npx tsx pipelines/build-lexicon.ts [--data datasets/seed.parquet] [--out datasets/lexicon.tsv]
 *
 * The result is committed, so training and users never need the dictionaries for it; rebuild
 * after the seed or the dictionary packages change. About 7 minutes on 2 cores (Apertium).
 */
import { ensureDefaultTables } from "../src/data/cache.ts"
import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import * as path from "node:path"
import { Example } from "../schemas/example.ts"
import { readRows, writeFileAtomic } from "../src/data/parquet.ts"
import { formatLexicon } from "../src/guard/lexicon.ts"
import { buildLexicon } from "../src/guard/lexicon-build.ts"
import { optionalText, repoRoot, resolvePath, runCommandLine } from "../src/runtime/cli.ts"

const data = optionalText("data", "seed table (default: datasets/seed.parquet)")
const out = optionalText("out", "lexicon file (default: datasets/lexicon.tsv)")

const command = Command.make("build-lexicon", { data, out }, (args) =>
  Effect.gen(function* () {
    const dataFile = resolvePath(args.data, path.join(repoRoot, "datasets/seed.parquet"))
    yield* ensureDefaultTables([dataFile])
    const outFile = resolvePath(args.out, path.join(repoRoot, "datasets/lexicon.tsv"))
    const rows = yield* readRows(Example, dataFile)
    const { lexicon, stats } = yield* buildLexicon(rows, (m) => Console.log(`build-lexicon: ${m}`))
    const text = formatLexicon(lexicon, [
      "DuoGuard-TS cross-lingual lexicon: foreign word <TAB> English glosses (src/guard/lexicon.ts).",
      "Built by pipelines/build-lexicon.ts from the seed's training rows with Apertium (apertium-eng-spa,",
      "apertium-fr-es, apertium-fra-cat, apertium-eng-cat) and FreeDict eng-deu; GPL-2.0-or-later, as those dictionaries.",
      `${rows.length} seed rows, ${stats.translatedRows} English rows translated; words per language ${JSON.stringify(stats.keys)}`
    ])
    yield* writeFileAtomic(outFile, text)
    yield* Console.log(`build-lexicon: ${lexicon.size} words (${JSON.stringify(stats.keys)}) → ${path.relative(repoRoot, outFile)}`)
  })
)

runCommandLine("build-lexicon", Command.run(command, { name: "build-lexicon", version: "0.1.0" })(process.argv))
