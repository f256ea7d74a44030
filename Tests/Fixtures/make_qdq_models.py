#!/usr/bin/env python3
"""QDQ models made by onnxruntime's static quantizer from the digits CNN, with onnxruntime's
outputs on the test split: the test that edgec compiles pre-quantized models with the scales
they carry.

Writes qdq/digits_s8s8.onnx (int8 activations and weights) and qdq/digits_u8s8.onnx (uint8
activations, int8 weights), both per-channel QDQ calibrated with MinMax on digits_calib.npz, and
qdq/digits_s8s8_logits.npy / qdq/digits_u8s8_logits.npy: onnxruntime's logits [450, 10] for
digits_test.npz (one sample at a time, graph optimizations off).

Run from the repo root:  python3 Tests/Fixtures/make_qdq_models.py
"""
import os

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "digits")
OUT = os.path.join(HERE, "qdq")


class Reader(CalibrationDataReader):
    def __init__(self, samples):
        self.samples = iter([{"input": s[None]} for s in samples])

    def get_next(self):
        return next(self.samples, None)


def onnxruntime_logits(path, samples):
    """onnxruntime's outputs for each sample run alone, single-threaded, graph optimizations off."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return np.concatenate([session.run(None, {"input": x[None]})[0] for x in samples]).astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    calib = np.load(os.path.join(DIGITS, "digits_calib.npz"))["input"]
    test = np.load(os.path.join(DIGITS, "digits_test.npz"))["input"]
    for name, activations in [("digits_s8s8", QuantType.QInt8), ("digits_u8s8", QuantType.QUInt8)]:
        path = os.path.join(OUT, name + ".onnx")
        quantize_static(os.path.join(DIGITS, "digits_cnn.onnx"), path, Reader(calib), quant_format=QuantFormat.QDQ,
                        activation_type=activations, weight_type=QuantType.QInt8, per_channel=True)
        logits = onnxruntime_logits(path, test)
        np.save(os.path.join(OUT, name + "_logits.npy"), logits)
        print(name, os.path.getsize(path), "bytes, logits", logits.shape)


if __name__ == "__main__":
    main()
