/**
 * Hand-written, natively phrased templates per language (`templates/<lang>.json`): jailbreak
 * wrappers, safe frames (counter-speech, quotation, reported speech), benign context padding, and
 * benign look-alike questions (XSTest-style: unsafe-sounding words in safe requests), plus topic
 * keywords that let a look-alike echo the seed's topic.
 */
import { Effect, Schema } from "effect"
import { Lang } from "../../../schemas/index.ts"
import { alternationError } from "./alternation.ts"
import { loadResource, ResourceError } from "./load.ts"

export const TEMPLATE_LANGS = ["en", "fr", "de", "es"] as const satisfies ReadonlyArray<Lang>
export type TemplateLang = (typeof TEMPLATE_LANGS)[number]
export const isTemplateLang = (l: string): l is TemplateLang => (TEMPLATE_LANGS as ReadonlyArray<string>).includes(l)

export const SLOT = "{text}"

export const JAILBREAK_STYLES = ["roleplay", "fiction", "developer", "refusal-suppression", "prefix-injection"] as const
export const SAFE_FRAMES = ["counter-speech", "quotation", "reported"] as const
export const TOPICS = ["violence", "weapons", "drugs", "hacking", "theft", "self-harm", "hate", "privacy"] as const
export const LOOKALIKE_TYPES = ["homonym", "figurative", "safe-context", "definition", "history", "fiction-privacy", "safe-target"] as const
export type Topic = (typeof TOPICS)[number]

const WithSlot = Schema.String.pipe(
  Schema.filter((s) => s.split(SLOT).length === 2 || `must contain ${SLOT} exactly once`)
)
const NoSlot = Schema.String.pipe(
  Schema.minLength(1),
  Schema.filter((s) => !s.includes(SLOT) || `must not contain ${SLOT}`)
)

/** Every value of `key` must have at least `min` templates, so each policy choice is real. */
const covers = <K extends string>(key: string, values: ReadonlyArray<K>, min: number) =>
  (xs: ReadonlyArray<Record<string, unknown>>) => {
    const thin = values.filter((v) => xs.filter((x) => x[key] === v).length < min)
    return thin.length === 0 || `fewer than ${min} templates for ${key}=${thin.join(", ")}`
  }

export const TemplateFile = Schema.Struct({
  lang: Lang,
  jailbreak: Schema.Array(Schema.Struct({ style: Schema.Literal(...JAILBREAK_STYLES), text: WithSlot })).pipe(
    Schema.filter(covers("style", JAILBREAK_STYLES, 3))
  ),
  safeFrame: Schema.Array(Schema.Struct({ frame: Schema.Literal(...SAFE_FRAMES), text: WithSlot })).pipe(
    Schema.filter(covers("frame", SAFE_FRAMES, 5))
  ),
  padding: Schema.Struct({
    before: Schema.Array(NoSlot).pipe(Schema.minItems(10)),
    after: Schema.Array(NoSlot).pipe(Schema.minItems(10))
  }),
  /** Texts may hold alternation groups, `{a|b}` (alternation.ts). */
  lookalike: Schema.Array(Schema.Struct({
    topic: Schema.Literal(...TOPICS, "misc"),
    type: Schema.Literal(...LOOKALIKE_TYPES),
    text: NoSlot.pipe(Schema.filter((s) => alternationError(s) ?? true))
  })).pipe(Schema.filter(covers("topic", TOPICS, 2))),
  /** Lower-case keywords (single words or phrases) that signal a topic in this language. */
  topics: Schema.Struct(Object.fromEntries(TOPICS.map((t) => [t, Schema.Array(Schema.String)])) as {
    [K in Topic]: Schema.Array$<typeof Schema.String>
  })
})
export type TemplateFile = typeof TemplateFile.Type

export const templateFile = (lang: TemplateLang): string => `templates/${lang}.json`

export const loadTemplates = (lang: TemplateLang): Effect.Effect<TemplateFile, ResourceError> =>
  loadResource(templateFile(lang), TemplateFile).pipe(
    Effect.filterOrFail(
      (t) => t.lang === lang,
      (t) => new ResourceError({ path: templateFile(lang), reason: `lang is "${t.lang}" but the file name says "${lang}"` })
    )
  )

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Topics whose keywords occur in the text as whole words (case-insensitive). */
export const topicsOf = (t: TemplateFile, text: string): Array<Topic> => {
  const lower = text.toLowerCase()
  return TOPICS.filter((topic) =>
    t.topics[topic].some((kw) => new RegExp(`(?<![\\p{L}])${escapeRe(kw.toLowerCase())}(?![\\p{L}])`, "u").test(lower))
  )
}

/**
 * Put a text into a template's slot (trimmed: a trailing newline would break the sentence).
 * After a comma the text continues the sentence ("Nyx, how do I…"), so its first letter is
 * lower-cased unless the first word looks like a name or acronym (a capital after the first letter).
 */
export const fill = (template: string, text: string): string => {
  const [before, after] = template.split(SLOT)
  let inner = text.trim()
  const first = inner.split(/\s/)[0] ?? ""
  if (/,\s*$/.test(before) && first !== "I" && !/\p{Lu}/u.test(first.slice(1))) {
    inner = inner.charAt(0).toLowerCase() + inner.slice(1)
  }
  return before + inner + after
}
