#!/usr/bin/env python3
"""A digits CNN trained with PyTorch's quantization-aware training and exported as PyTorch exports
QAT models (torch.ao.quantization, fbgemm's QAT qconfig with FakeQuantize, torch.onnx.export of the
fake-quantized model at opset 13): QuantizeLinear/DequantizeLinear pairs whose zero points pass
through Identity nodes, and a Clip of the quantized integers to the observer's reduced range
(uint8 0..127) between each pair. The test that edgec compiles it straight to int8 with its scales.

Writes, in prequant/:
  digits_torch_qat.onnx         Conv-BN-ReLU x2 (fused for QAT), global average pool, Linear;
                                trained 8 epochs on digits_train.npz with fake quantization
  digits_torch_qat_logits.npy   onnxruntime's logits [450, 10] for digits_test.npz, one sample at
                                a time, graph optimizations off
  digits_torch_qat_relu.onnx    the same network without BatchNormalization (Conv-ReLU fused for
                                QAT), and its _logits.npy

Needs torch (Tests/Fixtures/requirements.txt). Run from the repo root:
    python3 Tests/Fixtures/make_qat_export.py
"""
import os
import warnings

import numpy as np
import torch
import torch.nn as nn

from make_qdq_models import DIGITS, HERE, onnxruntime_logits

OUT = os.path.join(HERE, "prequant")


class DigitsNet(nn.Module):
    def __init__(self, batch_norm=True):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.dequant = torch.ao.quantization.DeQuantStub()
        norm = nn.BatchNorm2d if batch_norm else (lambda channels: nn.Identity())
        self.conv1, self.bn1, self.relu1 = nn.Conv2d(1, 8, 3, padding=1), norm(8), nn.ReLU()
        self.conv2, self.bn2, self.relu2 = nn.Conv2d(8, 16, 3, stride=2, padding=1), norm(16), nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.quant(x)
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.relu2(self.bn2(self.conv2(x)))
        return self.dequant(self.fc(torch.flatten(self.pool(x), 1)))


def export(name, batch_norm, train, test):
    torch.manual_seed(0)
    model = DigitsNet(batch_norm).train()
    # version 0: FakeQuantize modules, which export as QuantizeLinear/DequantizeLinear (the fused
    # observer of version 1 has no ONNX form).
    model.qconfig = torch.ao.quantization.get_default_qat_qconfig("fbgemm", version=0)
    groups = [["conv1", "bn1", "relu1"], ["conv2", "bn2", "relu2"]] if batch_norm else [["conv1", "relu1"], ["conv2", "relu2"]]
    torch.ao.quantization.fuse_modules_qat(model, groups, inplace=True)
    torch.ao.quantization.prepare_qat(model, inplace=True)
    x, y = torch.from_numpy(train["input"]), torch.from_numpy(train["labels"])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(8):
        for batch in torch.randperm(len(x)).split(32):
            loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    model.apply(torch.ao.quantization.disable_observer)
    model.apply(torch.nn.intrinsic.qat.freeze_bn_stats)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x[:1], path, opset_version=13, input_names=["input"], output_names=["logits"], dynamo=False)
    logits = onnxruntime_logits(path, test["input"])
    np.save(os.path.join(OUT, name + "_logits.npy"), logits)
    accuracy = (logits.argmax(1) == test["labels"]).mean()
    print("%s.onnx: onnxruntime top-1 %.2f%% on the 450 test digits" % (name, 100 * accuracy))


def main():
    warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation; requirements.txt pins torch for it
    torch.set_num_threads(1)  # one thread: the same sums in the same order, the same file
    train = np.load(os.path.join(DIGITS, "digits_train.npz"))
    test = np.load(os.path.join(DIGITS, "digits_test.npz"))
    os.makedirs(OUT, exist_ok=True)
    export("digits_torch_qat", True, train, test)
    export("digits_torch_qat_relu", False, train, test)


if __name__ == "__main__":
    main()
