#!/usr/bin/env python3
"""The digits CNN as onnxruntime's quantizer writes it outside the QDQ format, with onnxruntime's
outputs on the test split: the test that edgec compiles models that arrive quantized.

Writes, in prequant/:
  digits_qop_u8s8.onnx   quantize_static, QuantFormat.QOperator, uint8 activations, int8 weights
                         per channel, MinMax calibration on digits_calib.npz (QLinearConv, MaxPool and
                         Reshape on the quantized integers, com.microsoft QGemm)
  digits_qop_s8s8.onnx   the same with int8 activations
  digits_dynamic.onnx    quantize_dynamic, int8 weights (DynamicQuantizeLinear, ConvInteger,
                         MatMulInteger, Cast, Mul, Add)
  <name>_logits.npy      onnxruntime's logits [450, 10] for digits_test.npz, one sample at a time,
                         graph optimizations off

Run from the repo root:  python3 Tests/Fixtures/make_prequant_models.py
"""
import os

import numpy as np
from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic, quantize_static

from make_qdq_models import DIGITS, HERE, Reader, onnxruntime_logits

OUT = os.path.join(HERE, "prequant")


def main():
    os.makedirs(OUT, exist_ok=True)
    source = os.path.join(DIGITS, "digits_cnn.onnx")
    calib = np.load(os.path.join(DIGITS, "digits_calib.npz"))["input"]
    test = np.load(os.path.join(DIGITS, "digits_test.npz"))["input"]
    for name, activations in [("digits_qop_u8s8", QuantType.QUInt8), ("digits_qop_s8s8", QuantType.QInt8)]:
        quantize_static(source, os.path.join(OUT, name + ".onnx"), Reader(calib), quant_format=QuantFormat.QOperator,
                        activation_type=activations, weight_type=QuantType.QInt8, per_channel=True)
    quantize_dynamic(source, os.path.join(OUT, "digits_dynamic.onnx"), weight_type=QuantType.QInt8)
    for name in ["digits_qop_u8s8", "digits_qop_s8s8", "digits_dynamic"]:
        path = os.path.join(OUT, name + ".onnx")
        logits = onnxruntime_logits(path, test)
        np.save(os.path.join(OUT, name + "_logits.npy"), logits)
        print(name, os.path.getsize(path), "bytes, logits", logits.shape)


if __name__ == "__main__":
    main()
