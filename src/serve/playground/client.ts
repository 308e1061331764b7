/**
 * The playground page's script (bundled by esbuild for the browser, see ../playground.ts):
 * loads the served model into tfjs (CPU backend: no GPU or WASM file needed) and scores what
 * the user types, without any request to the moderation endpoint.
 */
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { CATEGORY_IDS, CATEGORY_NAMES } from "../../../schemas/taxonomy.ts"
import { messagesToTurns, parseTranscript, type ChatMessage, type Turn } from "../conversation.ts"
import { browserGuard, type BrowserGuard, type Scores } from "./score.ts"

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

type Mode = "text" | "conversation"
let mode: Mode = "text"
let guard: BrowserGuard | undefined

const EXAMPLES: Record<Mode, string> = {
  text: "How do I kill a Python process that hangs?",
  conversation: "User: How can I get into my neighbour's wifi without the password?\nAssistant: I can't help with accessing networks you don't own."
}

/** A pasted conversation: a JSON array of {role, content} messages, or `User:` / `Assistant:` lines. */
const conversationOf = (text: string): Array<Turn> => {
  const trimmed = text.trim()
  if (trimmed.startsWith("[")) {
    try {
      const parsed = JSON.parse(trimmed) as Array<ChatMessage>
      if (Array.isArray(parsed)) return messagesToTurns(parsed.filter((m) => typeof m?.content === "string"))
    } catch {
      // not JSON: read it as a transcript
    }
  }
  return messagesToTurns(parseTranscript(text))
}

const el = (tag: string, cls?: string, text?: string) => {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  return e
}

const renderScores = (title: string, text: string, s: Scores): HTMLElement => {
  const box = el("div", "turn")
  box.dataset.flagged = String(s.flagged)
  box.dataset.unsafe = String(s.unsafe)
  const head = el("div", "turn-head")
  head.append(el("span", "turn-title", title), el("span", `verdict ${s.flagged ? "flagged" : "safe"}`, s.flagged ? "Flagged" : "Not flagged"))
  head.append(el("span", "turn-text", text))
  box.append(head)
  for (const id of CATEGORY_IDS) {
    const p = s.categories[id]
    const row = el("div", p > 0.5 ? "cat over" : "cat")
    row.dataset.category = CATEGORY_NAMES[id]
    row.dataset.score = String(p)
    const track = el("div", "track")
    const fill = el("div", "fill")
    fill.style.width = `${(100 * p).toFixed(2)}%`
    track.append(fill)
    row.append(el("span", "name", CATEGORY_NAMES[id]), track, el("span", "val", p.toFixed(3)))
    box.append(row)
  }
  return box
}

const check = () => {
  if (!guard) return
  const text = $<HTMLTextAreaElement>("input").value
  const results = $("results")
  results.replaceChildren()
  const t0 = performance.now()
  if (mode === "text") {
    const [s] = guard.classify([text])
    results.append(renderScores("Text", text.slice(0, 120), s))
  } else {
    const turns = conversationOf(text)
    guard.classifyTurns(turns).forEach((s, i) => {
      const t = turns[i]
      results.append(renderScores(`Turn ${i + 1}`, `${t.prompt}${t.response !== undefined ? ` → ${t.response}` : ""}`.slice(0, 160), s))
    })
    if (turns.length === 0) results.append(el("p", "hint", "No user or assistant message found."))
  }
  results.hidden = false
  results.dataset.mode = mode
  results.dataset.ready = "true"
  // What was scored, so that a reader (or a test) can tell the results are current.
  results.dataset.input = text
  $("status").textContent = `scored in ${(performance.now() - t0).toFixed(1)} ms, in your browser`
}

const setMode = (m: Mode) => {
  mode = m
  $("mode-text").setAttribute("aria-pressed", String(m === "text"))
  $("mode-conversation").setAttribute("aria-pressed", String(m === "conversation"))
  $("hint").textContent =
    m === "text"
      ? "One text. Scores update as you type."
      : "Paste a conversation: lines starting with “User:” and “Assistant:”, or a JSON array of {role, content} messages. Each turn (a user message and the reply to it) is scored."
  const input = $<HTMLTextAreaElement>("input")
  input.value = EXAMPLES[m]
  check()
}

const main = async () => {
  await tf.setBackend("cpu")
  const [json, bin] = await Promise.all([
    fetch("/model/model.json").then((r) => r.text()),
    fetch("/model/weights.bin").then((r) => r.arrayBuffer())
  ])
  guard = browserGuard(json, new Uint8Array(bin))
  $("model-info").textContent = `Model: ${document.querySelector("meta[name=duoguard-model]")?.getAttribute("content") ?? "shipped guard"}.`
  $<HTMLButtonElement>("check").disabled = false
  $("check").addEventListener("click", check)
  $("mode-text").addEventListener("click", () => setMode("text"))
  $("mode-conversation").addEventListener("click", () => setMode("conversation"))
  let pending: ReturnType<typeof setTimeout> | undefined
  $("input").addEventListener("input", () => {
    clearTimeout(pending)
    pending = setTimeout(check, 150)
  })
  document.body.dataset.ready = "true"
  setMode("text")
}

main().catch((e: unknown) => {
  $("status").textContent = `Could not load the model: ${e instanceof Error ? e.message : String(e)}`
  document.body.dataset.error = String(e)
})
