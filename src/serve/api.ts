/**
 * The wire format of `POST /v1/moderations`, compatible with OpenAI's moderation API.
 *
 * Request: `{ "input": …, "model"?: string }` where `input` is
 *   - a string, or an array of strings (one result per string, in order), or
 *   - an array of OpenAI content parts `{ "type": "text", "text": … }` (one result per part), or
 *   - an array of chat messages `{ "role": "user" | "assistant" | "system" | "developer",
 *     "content": string }`: ONE conversation, one result per turn (see conversation.ts).
 * `model` is accepted and ignored: the response names the model that really answered.
 *
 * Response: `{ id: "modr-…", model: "duoguard-ts-<hash>", results: [{ flagged, categories,
 * category_scores }] }`, with our 12 categories under their names (CATEGORY_NAMES: "C1" →
 * "violent crimes", …, "C12" → "jailbreak prompts"). `categories[name]` is score > 0.5 and
 * `flagged` is max score > 0.5, the paper's fixed rule.
 */
import { Schema } from "effect"
import type { Prediction } from "../../schemas/prediction.ts"
import { CATEGORY_IDS, CATEGORY_NAMES, FLAG_THRESHOLD, type CategoryId } from "../../schemas/taxonomy.ts"
import { MESSAGE_ROLES } from "./conversation.ts"

export const TextPart = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })
export const Message = Schema.Struct({
  // request.ts renders a mismatch as `Expected one of "system", …, actual "bot"`.
  role: Schema.Literal(...MESSAGE_ROLES),
  content: Schema.String
})

export const ModerationInput = Schema.Union(
  Schema.String,
  Schema.Array(Schema.String),
  Schema.Array(TextPart),
  Schema.Array(Message)
)

export const ModerationRequest = Schema.Struct({
  input: ModerationInput,
  model: Schema.optional(Schema.String)
})
export type ModerationRequest = typeof ModerationRequest.Type

/** The category names in output order (C1..C12). */
export const CATEGORY_KEYS: ReadonlyArray<string> = CATEGORY_IDS.map((id) => CATEGORY_NAMES[id])

const byName = <S extends Schema.Schema.Any>(value: S) =>
  Schema.Struct(Object.fromEntries(CATEGORY_KEYS.map((k) => [k, value])) as Record<string, S>)

const Score = Schema.Number.pipe(Schema.between(0, 1))

export const ModerationResult = Schema.Struct({
  flagged: Schema.Boolean,
  categories: byName(Schema.Boolean),
  category_scores: byName(Score)
})
export type ModerationResult = typeof ModerationResult.Type

export const ModerationResponse = Schema.Struct({
  id: Schema.String.pipe(Schema.startsWith("modr-")),
  model: Schema.String,
  results: Schema.Array(ModerationResult)
})
export type ModerationResponse = typeof ModerationResponse.Type

export const ErrorResponse = Schema.Struct({
  error: Schema.Struct({
    message: Schema.String,
    type: Schema.Literal("invalid_request_error", "server_error"),
    param: Schema.NullOr(Schema.String),
    code: Schema.NullOr(Schema.String)
  })
})

export const toModerationResult = (p: Prediction): ModerationResult => {
  const categories: Record<string, boolean> = {}
  const scores: Record<string, number> = {}
  for (const id of CATEGORY_IDS) {
    const name = CATEGORY_NAMES[id as CategoryId]
    scores[name] = p.categories[id]
    categories[name] = p.categories[id] > FLAG_THRESHOLD
  }
  return { flagged: p.flagged, categories, category_scores: scores }
}
