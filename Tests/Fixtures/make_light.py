#!/usr/bin/env python3
"""Copy the "light" architecture models shipped inside the onnx package and
record onnxruntime golden outputs for a deterministic, formula-defined input.

Input formula (per non-initializer graph input with static shape, n elements,
flat C-order index i):
    x[i] = float32((i * 7919) % 1000) / float32(1000) - float32(0.5)
i.e. (np.arange(n, dtype=np.int64) * 7919 % 1000).astype(np.float32)
     / np.float32(1000) - np.float32(0.5), reshaped to the input's shape.

Run from the repo root:  python3 Tests/Fixtures/make_light.py
"""
import collections
import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "light")
SRC = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")

NAMES = [
    "bvlc_alexnet",
    "densenet121",
    "inception_v1",
    "inception_v2",
    "resnet50",
    "shufflenet",
    "squeezenet",
    "vgg19",
    "zfnet512",
]


def formula_input(shape):
    n = int(np.prod(shape, dtype=np.int64))
    x = (np.arange(n, dtype=np.int64) * 7919 % 1000).astype(np.float32) / np.float32(1000) - np.float32(0.5)
    return x.reshape(shape)


def dims(vi):
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in vi.type.tensor_type.shape.dim]


def run(path, feeds, optimize):
    so = ort.SessionOptions()
    if not optimize:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in NAMES:
        src = os.path.join(SRC, "light_%s.onnx" % name)
        dst = os.path.join(OUT, "%s.onnx" % name)
        shutil.copyfile(src, dst)
        model = onnx.load(dst)
        inits = {i.name for i in model.graph.initializer}
        feeds = {}
        for vi in model.graph.input:
            if vi.name in inits:
                continue
            shape = dims(vi)
            if not all(isinstance(d, int) and d > 0 for d in shape):
                raise SystemExit("%s: input %s has non-static shape %s" % (name, vi.name, shape))
            feeds[vi.name] = formula_input(shape)
        out_opt = run(dst, feeds, optimize=True)
        out_noopt = run(dst, feeds, optimize=False)
        diff = max(float(np.max(np.abs(out_opt[k] - out_noopt[k]))) for k in out_opt)
        np.savez(os.path.join(OUT, "%s.expected.npz" % name), **out_opt)

        opset = {o.domain or "ai.onnx": o.version for o in model.opset_import}
        hist = collections.Counter(n.op_type for n in model.graph.node)
        print("== %s  (ir_version %d, opset %s)" % (name, model.ir_version, opset))
        print("   inputs : %s" % [(k, list(v.shape)) for k, v in feeds.items()])
        print("   outputs: %s" % [(k, list(v.shape)) for k, v in out_opt.items()])
        print("   ops    : %s" % dict(sorted(hist.items(), key=lambda kv: -kv[1])))
        print("   max|out| = %.6g   max|opt - noopt| = %.3g" % (
            max(float(np.max(np.abs(v))) for v in out_opt.values()), diff))


if __name__ == "__main__":
    main()
