/**
 * What the guard's callers hand it, checked before any work: a JavaScript caller (the Promise
 * API) is not held to the types, and a Set, a sparse array or `response: null` used to be
 * scored as something else (`[undefined]`, a crash, the text "hi null"). Browser-safe.
 */

const kind = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? `a ${(v as object).constructor?.name ?? "object"}` : `a ${typeof v}`

/** Why `texts` can't be classified, or undefined when it is an array of strings. */
export const textsProblem = (texts: unknown): string | undefined => {
  if (!Array.isArray(texts)) return `texts must be an array of strings, got ${kind(texts)}`
  for (let i = 0; i < texts.length; i++) {
    if (!(i in texts)) return `text ${i} is missing (a hole in a sparse array)`
    if (typeof texts[i] !== "string") return `text ${i} is ${kind(texts[i])}, not a string`
  }
  return undefined
}

/** Why `turns` can't be moderated, or undefined when each is `{ prompt: string, response?: string }`. */
export const turnsProblem = (turns: unknown): string | undefined => {
  if (!Array.isArray(turns)) return `turns must be an array of { prompt, response? }, got ${kind(turns)}`
  for (let i = 0; i < turns.length; i++) {
    if (!(i in turns)) return `turn ${i} is missing (a hole in a sparse array)`
    const t: unknown = turns[i]
    if (typeof t !== "object" || t === null || Array.isArray(t)) return `turn ${i} is ${kind(t)}, not { prompt, response? }`
    const { prompt, response } = t as { prompt?: unknown; response?: unknown }
    if (typeof prompt !== "string") return `turn ${i}: prompt is ${kind(prompt)}, not a string`
    if (response !== undefined && typeof response !== "string") return `turn ${i}: response is ${kind(response)}, not a string (omit it for no reply)`
  }
  return undefined
}
