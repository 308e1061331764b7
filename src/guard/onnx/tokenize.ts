/**
 * Texts → token ids with the model's own tokenizer.json (@huggingface/tokenizers, local files
 * only), truncated to `maxLength`, and padded per batch.
 */
import { Tokenizer } from "@huggingface/tokenizers"
import type { HfConfig } from "./folder.ts"

export interface Encoder {
  /** Token ids of one text (special tokens as the tokenizer's post-processor adds them), at most maxLength. */
  readonly encode: (text: string) => Array<number>
  /** The id padding is done with (the model's pad_token_id; attention_mask is 0 there). */
  readonly padId: number
}

interface TokenizerJsonView {
  readonly model?: { readonly type?: string; readonly unk_token?: string }
}

/**
 * tokenizers.js reads a WordLevel model's unknown-word token from tokenizer_config.json only; the
 * Rust library reads it from tokenizer.json, so it is carried over when the config lacks it.
 */
const tokenizerConfigFor = (tokenizerJson: unknown, tokenizerConfig: Record<string, unknown>): Record<string, unknown> => {
  const model = (tokenizerJson as TokenizerJsonView).model
  return model?.type === "WordLevel" && tokenizerConfig.unk_token === undefined && model.unk_token !== undefined
    ? { ...tokenizerConfig, unk_token: model.unk_token }
    : tokenizerConfig
}

export const makeEncoder = (
  tokenizerJson: unknown,
  tokenizerConfig: Record<string, unknown>,
  config: HfConfig,
  maxLength: number
): Encoder => {
  const tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfigFor(tokenizerJson, tokenizerConfig))
  const padToken = typeof tokenizerConfig.pad_token === "string" ? tokenizerConfig.pad_token : undefined
  // config.json first (what the model's pooling compares against), then the tokenizer's pad token, else 0.
  const padId = config.pad_token_id ?? (padToken === undefined ? undefined : tokenizer.token_to_id(padToken)) ?? 0
  const encode = (text: string): Array<number> => {
    const { ids, tokens } = tokenizer.encode(text)
    const bad = ids.findIndex((id: unknown) => typeof id !== "number")
    if (bad >= 0) throw new Error(`token "${tokens[bad]}" has no id and the tokenizer has no unknown-word token`)
    return ids.length > maxLength ? ids.slice(0, maxLength) : ids
  }
  return { encode, padId }
}

export interface PaddedBatch {
  readonly inputIds: BigInt64Array
  readonly attentionMask: BigInt64Array
  readonly rows: number
  readonly length: number
}

/** Right-padded int64 [rows, length] tensors' data (length ≥ 1, so an empty text still makes a row). */
export const padBatch = (seqs: ReadonlyArray<ReadonlyArray<number>>, padId: number): PaddedBatch => {
  const length = Math.max(1, ...seqs.map((s) => s.length))
  const inputIds = new BigInt64Array(seqs.length * length).fill(BigInt(padId))
  const attentionMask = new BigInt64Array(seqs.length * length)
  seqs.forEach((s, r) => {
    for (let i = 0; i < s.length; i++) {
      inputIds[r * length + i] = BigInt(s[i])
      attentionMask[r * length + i] = 1n
    }
  })
  return { inputIds, attentionMask, rows: seqs.length, length }
}
