"""Export a Hugging Face sequence classifier with 12 sigmoid outputs (e.g. DuoGuard/DuoGuard-0.5B)
to the ONNX guard folder duoguard-ts runs (src/guard/onnx/folder.ts): config.json, tokenizer files,
model.onnx (inputs input_ids / attention_mask int64 [batch, sequence], output logits [batch, 12])
and duoguard.json (max length). Needs torch and transformers; checks the export with onnxruntime
when it is installed. Not run in this repository's tests (no PyTorch there).

  python scripts/export_hf_onnx.py --model DuoGuard/DuoGuard-0.5B --tokenizer Qwen/Qwen2.5-0.5B --out duoguard-0.5b-onnx
"""
import argparse
import json
import os

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


class Logits(torch.nn.Module):
    """The classifier with the two inputs and the one output the folder layout names."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--tokenizer", help="default: the model's own")
    p.add_argument("--out", required=True)
    p.add_argument("--max-length", type=int, default=512)
    args = p.parse_args()

    tok = AutoTokenizer.from_pretrained(args.tokenizer or args.model)
    if tok.pad_token is None:  # DuoGuard's card pads with Qwen's end-of-text token
        tok.pad_token = tok.eos_token
    model = AutoModelForSequenceClassification.from_pretrained(args.model, torch_dtype=torch.float32).eval()
    if model.config.num_labels != 12:
        raise SystemExit(f"{args.model} has {model.config.num_labels} outputs, expected 12 (C1..C12)")
    # Qwen2ForSequenceClassification pools the last token that is not padding.
    model.config.pad_token_id = tok.pad_token_id

    os.makedirs(args.out, exist_ok=True)
    sample = tok(["a short text", "a somewhat longer text, so that the batch is padded"], padding=True, return_tensors="pt")
    inputs = (sample["input_ids"], sample["attention_mask"])
    torch.onnx.export(
        Logits(model), inputs, os.path.join(args.out, "model.onnx"),
        input_names=["input_ids", "attention_mask"], output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}},
        opset_version=17,
    )
    model.config.save_pretrained(args.out)
    tok.save_pretrained(args.out)
    with open(os.path.join(args.out, "duoguard.json"), "w") as f:
        json.dump({"maxLength": args.max_length}, f)

    try:
        import onnxruntime as ort
    except ImportError:
        print(f"wrote {args.out} (onnxruntime not installed: export not checked)")
        return
    with torch.no_grad():
        expected = Logits(model)(*inputs).numpy()
    got = ort.InferenceSession(os.path.join(args.out, "model.onnx")).run(
        ["logits"], {"input_ids": inputs[0].numpy(), "attention_mask": inputs[1].numpy()})[0]
    print(f"wrote {args.out}; max |torch - onnxruntime| logit difference {abs(expected - got).max():.2e}")


if __name__ == "__main__":
    main()
