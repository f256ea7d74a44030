#!/usr/bin/env python3
"""Train a small CNN on scikit-learn's bundled 8x8 digits data set with PyTorch,
export it with torch's (TorchScript-based) ONNX exporter, and record test data,
calibration data and onnxruntime reference outputs.

Run from the repo root:  python3 Tests/Fixtures/make_digits.py
"""
import collections
import json
import os
import random

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "digits")

EPOCHS = 40
BATCH = 32
LR = 1e-3


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.pool = nn.MaxPool2d(2)
        self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
        self.act3 = nn.ReLU6()  # exported as Clip(0, 6)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.pool(x)
        x = self.act3(self.conv3(x))
        # view(x.size(0), -1): with a dynamic batch this exports as a real
        # Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain.
        x = x.view(x.size(0), -1)
        x = torch.relu(self.fc1(x))
        x = self.drop(x)
        return self.fc2(x)


def op_histogram(model):
    return dict(sorted(collections.Counter(n.op_type for n in model.graph.node).items(),
                       key=lambda kv: (-kv[1], kv[0])))


def ort_session(path):
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])


def main():
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)

    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y)
    print("train %d  test %d" % (len(X_train), len(X_test)))

    # ---- train -------------------------------------------------------------
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X_train), torch.from_numpy(y_train)
    Xv, yv = torch.from_numpy(X_test), torch.from_numpy(y_test)
    gen = torch.Generator().manual_seed(0)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(Xt), generator=gen)
        total = 0.0
        for i in range(0, len(Xt), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            model.eval()
            with torch.no_grad():
                acc = float((model(Xv).argmax(1) == yv).float().mean())
            print("epoch %2d  loss %.4f  torch test acc %.4f" % (epoch + 1, total / len(Xt), acc))
    model.eval()
    with torch.no_grad():
        torch_acc = float((model(Xv).argmax(1) == yv).float().mean())
    print("torch fp32 test accuracy: %.4f" % torch_acc)
    if torch_acc < 0.97:
        raise SystemExit("accuracy below 97%")

    # ---- export ------------------------------------------------------------
    static_path = os.path.join(OUT, "digits_cnn.onnx")
    dynamic_path = os.path.join(OUT, "digits_cnn_dynamic.onnx")
    dummy = torch.from_numpy(X_test[:1])
    torch.onnx.export(model, (dummy,), static_path, dynamo=False, opset_version=13,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True)
    torch.onnx.export(model, (dummy,), dynamic_path, dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m_static = onnx.load(static_path)
    m_dynamic = onnx.load(dynamic_path)
    onnx.checker.check_model(m_static, full_check=True)
    onnx.checker.check_model(m_dynamic, full_check=True)
    h_static, h_dynamic = op_histogram(m_static), op_histogram(m_dynamic)
    print("digits_cnn.onnx         (opset 13) ops:", h_static)
    print("digits_cnn_dynamic.onnx (opset 17) ops:", h_dynamic)
    for op in ("Shape", "Gather", "Concat", "Reshape"):
        if op not in h_dynamic:
            raise SystemExit("dynamic export lacks a %s node" % op)
    in_dim0 = m_dynamic.graph.input[0].type.tensor_type.shape.dim[0]
    if in_dim0.dim_param != "batch":
        raise SystemExit("dynamic export: input dim 0 is not symbolic 'batch'")

    # ---- data files ----------------------------------------------------------
    np.savez(os.path.join(OUT, "digits_test.npz"), input=X_test, labels=y_test)
    np.savez(os.path.join(OUT, "digits_calib.npz"), input=np.ascontiguousarray(X_train[:200]))
    np.save(os.path.join(OUT, "digits_sample.npy"), np.ascontiguousarray(X_test[:1]))

    s_static, s_dynamic = ort_session(static_path), ort_session(dynamic_path)

    def run_static(xs):
        return np.concatenate([s_static.run(["logits"], {"input": xs[i:i + 1]})[0] for i in range(len(xs))])

    ref_in = np.ascontiguousarray(X_test[:32])
    ref_dyn = s_dynamic.run(["logits"], {"input": ref_in})[0]
    ref_static = run_static(ref_in)
    np.savez(os.path.join(OUT, "digits_reference.npz"), input=ref_in,
             logits=ref_dyn.astype(np.float32), logits_static=ref_static.astype(np.float32))
    with torch.no_grad():
        ref_torch = model(torch.from_numpy(ref_in)).numpy()
    print("reference: max|dyn - static| = %.3g  max|ort - torch| = %.3g" % (
        np.abs(ref_dyn - ref_static).max(), np.abs(ref_dyn - ref_torch).max()))

    acc_dyn = float((s_dynamic.run(["logits"], {"input": X_test})[0].argmax(1) == y_test).mean())
    acc_static = float((run_static(X_test).argmax(1) == y_test).mean())
    print("onnxruntime fp32 test accuracy: dynamic %.4f  static %.4f" % (acc_dyn, acc_static))

    metrics = {
        "dataset": "sklearn.datasets.load_digits (1797 samples, 8x8, 10 classes)",
        "preprocessing": "X = images / 16.0 as float32, shape [N,1,8,8]",
        "split": "train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)",
        "n_train": int(len(X_train)),
        "n_test": int(len(X_test)),
        "n_calib": 200,
        "calib": "first 200 samples of the train split",
        "n_reference": 32,
        "reference": "first 32 test samples",
        "torch_fp32_test_accuracy": torch_acc,
        "ort_fp32_test_accuracy": {
            "digits_cnn.onnx": acc_static,
            "digits_cnn_dynamic.onnx": acc_dyn,
        },
        "opset": {"digits_cnn.onnx": 13, "digits_cnn_dynamic.onnx": 17},
        "op_histogram": {"digits_cnn.onnx": h_static, "digits_cnn_dynamic.onnx": h_dynamic},
        "training": {"optimizer": "Adam", "lr": LR, "epochs": EPOCHS, "batch": BATCH, "seed": 0},
        "versions": {
            "torch": torch.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": ort.__version__,
            "numpy": np.__version__,
        },
    }
    with open(os.path.join(OUT, "digits_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
