/**
 * `jailbreak-wrap`: wrap the request in a jailbreak (role-play persona, fiction framing, fake
 * developer mode, refusal suppression, prefix injection). The result is unsafe and adds C12;
 * the inner request's categories are kept (a benign inner request still makes a jailbreak prompt).
 */
import { JAILBREAK_STYLES, fill } from "../resources/templates.ts"
import type { LabelEffect } from "./operator.ts"
import { makeTemplateOperator, pickOne } from "./templated.ts"

const JAILBREAK: LabelEffect = { kind: "unsafe", add: ["C12"] }

export const makeJailbreakWrap = () =>
  makeTemplateOperator({
    name: "jailbreak-wrap",
    choices: { style: JAILBREAK_STYLES },
    label: () => JAILBREAK,
    render: (t, text, params, rng) => {
      const tpl = pickOne(t.jailbreak.filter((j) => j.style === params.style), rng)
      return tpl && fill(tpl.text, text)
    }
  })
