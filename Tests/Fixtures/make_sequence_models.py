#!/usr/bin/env python3
"""Small versions of the real-model suite's sequence and transformer architectures, for CI (the
full-size ones run in .ci/benchmark-models): random weights (seed 0), exported by torch.onnx's
TorchScript exporter at opset 17, with onnxruntime goldens.

Writes suite/<name>.onnx and
    suite/<name>.npz        one sample: graph inputs keyed by input name, onnxruntime's outputs
                            keyed by output name
    suite/<name>_calib.npz  16 calibration samples per input, stacked on axis 0
    suite/<name>_test.npz   8 test samples per input, and onnxruntime fp32's outputs for them
and suite/models.json: per model, the SQNR (dB, worst output) of onnxruntime's own static
quantizer (QDQ, S8S8, per channel, the same calibration samples) on the test samples, the bar
edgec's int8 file is held to.
  bert_mini     transformers BertModel, 1 layer, hidden 32, 2 heads, token ids and an attention
                mask as int64 inputs [1, 8] (Gather embeddings, Where/Equal masks, LayerNorm, GELU)
  keyword_rnn   MFCC-like frames [1, 12, 10] -> 2-layer LSTM(16) -> bidirectional GRU(8) -> Linear(4)
  vit_micro     timm VisionTransformer, image 16x16, patch 4, dim 32, 1 block, 2 heads, 5 classes

Run from the repo root with torch, torchvision, timm and transformers installed (the versions of
Tests/Fixtures/requirements.txt):  python3 Tests/Fixtures/make_sequence_models.py
"""
import json
import logging
import os
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

warnings.filterwarnings("ignore")
ort.set_default_logger_severity(3)
logging.getLogger().setLevel(logging.ERROR)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "suite")


class Reader(CalibrationDataReader):
    def __init__(self, samples):
        self.samples = iter(samples)

    def get_next(self):
        return next(self.samples, None)


def sqnr(reference, x):
    reference, x = reference.astype(np.float64).ravel(), x.astype(np.float64).ravel()
    noise = ((reference - x) ** 2).sum()
    return float("inf") if noise == 0 else float(10 * np.log10((reference ** 2).sum() / noise))


def run(path, names, arrays):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    outputs = [o.name for o in session.get_outputs()]
    results = [session.run(None, {n: a[i:i + 1] for n, a in zip(names, arrays)}) for i in range(len(arrays[0]))]
    return outputs, [np.concatenate([r[k] for r in results]) for k in range(len(outputs))]


def finish(name, model, example, names, calib, test):
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, example, path, input_names=names, opset_version=17, dynamo=False)
    outputs, sample = run(path, names, [a[:1] for a in test])
    np.savez(os.path.join(OUT, name + ".npz"), **dict(zip(names, [a[:1] for a in test])), **dict(zip(outputs, sample)))
    np.savez(os.path.join(OUT, name + "_calib.npz"), **dict(zip(names, calib)))
    _, reference = run(path, names, test)
    np.savez(os.path.join(OUT, name + "_test.npz"), **dict(zip(names, test)), **dict(zip(outputs, reference)))
    quantized = os.path.join("/tmp", name + ".ort-qdq.onnx")
    samples = [{n: a[i:i + 1] for n, a in zip(names, calib)} for i in range(len(calib[0]))]
    quantize_static(path, quantized, Reader(samples), quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8, per_channel=True)
    _, theirs = run(quantized, names, test)
    os.remove(quantized)
    score = min(sqnr(r, t) for r, t in zip(reference, theirs))
    print(f"{name}: {os.path.getsize(path):,} B, onnxruntime int8 SQNR {score:.1f} dB")
    return {"name": name, "inputs": names, "outputs": outputs, "onnxruntime_int8_sqnr": round(score, 2)}


def bert_mini():
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=16, attn_implementation="eager")
    bert = BertModel(config, add_pooling_layer=False).eval()

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def tokens(seed, count):
        rng = np.random.default_rng(seed)
        lengths = rng.integers(4, 9, count)
        mask = (np.arange(8)[None, :] < lengths[:, None]).astype(np.int64)
        return rng.integers(1, 100, (count, 8)).astype(np.int64) * mask, mask

    example = (torch.zeros(1, 8, dtype=torch.int64), torch.ones(1, 8, dtype=torch.int64))
    return finish("bert_mini", Encoder().eval(), example, ["input_ids", "attention_mask"], list(tokens(1, 16)), list(tokens(2, 8)))


def keyword_rnn():
    torch.manual_seed(0)

    class KeywordSpotter(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(10, 16, num_layers=2, batch_first=True)
            self.gru = torch.nn.GRU(16, 8, batch_first=True, bidirectional=True)
            self.head = torch.nn.Linear(16, 4)

        def forward(self, frames):
            x, _ = self.lstm(frames)
            x, _ = self.gru(x)
            return self.head(x[:, -1, :])

    frames = lambda seed, count: np.random.default_rng(seed).normal(0, 1, (count, 12, 10)).astype(np.float32)
    return finish("keyword_rnn", KeywordSpotter().eval(), (torch.zeros(1, 12, 10),), ["frames"], [frames(1, 16)], [frames(2, 8)])


def vit_micro():
    from timm.models.vision_transformer import VisionTransformer
    torch.manual_seed(0)
    model = VisionTransformer(img_size=16, patch_size=4, embed_dim=32, depth=1, num_heads=2, num_classes=5).eval()
    images = lambda seed, count: np.random.default_rng(seed).normal(0, 1, (count, 3, 16, 16)).astype(np.float32)
    return finish("vit_micro", model, (torch.zeros(1, 3, 16, 16),), ["input"], [images(1, 16)], [images(2, 8)])


def main():
    os.makedirs(OUT, exist_ok=True)
    models = [bert_mini(), keyword_rnn(), vit_micro()]
    with open(os.path.join(OUT, "models.json"), "w") as f:
        json.dump(models, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
