/**
 * Chat messages → the guard's turns. Shared by the server and the playground page, so both
 * read a conversation the same way. Browser-safe (no `node:` imports).
 *
 * A turn is one user message and the assistant reply that follows it (several assistant
 * messages in a row are one reply, joined by a newline). A user message with no reply is a
 * turn of its own; a reply with no user message before it (an assistant greeting) is a turn
 * with an empty prompt. System and developer messages are the operator's, not a party to the
 * exchange: they are not moderated.
 */

export const MESSAGE_ROLES = ["system", "developer", "user", "assistant"] as const
export type MessageRole = (typeof MESSAGE_ROLES)[number]

export interface ChatMessage {
  readonly role: MessageRole
  readonly content: string
}

export interface Turn {
  readonly prompt: string
  readonly response?: string
}

export const messagesToTurns = (messages: ReadonlyArray<ChatMessage>): Array<Turn> => {
  const turns: Array<{ prompt: string; response?: string }> = []
  let open: { prompt: string; response?: string } | undefined
  for (const m of messages) {
    if (m.role === "user") {
      open = { prompt: m.content }
      turns.push(open)
    } else if (m.role === "assistant") {
      if (open === undefined) {
        open = { prompt: "" }
        turns.push(open)
      }
      open.response = open.response === undefined ? m.content : `${open.response}\n${m.content}`
    }
  }
  return turns
}

const SPEAKER = /^\s*(user|human|assistant|ai|bot|system|developer)\s*:\s?/i
const ROLE_OF: Readonly<Record<string, MessageRole>> = {
  user: "user",
  human: "user",
  assistant: "assistant",
  ai: "assistant",
  bot: "assistant",
  system: "system",
  developer: "developer"
}

/**
 * A pasted transcript → messages: lines starting `User:` / `Assistant:` (also `Human:`, `AI:`,
 * `Bot:`, `System:`) open a message; other lines continue the current one. Text before the
 * first speaker line is a user message.
 */
export const parseTranscript = (text: string): Array<ChatMessage> => {
  const out: Array<{ role: MessageRole; content: string }> = []
  for (const line of text.split(/\r?\n/)) {
    const m = SPEAKER.exec(line)
    if (m) out.push({ role: ROLE_OF[m[1].toLowerCase()], content: line.slice(m[0].length) })
    else if (out.length > 0) out[out.length - 1].content += `\n${line}`
    else if (line.trim() !== "") out.push({ role: "user", content: line })
  }
  return out.map((m) => ({ role: m.role, content: m.content.trim() }))
}
