/**
 * `safe-frame`: embed the text in counter-speech ("Someone wrote '…'. How do I reply?"),
 * quotation for analysis or moderation, or reported speech ("A stranger asked me '…'. Should I
 * report it?"). The result is safe whatever the seed was: it asks how to oppose or handle the
 * content, not for the content.
 */
import { fill, SAFE_FRAMES } from "../resources/templates.ts"
import { SAFE } from "./operator.ts"
import { makeTemplateOperator, pickOne } from "./templated.ts"

// A quotation sits on one line (newlines become spaces) and drops a final full stop, which would
// clash with the template's punctuation after the closing quote ("…mar.»." → "…mar».").
const asQuote = (text: string) => text.trim().replace(/\s*\n+\s*/g, " ").replace(/(?<!\.)\.$/, "")

export const makeSafeFrame = () =>
  makeTemplateOperator({
    name: "safe-frame",
    choices: { frame: SAFE_FRAMES },
    label: () => SAFE,
    render: (t, text, params, rng) => {
      const tpl = pickOne(t.safeFrame.filter((f) => f.frame === params.frame), rng)
      return tpl && fill(tpl.text, asQuote(text))
    }
  })
