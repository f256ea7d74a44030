#!/usr/bin/env python3
"""Runs an ONNX model with onnxruntime (CPU, one thread, graph optimizations off) on the arrays of
an .npz and writes its outputs to an .npz. The Swift tests call it to check models that edgec
writes (the QDQ export) against an independent runtime.

Arrays with one more leading dimension than the model's batch-1 input run sample by sample and
the outputs are stacked.

    python3 Tests/Fixtures/run_onnxruntime.py model.onnx inputs.npz outputs.npz
"""
import sys

import numpy as np
import onnxruntime as ort


def main():
    model, inputs_path, outputs_path = sys.argv[1:4]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    arrays = dict(np.load(inputs_path))
    declared = {i.name: i.shape for i in session.get_inputs()}
    names = [o.name for o in session.get_outputs()]
    first = next(iter(declared))
    batch_one = declared[first] and declared[first][0] == 1 and arrays[first].shape[0] != 1
    if batch_one:
        count = arrays[first].shape[0]
        runs = [session.run(names, {k: v[i:i + 1] for k, v in arrays.items() if k in declared}) for i in range(count)]
        outputs = {n: np.concatenate([r[j] for r in runs]) for j, n in enumerate(names)}
    else:
        results = session.run(names, {k: v for k, v in arrays.items() if k in declared})
        outputs = dict(zip(names, results))
    np.savez(outputs_path, **outputs)


if __name__ == "__main__":
    main()
