#!/usr/bin/env python3
"""A larger model for quantization fidelity: the light squeezenet (Tests/Fixtures/light) with
pseudo-random He-uniform weights in place of its constant 0.02 ones, up to its logits (the input
of the final Softmax), on pseudo-random images. Records onnxruntime's fp32 logits and the SQNR
of onnxruntime's own static int8 quantizer (QDQ, per-channel, percentile calibration on the same
samples) against them, so the Swift test holds edgec to at least that fidelity. Nothing large is
committed: the test regenerates the weights and images from the formulas below.

Formulas (both sides compute them in float32 exactly as written):
    xorshift32(s): s ^= s << 13; s ^= s >> 17; s ^= s << 5   (mod 2^32)
    stream(name): seed = FNV-1a 32 of the UTF-8 name (1 if 0); the k-th value (k = 0, 1, ...) is
        u_k = float32(s_k >> 8) / float32(2^24) * 2 - 1, where s_k is the state after k+1 steps
    weight W of a Conv (fan_in = C/group · kh · kw): W[i] = u_i(name) · float32(sqrt(6 / fan_in))
    bias b: b[i] = u_i(name) · float32(0.01)
    image j (j = 0 .. 11) of shape [1, 3, 224, 224]: x[i] = u_i("image/j") · float32(2)
Images 0-7 calibrate, images 8-11 are evaluated.

Run from the repo root:  python3 Tests/Fixtures/make_squeezenet_fidelity.py
"""
import json
import os
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper, version_converter
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "light", "squeezenet.onnx")
OUT = os.path.join(HERE, "fidelity")
CALIBRATION = range(0, 8)
EVALUATION = range(8, 12)


def fnv1a(name):
    h = 0x811C9DC5
    for byte in name.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h or 1


def stream(name, count):
    s = fnv1a(name)
    out = np.empty(count, dtype=np.uint32)
    for k in range(count):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[k] = s
    return (out >> 8).astype(np.float32) / np.float32(1 << 24) * np.float32(2) - np.float32(1)


def image(j):
    return (stream(f"image/{j}", 3 * 224 * 224) * np.float32(2)).reshape(1, 3, 224, 224)


def constant_value(name, producers, initializers):
    if name in initializers:
        return numpy_helper.to_array(initializers[name])
    return numpy_helper.to_array(next(a.t for a in producers[name].attribute if a.name == "value"))


def weight_shape(name, producers, initializers):
    """The shape of a Conv weight: an initializer, or the output of ConstantOfShape."""
    if name in initializers:
        return list(numpy_helper.to_array(initializers[name]).shape)
    producer = producers[name]
    assert producer.op_type == "ConstantOfShape", producer.op_type
    return [int(d) for d in constant_value(producer.input[0], producers, initializers)]


def randomized_model():
    model = onnx.load(SOURCE)
    graph = model.graph
    producers = {o: n for n in graph.node for o in n.output}
    initializers = {t.name: t for t in graph.initializer}
    replaced = {}
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        group = next((a.i for a in node.attribute if a.name == "group"), 1)
        weight = node.input[1]
        shape = weight_shape(weight, producers, initializers)
        fan_in = shape[1] * int(np.prod(shape[2:]))
        scale = np.float32(np.sqrt(6.0 / fan_in))
        replaced[weight] = (stream(weight, int(np.prod(shape))) * scale).reshape(shape)
        if len(node.input) > 2 and node.input[2]:
            bias = node.input[2]
            count = int(np.prod(numpy_helper.to_array(initializers[bias]).shape)) if bias in initializers else shape[0]
            replaced[bias] = (stream(bias, count) * np.float32(0.01)).reshape(-1)
    nodes = [n for n in graph.node if not (n.output[0] in replaced)]
    # The logits: drop the final Softmax.
    softmax = next(n for n in nodes if n.op_type == "Softmax")
    logits = softmax.input[0]
    nodes = [n for n in nodes if n is not softmax]
    kept = [t for t in graph.initializer if t.name not in replaced]
    new_initializers = kept + [numpy_helper.from_array(v, name) for name, v in replaced.items()]
    inputs = [i for i in graph.input if i.name not in replaced and i.name not in {t.name for t in graph.initializer}]
    used = {i for n in nodes for i in n.input}
    new_initializers = [t for t in new_initializers if t.name in used]
    out = helper.make_tensor_value_info(logits, onnx.TensorProto.FLOAT, [1, 1000, 1, 1])
    new_graph = helper.make_graph(nodes, graph.name, inputs, [out], new_initializers)
    result = helper.make_model(new_graph, opset_imports=model.opset_import)
    result.ir_version = max(model.ir_version, 7)  # initializers need not be graph inputs
    # Per-channel QDQ needs opset 13; the operators of this model mean the same in both.
    result = version_converter.convert_version(result, 13)
    onnx.checker.check_model(result)
    return result, inputs[0].name, logits


class Reader(CalibrationDataReader):
    def __init__(self, name):
        self.samples = iter([{name: image(j)} for j in CALIBRATION])

    def get_next(self):
        return next(self.samples, None)


def sqnr(reference, test):
    return float(10 * np.log10((reference.astype(np.float64) ** 2).sum() / ((reference.astype(np.float64) - test) ** 2).sum()))


def main():
    os.makedirs(OUT, exist_ok=True)
    model, input_name, logits = randomized_model()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    with tempfile.TemporaryDirectory() as work:
        fp32_path = os.path.join(work, "squeezenet_random.onnx")
        int8_path = os.path.join(work, "squeezenet_random.int8.onnx")
        onnx.save(model, fp32_path)
        session = ort.InferenceSession(fp32_path, options, providers=["CPUExecutionProvider"])
        fp32 = np.concatenate([session.run(None, {input_name: image(j)})[0] for j in EVALUATION])
        quantize_static(fp32_path, int8_path, Reader(input_name), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.Percentile, extra_options={"CalibPercentile": 99.99})
        quantized = ort.InferenceSession(int8_path, options, providers=["CPUExecutionProvider"])
        int8 = np.concatenate([quantized.run(None, {input_name: image(j)})[0] for j in EVALUATION])
        minmax_path = os.path.join(work, "squeezenet_random.minmax.onnx")
        quantize_static(fp32_path, minmax_path, Reader(input_name), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
        minmax = ort.InferenceSession(minmax_path, options, providers=["CPUExecutionProvider"])
        int8_minmax = np.concatenate([minmax.run(None, {input_name: image(j)})[0] for j in EVALUATION])
    np.save(os.path.join(OUT, "squeezenet_logits.npy"), fp32)
    summary = {
        "model": "light/squeezenet.onnx with the formula weights, up to the Softmax input",
        "input": input_name,
        "logits": logits,
        "calibration_images": list(CALIBRATION),
        "evaluation_images": list(EVALUATION),
        "onnxruntime_version": ort.__version__,
        "onnxruntime_int8_sqnr_percentile": sqnr(fp32, int8),
        "onnxruntime_int8_sqnr_minmax": sqnr(fp32, int8_minmax),
    }
    with open(os.path.join(OUT, "squeezenet_fidelity.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
