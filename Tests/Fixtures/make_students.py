#!/usr/bin/env python3
"""An untrained student for distillation on the 8x8 digits task: a CNN a twelfth the size of the
teacher (digits/digits_cnn.onnx, 47,530 parameters), seeded and exported as it comes from its
initializers, for `edgec distill` and `edgec train` to train.

Writes digits/digits_student.onnx: Conv(1->8, 3x3, pad 1) + BatchNorm + ReLU, MaxPool 2,
Conv(8->16, 3x3, pad 1) + ReLU, Flatten, Linear(256 -> 10); 3,834 parameters. Input `input`
[batch,1,8,8], output `logits` [batch,10], batch symbolic (`batch`), opset 17, TorchScript-based
exporter. Exported in eval mode with training=TrainingMode.PRESERVE and no constant folding, so
BatchNormalization stays a node (inference form, running mean 0 and variance 1) rather than being
folded into the convolution: a trainer then has a BatchNormalization to train. The exporter's
Identity nodes that tie the running statistics to the equal-valued BatchNorm weight and bias are
replaced by initializers of their own.

Also writes bad/student_5_classes.onnx, the same student with 5 outputs: `edgec distill` must
refuse it beside the 10-class teacher.

Run from the repo root:  python3 Tests/Fixtures/make_students.py
"""
import collections
import os
import random

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "digits")
MAX_PARAMETERS = 4700


class DigitsStudent(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 4 * 4, classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = torch.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))  # a Flatten node, whatever the batch


def untie_initializers(m):
    """The exporter stores equal tensors once: the untrained BatchNorm's running variance (ones) and
    mean (zeros) come out as Identity nodes reading its weight and bias, which would tie the
    statistics to the trained parameters. Give each its own initializer instead."""
    initializers = {t.name: t for t in m.graph.initializer}
    kept = []
    for node in m.graph.node:
        if node.op_type == "Identity" and node.input[0] in initializers:
            copy = onnx.TensorProto()
            copy.CopyFrom(initializers[node.input[0]])
            copy.name = node.output[0]
            m.graph.initializer.append(copy)
        else:
            kept.append(node)
    del m.graph.node[:]
    m.graph.node.extend(kept)
    return m


def main():
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)

    model = DigitsStudent().eval()
    parameters = sum(p.numel() for p in model.parameters())
    print("digits_student: %d parameters" % parameters)
    if parameters > MAX_PARAMETERS:
        raise SystemExit("the student has more than %d parameters" % MAX_PARAMETERS)

    path = os.path.join(OUT, "digits_student.onnx")
    dummy = torch.zeros(1, 1, 8, 8)
    torch.onnx.export(model, (dummy,), path, dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["logits"], do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = untie_initializers(onnx.load(path))
    onnx.save(m, path)
    onnx.checker.check_model(m, full_check=True)
    ops = dict(sorted(collections.Counter(n.op_type for n in m.graph.node).items()))
    print("digits_student.onnx (opset 17) ops:", ops)
    if "BatchNormalization" not in ops:
        raise SystemExit("the export folded BatchNormalization away")
    if m.graph.input[0].type.tensor_type.shape.dim[0].dim_param != "batch":
        raise SystemExit("input dim 0 is not symbolic 'batch'")
    stored = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    print("initializer elements (parameters + BatchNorm running mean and variance): %d" % stored)

    x = np.load(os.path.join(OUT, "digits_test.npz"))["input"][:5]
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    logits = session.run(["logits"], {"input": x})[0]
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    print("onnxruntime: logits %s, max|ort - torch| = %.3g" % (logits.shape, np.abs(logits - expected).max()))
    if logits.shape != (5, 10) or not np.allclose(logits, expected, atol=1e-5):
        raise SystemExit("onnxruntime disagrees with torch")

    mismatched = os.path.join(HERE, "bad", "student_5_classes.onnx")
    torch.onnx.export(DigitsStudent(classes=5).eval(), (dummy,), mismatched, dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print("bad/student_5_classes.onnx: output [batch, 5]")


if __name__ == "__main__":
    main()
