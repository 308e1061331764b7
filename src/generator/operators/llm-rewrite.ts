/**
 * `llm-rewrite` (optional): rewrite through an OpenAI-compatible chat endpoint (vLLM, llama.cpp
 * server, Ollama) when a URL is configured — paraphrase, change register, or write in another
 * language. Label kept. Requests are rate-limited, run a few at a time, time out, and are
 * retried with exponential backoff and jitter on transient failures (429, 5xx, timeouts,
 * dropped connections). A refusal or an empty reply yields null for that text.
 * Determinism is as good as the server's support for the `seed` field (derived from the rng).
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Duration, Effect, RateLimiter, Schedule, Schema, type Scope } from "effect"
import type { Lang } from "../../../schemas/index.ts"
import {
  checkParams,
  itemRng,
  KEEP,
  OperatorError,
  OperatorUnavailable,
  type Operator,
  type Params,
  type RewriteOutput
} from "./operator.ts"

export const LlmConfig = Schema.Struct({
  /** Base URL of the API, e.g. "http://127.0.0.1:8000/v1"; the operator is unavailable without it. */
  url: Schema.optional(Schema.String.pipe(Schema.pattern(/^https?:\/\//))),
  model: Schema.String,
  apiKey: Schema.optional(Schema.String),
  timeoutMs: Schema.Int.pipe(Schema.positive()),
  /** Retries after the first try, on transient failures only. */
  retries: Schema.Int.pipe(Schema.nonNegative()),
  requestsPerSecond: Schema.Number.pipe(Schema.positive()),
  concurrency: Schema.Int.pipe(Schema.positive()),
  temperature: Schema.Number.pipe(Schema.between(0, 2)),
  maxTokens: Schema.Int.pipe(Schema.positive())
})
export type LlmConfig = typeof LlmConfig.Type

export const LLM_DEFAULTS: LlmConfig = {
  model: "default",
  timeoutMs: 60_000,
  retries: 3,
  requestsPerSecond: 5,
  concurrency: 4,
  temperature: 0.8,
  maxTokens: 512
}

const TARGETS = ["same", "en", "fr", "de", "es"] as const
const STYLES = ["paraphrase", "formal", "casual"] as const
const LANG_NAMES: Readonly<Record<string, string>> = { en: "English", fr: "French", de: "German", es: "Spanish" }
const STYLE_INSTRUCTIONS: Readonly<Record<string, string>> = {
  paraphrase: "Paraphrase the text with different wording and sentence structure.",
  formal: "Rewrite the text in a formal, polished register.",
  casual: "Rewrite the text casually, the way a real user would type it into a chat box."
}

const SYSTEM =
  "You rewrite texts for a dataset that trains a safety classifier. Follow the instruction, keep the " +
  "text's meaning and intent exactly (including any harmful intent), do not answer or comment on it, " +
  "add no warnings. Output only the rewritten text."

// Replies that decline instead of rewriting (the seed may be a harmful request).
const REFUSAL = /^(?:i'?m sorry|i am sorry|sorry,|i can(?:no|')t|i cannot|i won'?t|as an ai|je ne peux pas|désolé|lo siento|no puedo|es tut mir leid|ich kann (?:dir )?(?:dabei )?nicht)/i

const ChatReply = Schema.Struct({
  choices: Schema.NonEmptyArray(Schema.Struct({ message: Schema.Struct({ content: Schema.NullOr(Schema.String) }) }))
})

/** Why a request failed, and whether trying again could help. */
interface Failure {
  readonly reason: string
  readonly transient: boolean
}

const targetOf = (lang: Lang, params: Params): Lang => (params.target === "same" ? lang : (params.target as Lang))

export const buildMessages = (text: string, lang: Lang, params: Params) => {
  const target = targetOf(lang, params)
  const instruction = `${STYLE_INSTRUCTIONS[params.style]} Write the result in ${LANG_NAMES[target] ?? target}.`
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: `${instruction}\n\nText:\n${text}` }
  ]
}

/**
 * Build the operator. Needs an HttpClient (FetchHttpClient.layer will do) and a Scope that
 * owns the rate limiter.
 */
export const makeLlmRewrite = (
  config: LlmConfig
): Effect.Effect<Operator, never, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const limit = yield* RateLimiter.make({
      limit: Math.max(1, Math.round(config.requestsPerSecond)),
      interval: Duration.seconds(Math.max(1, Math.round(config.requestsPerSecond)) / config.requestsPerSecond)
    })
    const base = config.url?.replace(/\/+$/, "")
    const withAuth = (req: HttpClientRequest.HttpClientRequest) =>
      config.apiKey ? HttpClientRequest.bearerToken(req, config.apiKey) : req

    const retry = Schedule.exponential(Duration.millis(200), 2).pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(config.retries))
    )

    /** One chat completion: the reply text, or a Failure. */
    const complete = (body: unknown): Effect.Effect<string | null, Failure> =>
      Effect.gen(function* () {
        const req = withAuth(HttpClientRequest.post(`${base}/chat/completions`).pipe(HttpClientRequest.bodyUnsafeJson(body)))
        const res = yield* client.execute(req).pipe(
          Effect.timeoutFail({
            duration: Duration.millis(config.timeoutMs),
            onTimeout: (): Failure => ({ reason: `no reply within ${config.timeoutMs} ms`, transient: true })
          }),
          Effect.mapError((e): Failure => ("transient" in e ? e : { reason: e.message, transient: true }))
        )
        if (res.status === 429 || res.status >= 500) {
          return yield* Effect.fail<Failure>({ reason: `HTTP ${res.status}`, transient: true })
        }
        if (res.status >= 400) {
          const detail = yield* res.text.pipe(Effect.orElseSucceed(() => ""))
          return yield* Effect.fail<Failure>({ reason: `HTTP ${res.status}: ${detail.slice(0, 200)}`, transient: false })
        }
        const reply = yield* HttpClientResponse.schemaBodyJson(ChatReply)(res).pipe(
          Effect.mapError((e): Failure => ({ reason: `unexpected reply: ${e.message}`, transient: false }))
        )
        return reply.choices[0].message.content
      }).pipe(limit, Effect.retry({ schedule: retry, while: (f) => f.transient }))

    const op: Operator = {
      name: "llm-rewrite",
      choices: { style: STYLES, target: TARGETS },
      label: () => KEEP,
      canApply: (lang, params) => params.target === "same" || params.target !== lang,
      available: base === undefined
        ? Effect.fail(new OperatorUnavailable({
          operator: "llm-rewrite",
          missing: ["generator.llm.url"],
          reason: "no OpenAI-compatible endpoint configured (set the URL of a vLLM, llama.cpp or Ollama server)"
        }))
        : client.execute(withAuth(HttpClientRequest.get(`${base}/models`))).pipe(
          Effect.timeout(Duration.millis(config.timeoutMs)),
          Effect.flatMap((res) => res.status < 400 ? Effect.void : Effect.fail(`HTTP ${res.status}`)),
          Effect.mapError((e) => new OperatorUnavailable({
            operator: "llm-rewrite",
            missing: [],
            reason: `endpoint ${base} does not answer GET /models: ${typeof e === "string" ? e : e.message}`
          }))
        ),
      apply: (inputs, params, rng) =>
        Effect.gen(function* () {
          yield* checkParams(op, params)
          if (base === undefined) {
            return yield* Effect.fail(new OperatorError({ operator: op.name, reason: "no endpoint URL configured" }))
          }
          return yield* Effect.forEach(inputs, (input, i): Effect.Effect<RewriteOutput | null, OperatorError> => {
            if (!op.canApply(input.lang, params) || input.text.trim().length === 0) return Effect.succeed(null)
            const body = {
              model: config.model,
              messages: buildMessages(input.text, input.lang, params),
              temperature: config.temperature,
              max_tokens: config.maxTokens,
              seed: itemRng(rng, i).nextUint32() & 0x7fffffff
            }
            return complete(body).pipe(
              Effect.map((content) => {
                const text = content?.trim() ?? ""
                return text.length === 0 || REFUSAL.test(text) ? null : { text, lang: targetOf(input.lang, params) }
              }),
              // A request the server rejects outright (e.g. too long) loses only that text.
              Effect.catchAll((f) =>
                f.transient
                  ? Effect.fail(new OperatorError({ operator: op.name, reason: `${base}: ${f.reason} (after ${config.retries} retries)` }))
                  : Effect.succeed(null)
              )
            )
          }, { concurrency: config.concurrency })
        })
    }
    return op
  })
