/**
 * A disk cache of token ids, so a second training on the same seed (seed only vs seed +
 * synthetic) does not spend its first ten minutes re-running BPE on 470k texts (0.3–1.5 ms a
 * text on two shared cores). One append-only file per (tokenizer, token cap, character cut):
 * records of [u32 hash, u32 hash, u16 n, n × i32 id] keyed by two independent 32-bit hashes of
 * the text. A cut-off last record (an interrupted write) is ignored. Never committed
 * (`.cache/` is ignored).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { hash32 } from "../../runtime/rng.ts"
import { sha256 } from "../storage.ts"
import { CHARS_PER_TOKEN, type TokenIds } from "./tokenizer.ts"

export interface CachedTokenIds extends TokenIds {
  /** Append the texts tokenized since the last flush to the file. */
  readonly flush: () => void
  readonly stats: () => { readonly hits: number; readonly misses: number; readonly entries: number }
}

const keyOf = (text: string) => `${hash32(`a/${text}`)}:${hash32(`b/${text}`)}`

export const cacheFileFor = (dir: string, tokenizer: TokenIds, maxLen: number): string =>
  path.join(dir, `${sha256(`${tokenizer.name}|${tokenizer.vocabSize}|${maxLen}|${CHARS_PER_TOKEN}`).slice(0, 16)}.bin`)

const readCache = (file: string): Map<string, Int32Array> => {
  const map = new Map<string, Int32Array>()
  if (!fs.existsSync(file)) return map
  const buf = fs.readFileSync(file)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let at = 0
  while (at + 10 <= buf.length) {
    const n = view.getUint16(at + 8, true)
    if (at + 10 + 4 * n > buf.length) break
    const ids = new Int32Array(n)
    for (let i = 0; i < n; i++) ids[i] = view.getInt32(at + 10 + 4 * i, true)
    map.set(`${view.getUint32(at, true)}:${view.getUint32(at + 4, true)}`, ids)
    at += 10 + 4 * n
  }
  return map
}

/** `inner` with a disk cache for texts encoded with `maxLen` (other caps bypass it). */
export const cachedTokenizer = (inner: TokenIds, dir: string, maxLen: number): CachedTokenIds => {
  const file = cacheFileFor(dir, inner, maxLen)
  const map = readCache(file)
  const fresh: Array<[string, Int32Array]> = []
  let hits = 0, misses = 0
  return {
    name: inner.name,
    vocabSize: inner.vocabSize,
    encode: (text, len) => {
      if (len !== maxLen || len > 0xffff) return inner.encode(text, len)
      const key = keyOf(text)
      const got = map.get(key)
      if (got !== undefined) {
        hits++
        return got.slice()
      }
      misses++
      const ids = inner.encode(text, len)
      map.set(key, ids.slice())
      fresh.push([key, ids])
      return ids
    },
    flush: () => {
      if (fresh.length === 0) return
      const size = fresh.reduce((a, [, ids]) => a + 10 + 4 * ids.length, 0)
      const buf = new Uint8Array(size)
      const view = new DataView(buf.buffer)
      let at = 0
      for (const [key, ids] of fresh) {
        const [h1, h2] = key.split(":").map(Number)
        view.setUint32(at, h1, true)
        view.setUint32(at + 4, h2, true)
        view.setUint16(at + 8, ids.length, true)
        ids.forEach((id, i) => view.setInt32(at + 10 + 4 * i, id, true))
        at += 10 + 4 * ids.length
      }
      fs.mkdirSync(dir, { recursive: true })
      fs.appendFileSync(file, buf)
      fresh.length = 0
    },
    stats: () => ({ hits, misses, entries: map.size })
  }
}
