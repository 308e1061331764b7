/**
 * A tiny ONNX sequence classifier and word-level tokenizer, built in the test itself, in the
 * layout of an exported Hugging Face model (src/guard/onnx/folder.ts):
 *
 *   logits[b, c] = bias[c] + Σ_s attention_mask[b, s] · E[input_ids[b, s], c]
 *
 * (Gather → Mul by the mask → ReduceSum over the sequence → Add), so a score can be computed
 * by hand and padding must not change it.
 */
import onnxProto from "onnx-proto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Rng } from "../../src/runtime/rng.ts"

const { onnx } = onnxProto

export const CATEGORIES = 12

export interface TinyOnnx {
  /** Word → id; "[UNK]" = 0, "[PAD]" = 1. */
  readonly vocab: Readonly<Record<string, number>>
  /** [vocab × 12], row-major. */
  readonly embedding: Float32Array
  readonly bias: Float32Array
}

/** Seeded weights for a lowercase word vocabulary. */
export const tinyWeights = (words: ReadonlyArray<string>, seed = 1): TinyOnnx => {
  const vocab: Record<string, number> = { "[UNK]": 0, "[PAD]": 1 }
  for (const w of words) if (!(w in vocab)) vocab[w] = Object.keys(vocab).length
  const rng = new Rng(seed)
  const n = Object.keys(vocab).length
  const embedding = Float32Array.from({ length: n * CATEGORIES }, () => (rng.next() - 0.5) * 2)
  // The pad row is large: were padding not masked, every padded score would move.
  embedding.fill(5, vocab["[PAD]"] * CATEGORIES, (vocab["[PAD]"] + 1) * CATEGORIES)
  const bias = Float32Array.from({ length: CATEGORIES }, () => rng.next() - 0.5)
  return { vocab, embedding, bias }
}

const floats = (name: string, dims: Array<number>, data: Float32Array) =>
  onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(0)) })
const int64s = (name: string, values: Array<number>) =>
  onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values })
const valueInfo = (name: string, elemType: number, dims: Array<string | number>) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) }
      }
    }
  })

/** The model's bytes (opset 13). */
export const tinyOnnxBytes = (w: TinyOnnx): Uint8Array => {
  const n = Object.keys(w.vocab).length
  const node = (opType: string, input: Array<string>, output: Array<string>, attribute: Array<object> = []) =>
    onnx.NodeProto.create({ opType, input, output, attribute })
  const graph = onnx.GraphProto.create({
    name: "tiny-classifier",
    initializer: [
      floats("E", [n, CATEGORIES], w.embedding),
      floats("bias", [CATEGORIES], w.bias),
      int64s("seq_axis", [1]),
      int64s("last_axis", [2])
    ],
    node: [
      node("Gather", ["E", "input_ids"], ["emb"]),
      node("Cast", ["attention_mask"], ["mask_f"], [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }]),
      node("Unsqueeze", ["mask_f", "last_axis"], ["mask3"]),
      node("Mul", ["emb", "mask3"], ["masked"]),
      node("ReduceSum", ["masked", "seq_axis"], ["summed"], [{ name: "keepdims", type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node("Add", ["summed", "bias"], ["logits"])
    ],
    input: [
      valueInfo("input_ids", onnx.TensorProto.DataType.INT64, ["batch", "sequence"]),
      valueInfo("attention_mask", onnx.TensorProto.DataType.INT64, ["batch", "sequence"])
    ],
    output: [valueInfo("logits", onnx.TensorProto.DataType.FLOAT, ["batch", CATEGORIES])]
  })
  const model = onnx.ModelProto.create({ irVersion: 7, opsetImport: [{ domain: "", version: 13 }], producerName: "duoguard-ts tests", graph })
  return onnx.ModelProto.encode(model).finish()
}

/** A word-level tokenizer.json: lowercase, split on whitespace and punctuation, no special tokens. */
export const wordLevelTokenizer = (vocab: Readonly<Record<string, number>>) => ({
  version: "1.0",
  truncation: null,
  padding: null,
  added_tokens: [],
  normalizer: { type: "Lowercase" },
  pre_tokenizer: { type: "Whitespace" },
  post_processor: null,
  decoder: null,
  model: { type: "WordLevel", vocab, unk_token: "[UNK]" }
})

/** Write an exported-classifier folder: config.json, tokenizer files and the model (at the root or under onnx/). */
export const writeTinyOnnxFolder = (
  dir: string,
  w: TinyOnnx,
  opts: { readonly layout?: "root" | "onnx"; readonly settings?: object } = {}
): string => {
  fs.mkdirSync(path.join(dir, opts.layout === "onnx" ? "onnx" : ""), { recursive: true })
  const id2label = Object.fromEntries(Array.from({ length: CATEGORIES }, (_, i) => [String(i), `C${i + 1}`]))
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ architectures: ["TinyForSequenceClassification"], id2label, pad_token_id: w.vocab["[PAD]"] }))
  fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(wordLevelTokenizer(w.vocab)))
  fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ pad_token: "[PAD]", unk_token: "[UNK]" }))
  fs.writeFileSync(path.join(dir, opts.layout === "onnx" ? "onnx/model.onnx" : "model.onnx"), tinyOnnxBytes(w))
  if (opts.settings) fs.writeFileSync(path.join(dir, "duoguard.json"), JSON.stringify(opts.settings))
  return dir
}

/** By hand: the logits of a text's token ids. */
export const handLogits = (w: TinyOnnx, ids: ReadonlyArray<number>): Array<number> =>
  Array.from({ length: CATEGORIES }, (_, c) => ids.reduce((s, id) => s + w.embedding[id * CATEGORIES + c], w.bias[c]))
