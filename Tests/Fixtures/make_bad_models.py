#!/usr/bin/env python3
"""Malformed or unsupported models for the compiler's error-path tests.
See bad/README.md for the error each file should produce.

Needs digits/digits_cnn.onnx (run make_digits.py first).
Run from the repo root:  python3 Tests/Fixtures/make_bad_models.py
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "bad")
DIGITS = os.path.join(HERE, "digits", "digits_cnn.onnx")


def f32(rng, *shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def model(nodes, inputs, outputs, inits=(), opset=13, ir_version=8, extra_opsets=(), name="bad"):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              initializer=[numpy_helper.from_array(a, n) for n, a in inits])
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="edgec-fixtures")
    m.ir_version = ir_version
    return m


def vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def save(m, name):
    # onnx.save_model does not run the checker, so invalid graphs are written as-is.
    onnx.save_model(m, os.path.join(OUT, name))


def diagnose(name):
    """Print what onnx and onnxruntime make of the file (for the README)."""
    path = os.path.join(OUT, name)
    try:
        m = onnx.load(path)
        msg = "parses (%d nodes)" % len(m.graph.node)
        try:
            onnx.checker.check_model(m, full_check=True)
            msg += ", checker ok"
        except Exception as e:  # noqa: BLE001
            msg += ", checker: %s" % str(e).strip().splitlines()[0][:110]
    except Exception as e:  # noqa: BLE001
        msg = "onnx.load fails: %s" % str(e).strip().splitlines()[0][:110]
    try:
        so = ort.SessionOptions()
        so.log_severity_level = 4
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        feeds = {i.name: np.zeros([d if isinstance(d, int) else 2 for d in i.shape], np.float32)
                 for i in sess.get_inputs()}
        try:
            sess.run(None, feeds)
            msg += " | ORT loads and runs"
        except Exception as e:  # noqa: BLE001
            msg += " | ORT loads, run fails: %s" % str(e).replace(path, name).strip().replace("\n", " ")[:140]
    except Exception as e:  # noqa: BLE001
        msg += " | ORT: %s" % str(e).replace(path, name).strip().replace("\n", " ")[:140]
    print("%-26s %s" % (name, msg))


def window_variant_models():
    """Conv, ConvTranspose and Resize variants edgec refuses rather than mis-runs (each node named)."""
    rng = np.random.default_rng(1)
    save(model([helper.make_node("Conv", ["x", "W"], ["y"], name="conv4d")],
               [vi("x", [1, 1, 3, 3, 3, 3])], [vi("y", [1, 1, 2, 2, 2, 2])], inits=[("W", f32(rng, 1, 1, 2, 2, 2, 2))]), "conv_4d.onnx")
    save(model([helper.make_node("ConvTranspose", ["x", "W"], ["y"], name="upsample", strides=[2, 2], auto_pad="VALID", output_shape=[8, 9])],
               [vi("x", [1, 1, 4, 5])], [vi("y", [1, 1, 8, 9])], inits=[("W", f32(rng, 1, 1, 3, 3))]), "convtranspose_valid_output_shape.onnx")
    save(model([helper.make_node("Resize", ["x", "", "scales"], ["y"], name="shrink", mode="nearest", antialias=1)],
               [vi("x", [1, 1, 8, 8])], [vi("y", [1, 1, 4, 4])], inits=[("scales", np.array([1, 1, 0.5, 0.5], dtype=np.float32))], opset=18),
         "resize_antialias_nearest.onnx")
    save(model([helper.make_node("Resize", ["x", "roi", "scales"], ["y"], name="crop", mode="cubic", coordinate_transformation_mode="tf_crop_and_resize")],
               [vi("x", [1, 1, 8, 8])], [vi("y", [1, 1, 8, 8])],
               inits=[("roi", np.array([0, 0, 0.1, 0.1, 1, 1, 0.9, 0.9], dtype=np.float32)), ("scales", np.array([1, 1, 1, 1], dtype=np.float32))]),
         "resize_tf_crop_and_resize.onnx")


def main():
    if not os.path.exists(DIGITS):
        raise SystemExit("missing %s: run make_digits.py first" % os.path.relpath(DIGITS, HERE))
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    digits = open(DIGITS, "rb").read()

    # 1. truncated protobuf
    with open(os.path.join(OUT, "truncated.onnx"), "wb") as f:
        f.write(digits[: int(len(digits) * 0.6)])
    # 2. corrupt header
    with open(os.path.join(OUT, "corrupt.onnx"), "wb") as f:
        f.write(b"\xff" * 16 + digits[16:])
    # 3. not a model at all
    with open(os.path.join(OUT, "not_a_model.onnx"), "wb") as f:
        f.write(b"hello, I am not a model\n")

    # 4. cycle: a = Add(x, b); b = Relu(a)
    save(model([helper.make_node("Add", ["x", "b"], ["a"], name="A"),
                helper.make_node("Relu", ["a"], ["b"], name="B")],
               [vi("x", [1, 4])], [vi("a", [1, 4])]), "cycle.onnx")

    # 5. Conv weight "W" is not an initializer, graph input or node output
    save(model([helper.make_node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1], name="conv")],
               [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 8, 8])],
               inits=[("B", f32(rng, 4))]), "missing_initializer.onnx")

    # 6. custom-domain op
    save(model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                helper.make_node("Frobnicate", ["r"], ["y"], domain="com.example.custom",
                                 name="frob", strength=3)],
               [vi("x", [1, 4])], [vi("y", [1, 4])],
               extra_opsets=[("com.example.custom", 1)]), "unknown_domain.onnx")

    # 7. Conv weight with 5 input channels, input has 3
    save(model([helper.make_node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1], name="conv")],
               [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 8, 8])],
               inits=[("W", f32(rng, 4, 5, 3, 3)), ("B", f32(rng, 4))]), "shape_mismatch.onnx")

    # 8. Add [1,3,4] + [5]: not broadcastable
    save(model([helper.make_node("Add", ["x", "b"], ["y"], name="add")],
               [vi("x", [1, 3, 4])], [vi("y", [1, 3, 4])],
               inits=[("b", f32(rng, 5))]), "add_mismatch.onnx")

    # 9. symbolic batch dimension (valid; runs once batch is bound)
    dyn = model([helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1], name="conv"),
                 helper.make_node("Relu", ["c"], ["y"], name="relu")],
                [vi("x", ["batch", 3, 8, 8])], [vi("y", ["batch", 4, 8, 8])],
                inits=[("W", f32(rng, 4, 3, 3, 3)), ("B", f32(rng, 4))])
    onnx.checker.check_model(dyn, full_check=True)
    save(dyn, "dynamic_dim.onnx")
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    sess = ort.InferenceSession(dyn.SerializeToString(), providers=["CPUExecutionProvider"])
    np.save(os.path.join(OUT, "dynamic_dim_input.npy"), x)
    np.save(os.path.join(OUT, "dynamic_dim_expected.npy"), sess.run(["y"], {"x": x})[0])

    # 10. supported Relu mixed with unsupported Hardmax, an LSTM variant (cell clipping) and an Einsum
    # taking a diagonal (valid model)
    hidden = 5
    unsup = model(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"),
         helper.make_node("Hardmax", ["r"], ["hardmax_y"], axis=-1, name="hardmax"),
         helper.make_node("LSTM", ["r", "W", "R", "B"], ["lstm_y"], hidden_size=hidden, clip=3.0, name="lstm"),
         helper.make_node("Einsum", ["r", "D"], ["einsum_y"], equation="sbi,ii->sbi", name="einsum")],
        [vi("x", [1, 4, 8])],
        [vi("hardmax_y", [1, 4, 8]), vi("lstm_y", [1, 1, 4, hidden]), vi("einsum_y", [1, 4, 8])],
        inits=[("W", f32(rng, 1, 4 * hidden, 8)), ("R", f32(rng, 1, 4 * hidden, hidden)),
               ("B", f32(rng, 1, 8 * hidden)), ("D", np.eye(8, dtype=np.float32))])
    onnx.checker.check_model(unsup, full_check=True)
    save(unsup, "unsupported_ops.onnx")

    # 11./12. opset out of range
    relu = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save(model(relu, [vi("x", [1, 4])], [vi("y", [1, 4])], opset=7, ir_version=3), "old_opset.onnx")
    save(model(relu, [vi("x", [1, 4])], [vi("y", [1, 4])], opset=23, ir_version=11), "future_opset.onnx")

    # 13.-17. operators added with the operator definitions, and quantization in the graph
    save(model([helper.make_node("ReduceMax", ["x"], ["m"], keepdims=0, name="max"),
                helper.make_node("Cast", ["m"], ["limit"], to=TensorProto.INT64, name="cast"),
                helper.make_node("Range", ["zero", "limit", "one"], ["y"], name="range")],
               [vi("x", [4])], [vi("y", [None], TensorProto.INT64)],
               inits=[("zero", np.array(0, dtype=np.int64)), ("one", np.array(1, dtype=np.int64))]), "range_dynamic.onnx")
    save(model([helper.make_node("Range", ["zero", "limit", "step"], ["r"], name="range"),
                helper.make_node("Add", ["x", "r"], ["y"], name="add")],
               [vi("x", [1])], [vi("y", [None])],
               inits=[("zero", np.array(0, dtype=np.float32)), ("limit", np.array(4, dtype=np.float32)),
                      ("step", np.array(0, dtype=np.float32))]), "range_zero_delta.onnx")
    save(model([helper.make_node("PRelu", ["x", "slope"], ["y"], name="prelu")],
               [vi("x", [1, 3, 4, 4])], [vi("y", [1, 3, 4, 4])], inits=[("slope", f32(rng, 4, 1, 1))], opset=16),
         "prelu_slope_mismatch.onnx")
    save(model([helper.make_node("Abs", ["x"], ["s"], name="abs"),
                helper.make_node("ReduceMax", ["s"], ["scale"], keepdims=0, name="max"),
                helper.make_node("QuantizeLinear", ["x", "scale", "zero"], ["q"], name="quantize"),
                helper.make_node("DequantizeLinear", ["q", "scale", "zero"], ["y"], name="dequantize")],
               [vi("x", [4])], [vi("y", [4])], inits=[("zero", np.array(0, dtype=np.int8))]), "qdq_dynamic_scale.onnx")
    save(model([helper.make_node("DequantizeLinear", ["w", "scales", "zeros"], ["wf"], axis=0, name="dequantize"),
                helper.make_node("Mul", ["x", "wf"], ["y"], name="mul")],
               [vi("x", [2, 3])], [vi("y", [2, 3])],
               inits=[("w", np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int8)), ("scales", np.array([0.5, 0.25], dtype=np.float32)),
                      ("zeros", np.array([0], dtype=np.int8))]), "qdq_zero_point_count.onnx")

    # 18.-20. onnxruntime's quantized operators: a QLinearConv scale computed at run time, a
    # zero point of the wrong type, a contrib quantized operator edgec does not read
    def qlinearconv(x_scale, x_zero, extra_nodes=(), extra_inits=()):
        nodes = list(extra_nodes) + [
            helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="quantize"),
            helper.make_node("QLinearConv", ["xq", x_scale, x_zero, "w", "ws", "wz", "s", "z"], ["yq"], name="conv"),
            helper.make_node("DequantizeLinear", ["yq", "s", "z"], ["y"], name="dequantize")]
        inits = [("s", np.array(0.05, dtype=np.float32)), ("z", np.array(128, dtype=np.uint8)),
                 ("w", rng.integers(-127, 128, size=(2, 1, 3, 3)).astype(np.int8)),
                 ("ws", np.array(0.01, dtype=np.float32)), ("wz", np.array(0, dtype=np.int8))] + list(extra_inits)
        return model(nodes, [vi("x", [1, 1, 4, 4])], [vi("y", [1, 2, 2, 2])], inits=inits)
    save(qlinearconv("runtime_scale", "z", [helper.make_node("Abs", ["x"], ["a"], name="abs"),
                                            helper.make_node("ReduceMax", ["a"], ["runtime_scale"], keepdims=0, name="max")]),
         "qlinearconv_dynamic_scale.onnx")
    save(qlinearconv("s", "z32", extra_inits=[("z32", np.array(128, dtype=np.int32))]), "qlinearconv_zero_point_type.onnx")
    def quantized_unary(node, shape):
        return model([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="quantize"), node,
                      helper.make_node("DequantizeLinear", ["yq", "s", "z"], ["y"], name="dequantize")],
                     [vi("x", shape)], [vi("y", shape)], extra_opsets=[("com.microsoft", 1)],
                     inits=[("s", np.array(0.05, dtype=np.float32)), ("z", np.array(128, dtype=np.uint8))])
    # A Softmax of opset 12 over axis 1 of a [2, 3, 4] tensor normalizes 12 values; opset 13's, 3.
    save(quantized_unary(helper.make_node("QLinearSoftmax", ["xq", "s", "z", "s", "z"], ["yq"], domain="com.microsoft", axis=1, opset=12, name="softmax"),
                         [2, 3, 4]), "qlinearsoftmax_other_opset_axis.onnx")
    save(quantized_unary(helper.make_node("QLinearSoftmax", ["xq", "s", "z", "s", "z"], ["yq"], domain="com.microsoft", axis=-1, name="softmax"),
                         [2, 4]), "qlinearsoftmax_without_opset.onnx")
    save(quantized_unary(helper.make_node("QLinearReduceMean", ["xq", "s", "z", "s", "z"], ["yq"], domain="com.microsoft", axes=[1], keepdims=1, name="mean"),
                         [2, 4]), "qlinearreducemean_unsupported.onnx")

    # 22.-23. operators edgec runs only on values known at compile time: an If whose condition
    # and a NonZero whose input depend on the input's values
    save(model([helper.make_node("ReduceSum", ["x"], ["total"], keepdims=0, name="sum"),
                helper.make_node("Greater", ["total", "zero"], ["positive"], name="greater"),
                helper.make_node("If", ["positive"], ["y"], name="branch",
                                 then_branch=helper.make_graph([helper.make_node("Relu", ["x"], ["then_y"], name="relu")], "then", [], [vi("then_y", [4])]),
                                 else_branch=helper.make_graph([helper.make_node("Neg", ["x"], ["else_y"], name="negate")], "else", [], [vi("else_y", [4])]))],
               [vi("x", [4])], [vi("y", [4])], inits=[("zero", np.array(0, dtype=np.float32))]), "if_runtime_condition.onnx")
    save(model([helper.make_node("NonZero", ["x"], ["y"], name="nonzero")],
               [vi("x", [2, 3])], [vi("y", [2, None], TensorProto.INT64)]), "nonzero_runtime.onnx")

    window_variant_models()

    for name in sorted(os.listdir(OUT)):
        if name.endswith(".onnx"):
            diagnose(name)
    for name in sorted(os.listdir(OUT)):
        print("%-26s %7d bytes" % (name, os.path.getsize(os.path.join(OUT, name))))


if __name__ == "__main__":
    main()
