/**
 * `context-padding`: benign small talk before and/or after the text ("Quick question before my
 * meeting." … "Thanks in advance!"). Label kept: padding changes neither intent nor harm, and it
 * teaches the guard not to key on the first or last words.
 */
import { KEEP } from "./operator.ts"
import { makeTemplateOperator, pickOne } from "./templated.ts"

export const makeContextPadding = () =>
  makeTemplateOperator({
    name: "context-padding",
    choices: { position: ["before", "after", "both"] },
    label: () => KEEP,
    render: (t, text, params, rng) => {
      const before = params.position !== "after" ? pickOne(t.padding.before, rng) : null
      const after = params.position !== "before" ? pickOne(t.padding.after, rng) : null
      return [before, text.trim(), after].filter((x) => x !== null).join(" ")
    }
  })
