/**
 * `benign-lookalike`: an XSTest-style safe question that sounds unsafe (homonyms, figurative
 * speech, safe contexts, definitions, history, fictional characters' "private" data, absurd
 * targets of discrimination). With match=topic it echoes the seed's topic (a bomb-making seed
 * yields a bath-bomb question), so the pair differs in intent, not vocabulary. Label: safe.
 * The seed's text only steers the topic; the question itself comes from the template file, its
 * alternation groups (`{a|b}`, alternation.ts) drawn from the item's own random stream.
 */
import { expandOne } from "../resources/alternation.ts"
import { topicsOf } from "../resources/templates.ts"
import { SAFE } from "./operator.ts"
import { makeTemplateOperator, pickOne } from "./templated.ts"

export const makeBenignLookalike = () =>
  makeTemplateOperator({
    name: "benign-lookalike",
    choices: { match: ["topic", "any"] },
    label: () => SAFE,
    render: (t, text, params, rng) => {
      const topics: ReadonlyArray<string> = params.match === "topic" ? topicsOf(t, text) : []
      const pool = topics.length > 0 ? t.lookalike.filter((l) => topics.includes(l.topic)) : t.lookalike
      const template = pickOne(pool, rng)
      return template === null ? null : expandOne(template.text, rng)
    }
  })
