#!/usr/bin/env python3
"""Operator conformance suite: many tiny ONNX models built with onnx.helper,
each exercising one operator (or one variant of it), with golden outputs
computed by onnxruntime.

For every case this writes
    ops/<case>.onnx   the model (opset as named in the case)
    ops/<case>.npz    every graph input keyed by input name and every graph
                      output keyed by output name
and ops/cases.json lists {"case", "op", "opset", "note"} for all cases.

Weights are initializers drawn from N(0, 0.5^2); inputs from N(0, 1) unless a
case needs a restricted domain (e.g. Sqrt). Every case has its own generator,
np.random.default_rng([0, crc32(case_name)]), so adding or removing a case
does not change the data of the others.

Goldens come from onnxruntime with graph optimizations disabled (plain
kernels); the summary line also shows the max difference to a run with the
default optimizations.

Run from the repo root:  python3 Tests/Fixtures/make_op_cases.py
"""
import json
import math
import os
import zlib

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ops")

INT64_MAX = int(np.iinfo(np.int64).max)
INT64_MIN = int(np.iinfo(np.int64).min)

NP_TO_ONNX = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.bool_): TensorProto.BOOL,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.int8): TensorProto.INT8,
}


def ir_version_for(opset):
    if opset <= 18:
        return 8
    if opset <= 21:
        return 10
    return 11


def i64(values):
    return np.array(values, dtype=np.int64)


def f32(values):
    return np.array(values, dtype=np.float32)


class Case:
    def __init__(self, suite, name, op, opset, note):
        self.suite = suite
        self.name = name
        self.op = op
        self.opset = opset
        self.note = note
        self.rng = np.random.default_rng([0, zlib.crc32(name.encode())])
        self.inputs = []        # (name, array, dims or None)
        self.inits = []         # (name, array)
        self.nodes = []
        self.outputs = []       # (name, dims or None)
        # False for an op the checker refuses as deprecated at the case's opset although the
        # opset defines it and onnxruntime runs it (GroupNormalization-18).
        self.checked = True
        self.domains = {}       # other opset imports, e.g. {"com.microsoft": 1}
        self.output_types = {}  # outputs that are not float: name -> TensorProto type

    # ---- data --------------------------------------------------------------
    def randn(self, *shape):
        """Input data, N(0, 1)."""
        return self.rng.standard_normal(shape).astype(np.float32)

    def w(self, *shape, scale=0.5):
        """Weights, N(0, scale^2)."""
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def pos(self, *shape, lo=0.5):
        """Strictly positive data: |N(0,1)| + lo."""
        return (np.abs(self.rng.standard_normal(shape)) + lo).astype(np.float32)

    # ---- graph -------------------------------------------------------------
    def input(self, name, array, dims=None):
        self.inputs.append((name, np.ascontiguousarray(array), dims))
        return name

    def init(self, name, array):
        self.inits.append((name, np.asarray(array)))
        return name

    def node(self, op, inputs, outputs, **attrs):
        n = helper.make_node(op, list(inputs), list(outputs),
                             name="%s_%d" % (op, len(self.nodes)), **attrs)
        self.nodes.append(n)
        return n

    def const(self, output, array):
        """A Constant node (rather than an initializer) holding array."""
        arr = np.asarray(array)
        return self.node("Constant", [], [output], value=numpy_helper.from_array(arr, output))

    def output(self, name, dims=None):
        self.outputs.append((name, dims))
        return name

    # ---- context manager: finalize on exit --------------------------------
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.suite.finish(self)
        return False


def make_model(case, output_shapes):
    g_inputs = []
    for name, arr, dims in case.inputs:
        shape = dims if dims is not None else list(arr.shape)
        g_inputs.append(helper.make_tensor_value_info(name, NP_TO_ONNX[arr.dtype], shape))
    g_outputs = []
    for (name, dims), (elem, shape) in zip(case.outputs, output_shapes):
        g_outputs.append(helper.make_tensor_value_info(name, elem, dims if dims is not None else shape))
    inits = [numpy_helper.from_array(arr, name) for name, arr in case.inits]
    graph = helper.make_graph(case.nodes, case.name, g_inputs, g_outputs, initializer=inits)
    opsets = [helper.make_opsetid("", case.opset)] + [helper.make_opsetid(d, v) for d, v in sorted(case.domains.items())]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="edgec-fixtures")
    model.ir_version = ir_version_for(case.opset)
    return model


def run_ort(model_bytes, feeds, optimize):
    so = ort.SessionOptions()
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    so.log_severity_level = 3
    sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


class Suite:
    def __init__(self):
        self.cases = []
        self.names = set()

    def case(self, name, op, opset, note):
        if name in self.names:
            raise SystemExit("duplicate case name " + name)
        self.names.add(name)
        return Case(self, name, op, opset, note)

    def finish(self, c):
        if not c.outputs:
            for o in c.nodes[-1].output:
                c.output(o)
        feeds = {name: arr for name, arr, _ in c.inputs}
        # First pass: output shapes unknown (type only), to get ORT results.
        probe = make_model(c, [(c.output_types.get(n, TensorProto.FLOAT), None) for n, _ in c.outputs])
        res = run_ort(probe.SerializeToString(), feeds, optimize=False)
        shapes = [(NP_TO_ONNX[res[n].dtype], list(res[n].shape)) for n, _ in c.outputs]
        model = make_model(c, shapes)
        # The checker knows no contrib (com.microsoft) schemas and refuses GroupNormalization-18 as
        # deprecated; onnxruntime checks those cases.
        if c.checked:
            onnx.checker.check_model(model, full_check=not c.domains)
        data = model.SerializeToString()
        res = run_ort(data, feeds, optimize=False)
        res_opt = run_ort(data, feeds, optimize=True)
        diff = max(float(np.max(np.abs(res[k].astype(np.float64) - res_opt[k].astype(np.float64))))
                   if res[k].size else 0.0 for k in res)
        overlap = set(feeds) & set(res)
        if overlap:
            raise SystemExit("%s: input/output name clash %s" % (c.name, overlap))
        with open(os.path.join(OUT, c.name + ".onnx"), "wb") as f:
            f.write(data)
        arrays = dict(feeds)
        arrays.update(res)
        np.savez(os.path.join(OUT, c.name + ".npz"), **arrays)
        self.cases.append({"case": c.name, "op": c.op, "opset": c.opset, "note": c.note})
        ins = " ".join("%s%s" % (n, list(a.shape)) for n, a, _ in c.inputs)
        outs = " ".join("%s%s" % (n, list(res[n].shape)) for n, _ in c.outputs)
        mx = max(float(np.max(np.abs(v))) if v.size else 0.0 for v in res.values())
        print("%-44s %-20s opset %-2d  %s -> %s  max|y| %.4g  opt-diff %.2g"
              % (c.name, c.op, c.opset, ins, outs, mx, diff))


# ============================================================================
# Cases
# ============================================================================

def conv_cases(S):
    with S.case("conv_bias", "Conv", 11, "3x3, pads 1, with bias, kernel_shape given") as c:
        c.input("x", c.randn(1, 3, 8, 8))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    with S.case("conv_nobias", "Conv", 13, "3x3, no pads, no bias, no kernel_shape attr") as c:
        c.input("x", c.randn(2, 3, 7, 6))
        c.init("W", c.w(5, 3, 3, 3))
        c.node("Conv", ["x", "W"], ["y"])
    with S.case("conv_groups2", "Conv", 13, "group=2, pads 1, bias") as c:
        c.input("x", c.randn(1, 4, 7, 7))
        c.init("W", c.w(6, 2, 3, 3)); c.init("B", c.w(6))
        c.node("Conv", ["x", "W", "B"], ["y"], group=2, pads=[1, 1, 1, 1])
    with S.case("conv_depthwise", "Conv", 17, "depthwise: group=C=6, 3x3, pads 1, bias") as c:
        c.input("x", c.randn(1, 6, 8, 8))
        c.init("W", c.w(6, 1, 3, 3)); c.init("B", c.w(6))
        c.node("Conv", ["x", "W", "B"], ["y"], group=6, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    with S.case("conv_depthwise_mult2", "Conv", 13, "depthwise with channel multiplier 2: group=C=3, 6 out channels, stride 2") as c:
        c.input("x", c.randn(1, 3, 9, 9))
        c.init("W", c.w(6, 1, 3, 3)); c.init("B", c.w(6))
        c.node("Conv", ["x", "W", "B"], ["y"], group=3, strides=[2, 2], pads=[1, 1, 1, 1])
    with S.case("conv_pads_asym", "Conv", 11, "asymmetric pads [top=0,left=1,bottom=2,right=1]") as c:
        c.input("x", c.randn(1, 3, 6, 6))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], pads=[0, 1, 2, 1])
    with S.case("conv_stride2", "Conv", 13, "strides 2, pads 1, odd input") as c:
        c.input("x", c.randn(1, 3, 9, 9))
        c.init("W", c.w(8, 3, 3, 3)); c.init("B", c.w(8))
        c.node("Conv", ["x", "W", "B"], ["y"], strides=[2, 2], pads=[1, 1, 1, 1])
    with S.case("conv_stride2_nonsquare", "Conv", 14, "1x3 kernel, strides [2,1], pads [0,1,0,1], non-square input") as c:
        c.input("x", c.randn(1, 2, 7, 5))
        c.init("W", c.w(3, 2, 1, 3)); c.init("B", c.w(3))
        c.node("Conv", ["x", "W", "B"], ["y"], strides=[2, 1], pads=[0, 1, 0, 1])
    with S.case("conv_dilation2", "Conv", 13, "dilations 2, pads 2") as c:
        c.input("x", c.randn(1, 3, 8, 8))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], dilations=[2, 2], pads=[2, 2, 2, 2])
    with S.case("conv_same_upper", "Conv", 11, "auto_pad SAME_UPPER, 4x4 kernel, stride 2 (odd total pad: extra at end)") as c:
        c.input("x", c.randn(1, 3, 7, 7))
        c.init("W", c.w(4, 3, 4, 4)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], auto_pad="SAME_UPPER", kernel_shape=[4, 4], strides=[2, 2])
    with S.case("conv_same_lower", "Conv", 11, "auto_pad SAME_LOWER, 4x4 kernel, stride 2 (odd total pad: extra at begin)") as c:
        c.input("x", c.randn(1, 3, 7, 7))
        c.init("W", c.w(4, 3, 4, 4)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], auto_pad="SAME_LOWER", kernel_shape=[4, 4], strides=[2, 2])
    with S.case("conv_same_upper_s1", "Conv", 13, "auto_pad SAME_UPPER, 3x3 kernel, stride 1") as c:
        c.input("x", c.randn(1, 2, 5, 6))
        c.init("W", c.w(3, 2, 3, 3))
        c.node("Conv", ["x", "W"], ["y"], auto_pad="SAME_UPPER")
    with S.case("conv_valid", "Conv", 11, "auto_pad VALID, 3x3, stride 1") as c:
        c.input("x", c.randn(1, 3, 8, 8))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], auto_pad="VALID", kernel_shape=[3, 3])
    with S.case("conv_1x1", "Conv", 13, "pointwise 1x1 conv with bias") as c:
        c.input("x", c.randn(1, 8, 5, 5))
        c.init("W", c.w(4, 8, 1, 1)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"])
    # A Conv followed by SiLU or Sigmoid: the compiler fuses the activation into the Conv, so these
    # check the fused epilogues (the GEMM's stores, whole strips and the partial last ones, and the
    # depthwise kernel's) against onnxruntime's separate nodes.
    with S.case("conv_silu", "Conv", 13, "3x3 conv, 13 output channels, then x*sigmoid(x) (fused: Conv+SiLU)") as c:
        c.input("x", c.randn(1, 8, 11, 13) * 2.0)
        c.init("W", c.w(13, 8, 3, 3)); c.init("B", c.w(13))
        c.node("Conv", ["x", "W", "B"], ["z"], pads=[1, 1, 1, 1])
        c.node("Sigmoid", ["z"], ["s"])
        c.node("Mul", ["z", "s"], ["y"])
    with S.case("conv_depthwise_sigmoid", "Conv", 13, "depthwise 3x3 stride 2, then Sigmoid (fused: Conv+Sigmoid)") as c:
        c.input("x", c.randn(1, 6, 9, 9) * 3.0)
        c.init("W", c.w(6, 1, 3, 3)); c.init("B", c.w(6))
        c.node("Conv", ["x", "W", "B"], ["z"], group=6, strides=[2, 2], pads=[1, 1, 1, 1])
        c.node("Sigmoid", ["z"], ["y"])
    with S.case("conv1d", "Conv", 13, "1D conv: [N,C,L], kernel 3, pads 1, bias") as c:
        c.input("x", c.randn(1, 3, 10))
        c.init("W", c.w(4, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1])
    with S.case("conv1d_stride2_dil2", "Conv", 11, "1D conv: stride 2, dilation 2, no bias") as c:
        c.input("x", c.randn(2, 2, 12))
        c.init("W", c.w(3, 2, 3))
        c.node("Conv", ["x", "W"], ["y"], strides=[2], dilations=[2])
    with S.case("conv_constant_weight", "Conv", 13, "Conv whose weight and bias come from Constant nodes") as c:
        c.input("x", c.randn(1, 3, 6, 6))
        c.const("W", c.w(4, 3, 3, 3)); c.const("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1])


def conv_transpose_cases(S):
    with S.case("convtranspose_stride2", "ConvTranspose", 11, "stride 2, 3x3, bias") as c:
        c.input("x", c.randn(1, 4, 5, 5))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(3))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2, 2])
    with S.case("convtranspose_pads_outpad", "ConvTranspose", 13, "stride 2, pads 1, output_padding 1, bias") as c:
        c.input("x", c.randn(1, 4, 5, 5))
        c.init("W", c.w(4, 2, 3, 3)); c.init("B", c.w(2))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
    with S.case("convtranspose_k4s2p1", "ConvTranspose", 17, "kernel 4, stride 2, pads 1 (2x upsampling), no bias") as c:
        c.input("x", c.randn(1, 3, 4, 4))
        c.init("W", c.w(3, 2, 4, 4))
        c.node("ConvTranspose", ["x", "W"], ["y"], strides=[2, 2], pads=[1, 1, 1, 1])
    with S.case("convtranspose_groups2", "ConvTranspose", 17, "group=2 (W [Cin, Cout/group, kh, kw]), pads 1, bias") as c:
        c.input("x", c.randn(1, 4, 5, 5))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(6))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], group=2, pads=[1, 1, 1, 1])
    with S.case("convtranspose_1d", "ConvTranspose", 13, "1D, stride 2, bias") as c:
        c.input("x", c.randn(1, 3, 6))
        c.init("W", c.w(3, 2, 3)); c.init("B", c.w(2))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2])


def conv_transpose_padding_cases(S):
    """ConvTranspose as decoders and upsamplers export it: output_padding with strides and
    dilations, output_shape (with its implied pads), and 1-D forms."""
    with S.case("convtranspose_stride3_outpad2", "ConvTranspose", 13, "stride 3, output_padding 2, pads [1,0,1,0], bias") as c:
        c.input("x", c.randn(1, 3, 4, 5))
        c.init("W", c.w(3, 2, 3, 2)); c.init("B", c.w(2))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[3, 3], pads=[1, 0, 1, 0], output_padding=[2, 2])
    with S.case("convtranspose_dilation_outpad", "ConvTranspose", 17, "dilations 2, strides 2, output_padding [1,0], no bias") as c:
        c.input("x", c.randn(1, 2, 4, 4))
        c.init("W", c.w(2, 3, 3, 3))
        c.node("ConvTranspose", ["x", "W"], ["y"], strides=[2, 2], dilations=[2, 2], output_padding=[1, 0])
    with S.case("convtranspose_output_shape", "ConvTranspose", 13, "output_shape [10,11] from 5x5, stride 2 (pads implied)") as c:
        c.input("x", c.randn(1, 3, 5, 5))
        c.init("W", c.w(3, 2, 3, 3)); c.init("B", c.w(2))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2, 2], output_shape=[10, 11])
    with S.case("convtranspose_output_shape_groups", "ConvTranspose", 11, "output_shape [9,10] from 4x4, stride 2, group 2") as c:
        c.input("x", c.randn(1, 4, 4, 4))
        c.init("W", c.w(4, 1, 3, 3))
        c.node("ConvTranspose", ["x", "W"], ["y"], strides=[2, 2], group=2, output_shape=[9, 10])
    with S.case("convtranspose_same_upper", "ConvTranspose", 13, "auto_pad SAME_UPPER, stride 2, kernel 4 (output 2x input)") as c:
        c.input("x", c.randn(1, 2, 4, 5))
        c.init("W", c.w(2, 3, 4, 4)); c.init("B", c.w(3))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2, 2], auto_pad="SAME_UPPER")
    with S.case("convtranspose_1d_outpad", "ConvTranspose", 13, "1-D, stride 2, pads 1, output_padding 1, bias") as c:
        c.input("x", c.randn(2, 3, 7))
        c.init("W", c.w(3, 4, 3)); c.init("B", c.w(4))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2], pads=[1, 1], output_padding=[1])
    with S.case("convtranspose_1d_output_shape_groups", "ConvTranspose", 17, "1-D, group 3, stride 4, output_shape [22]") as c:
        c.input("x", c.randn(1, 6, 5))
        c.init("W", c.w(6, 2, 4))
        c.node("ConvTranspose", ["x", "W"], ["y"], strides=[4], group=3, output_shape=[22])


def gemm_matmul_cases(S):
    with S.case("gemm_transB", "Gemm", 13, "transB=1, C [N] broadcast (torch Linear form)") as c:
        c.input("x", c.randn(2, 5))
        c.init("W", c.w(3, 5)); c.init("C", c.w(3))
        c.node("Gemm", ["x", "W", "C"], ["y"], transB=1)
    with S.case("gemm_transA", "Gemm", 11, "transA=1, C full [M,N]") as c:
        c.input("x", c.randn(5, 2))
        c.init("W", c.w(5, 3)); c.init("C", c.w(2, 3))
        c.node("Gemm", ["x", "W", "C"], ["y"], transA=1)
    with S.case("gemm_transA_transB", "Gemm", 13, "transA=1 and transB=1, C [1,N]") as c:
        c.input("x", c.randn(5, 2))
        c.init("W", c.w(3, 5)); c.init("C", c.w(1, 3))
        c.node("Gemm", ["x", "W", "C"], ["y"], transA=1, transB=1)
    with S.case("gemm_alpha_beta", "Gemm", 13, "alpha=0.5, beta=2.0, C [N]") as c:
        c.input("x", c.randn(4, 6))
        c.init("W", c.w(6, 3)); c.init("C", c.w(3))
        c.node("Gemm", ["x", "W", "C"], ["y"], alpha=0.5, beta=2.0)
    with S.case("gemm_c_scalar", "Gemm", 13, "C is a scalar (shape []), transB=1") as c:
        c.input("x", c.randn(3, 4))
        c.init("W", c.w(5, 4)); c.init("C", np.array(0.75, dtype=np.float32))
        c.node("Gemm", ["x", "W", "C"], ["y"], transB=1)
    with S.case("gemm_c_column", "Gemm", 13, "C [M,1] broadcast along N") as c:
        c.input("x", c.randn(3, 4))
        c.init("W", c.w(4, 5)); c.init("C", c.w(3, 1))
        c.node("Gemm", ["x", "W", "C"], ["y"])
    with S.case("gemm_noC", "Gemm", 11, "no C input (optional since opset 11), transB=1") as c:
        c.input("x", c.randn(2, 5))
        c.init("W", c.w(4, 5))
        c.node("Gemm", ["x", "W"], ["y"], transB=1)
    with S.case("gemm_opset9", "Gemm", 9, "opset 9 form (C required), transB=1, C [N]") as c:
        c.input("x", c.randn(2, 6))
        c.init("W", c.w(4, 6)); c.init("C", c.w(4))
        c.node("Gemm", ["x", "W", "C"], ["y"], transB=1)
    with S.case("matmul_2d", "MatMul", 13, "[3,4] x [4,5]") as c:
        c.input("x", c.randn(3, 4))
        c.init("W", c.w(4, 5))
        c.node("MatMul", ["x", "W"], ["y"])
    with S.case("matmul_3d_2d", "MatMul", 13, "batched [2,3,4] x [4,5]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("W", c.w(4, 5))
        c.node("MatMul", ["x", "W"], ["y"])
    with S.case("matmul_4d_bcast", "MatMul", 13, "two inputs [2,1,3,4] x [1,2,4,5] -> [2,2,3,5] (batch broadcast, attention-like)") as c:
        c.input("x", c.randn(2, 1, 3, 4))
        c.input("x2", c.randn(1, 2, 4, 5))
        c.node("MatMul", ["x", "x2"], ["y"])
    with S.case("matmul_4d_attention", "MatMul", 9, "two inputs [1,2,6,4] x [1,2,4,6] (q @ k^T per head)") as c:
        c.input("x", c.randn(1, 2, 6, 4))
        c.input("x2", c.randn(1, 2, 4, 6))
        c.node("MatMul", ["x", "x2"], ["y"])
    with S.case("matmul_1d_2d", "MatMul", 13, "[4] x [4,5] -> [5] (1-D promoted then squeezed)") as c:
        c.input("x", c.randn(4))
        c.init("W", c.w(4, 5))
        c.node("MatMul", ["x", "W"], ["y"])
    with S.case("matmul_2d_1d", "MatMul", 13, "[3,4] x [4] -> [3]") as c:
        c.input("x", c.randn(3, 4))
        c.init("W", c.w(4))
        c.node("MatMul", ["x", "W"], ["y"])


def binary_cases(S):
    with S.case("add_bcast_c11", "Add", 14, "[1,3,4,4] + initializer [3,1,1]") as c:
        c.input("x", c.randn(1, 3, 4, 4))
        c.init("b", c.w(3, 1, 1))
        c.node("Add", ["x", "b"], ["y"])
    with S.case("add_two_inputs_bcast", "Add", 9, "opset 9 (Add-7 numpy broadcast): [2,3] + [3], both graph inputs") as c:
        c.input("x", c.randn(2, 3))
        c.input("x2", c.randn(3))
        c.node("Add", ["x", "x2"], ["y"])
    with S.case("add_same_shape", "Add", 13, "[2,3,4] + [2,3,4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.input("x2", c.randn(2, 3, 4))
        c.node("Add", ["x", "x2"], ["y"])
    with S.case("sub_scalar", "Sub", 14, "x - scalar initializer (shape [])") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("s", np.array(0.3, dtype=np.float32))
        c.node("Sub", ["x", "s"], ["y"])
    with S.case("sub_scalar_first", "Sub", 13, "scalar initializer - x (scalar is input A)") as c:
        c.input("x", c.randn(2, 3))
        c.init("s", np.array(1.5, dtype=np.float32))
        c.node("Sub", ["s", "x"], ["y"])
    with S.case("sub_bcast_c11", "Sub", 13, "[2,3,4,4] - [3,1,1] (mean subtraction)") as c:
        c.input("x", c.randn(2, 3, 4, 4))
        c.init("m", c.w(3, 1, 1))
        c.node("Sub", ["x", "m"], ["y"])
    with S.case("mul_mutual_bcast", "Mul", 13, "[2,1,4] * [3,1] -> [2,3,4] (both sides broadcast)") as c:
        c.input("x", c.randn(2, 1, 4))
        c.input("x2", c.randn(3, 1))
        c.node("Mul", ["x", "x2"], ["y"])
    with S.case("mul_bcast_c11", "Mul", 14, "[1,3,4,4] * [3,1,1]") as c:
        c.input("x", c.randn(1, 3, 4, 4))
        c.init("s", c.w(3, 1, 1))
        c.node("Mul", ["x", "s"], ["y"])
    with S.case("mul_scalar", "Mul", 13, "x * scalar [1] initializer") as c:
        c.input("x", c.randn(2, 5))
        c.init("s", f32([0.125]))
        c.node("Mul", ["x", "s"], ["y"])
    with S.case("div_bcast_c11", "Div", 14, "[1,3,4,4] / [3,1,1] (positive divisor)") as c:
        c.input("x", c.randn(1, 3, 4, 4))
        c.init("d", c.pos(3, 1, 1))
        c.node("Div", ["x", "d"], ["y"])
    with S.case("div_two_inputs", "Div", 13, "[2,3] / [2,3] two graph inputs (divisor kept away from 0)") as c:
        c.input("x", c.randn(2, 3))
        x2 = c.pos(2, 3) * np.where(c.rng.random((2, 3)) < 0.5, -1, 1).astype(np.float32)
        c.input("x2", x2)
        c.node("Div", ["x", "x2"], ["y"])
    with S.case("div_scalar", "Div", 13, "x / scalar [] initializer") as c:
        c.input("x", c.randn(3, 4))
        c.init("d", np.array(2.5, dtype=np.float32))
        c.node("Div", ["x", "d"], ["y"])
    with S.case("sum_3_bcast", "Sum", 13, "3 inputs [2,3,4] + [3,4] + [1,4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.input("x2", c.randn(3, 4))
        c.input("x3", c.randn(1, 4))
        c.node("Sum", ["x", "x2", "x3"], ["y"])
    with S.case("sum_2_opset9", "Sum", 9, "opset 9 (Sum-8): 2 inputs same shape") as c:
        c.input("x", c.randn(1, 2, 3, 3))
        c.input("x2", c.randn(1, 2, 3, 3))
        c.node("Sum", ["x", "x2"], ["y"])
    with S.case("min_2_bcast", "Min", 13, "2 inputs [2,3] and [3]") as c:
        c.input("x", c.randn(2, 3))
        c.input("x2", c.randn(3))
        c.node("Min", ["x", "x2"], ["y"])
    with S.case("min_3_bcast", "Min", 12, "3 inputs [2,3,4], [3,1], initializer [4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.input("x2", c.randn(3, 1))
        c.init("m", c.w(4))
        c.node("Min", ["x", "x2", "m"], ["y"])
    with S.case("max_2_bcast", "Max", 12, "2 inputs [1,3,2,2] and initializer [3,1,1]") as c:
        c.input("x", c.randn(1, 3, 2, 2))
        c.init("m", c.w(3, 1, 1))
        c.node("Max", ["x", "m"], ["y"])
    with S.case("max_3_bcast", "Max", 13, "3 inputs [2,3,4], [4], [2,1,1]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.input("x2", c.randn(4))
        c.input("x3", c.randn(2, 1, 1))
        c.node("Max", ["x", "x2", "x3"], ["y"])
    with S.case("pow_tensor_exponent", "Pow", 13, "positive base [2,3,4] ^ exponent initializer [4] in [0.5,2.5]") as c:
        c.input("x", c.pos(2, 3, 4, lo=0.1))
        c.init("e", (0.5 + 2.0 * c.rng.random(4)).astype(np.float32))
        c.node("Pow", ["x", "e"], ["y"])
    with S.case("pow_scalar_2", "Pow", 13, "x ^ 2.0 scalar initializer (any sign base)") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("e", np.array(2.0, dtype=np.float32))
        c.node("Pow", ["x", "e"], ["y"])
    with S.case("pow_scalar_3_opset15", "Pow", 15, "x ^ 3.0 scalar initializer (negative base, integral exponent)") as c:
        c.input("x", c.randn(3, 4))
        c.init("e", np.array(3.0, dtype=np.float32))
        c.node("Pow", ["x", "e"], ["y"])


def unary_cases(S):
    def simple(name, op, opset, note, shape=(2, 3, 4, 5), data=None, **attrs):
        with S.case(name, op, opset, note) as c:
            c.input("x", data(c) if data else c.randn(*shape) * 2.0)
            c.node(op, ["x"], ["y"], **attrs)

    simple("relu", "Relu", 14, "x ~ 2*N(0,1)")
    simple("relu_opset9", "Relu", 9, "opset 9 (Relu-6)", shape=(3, 7))
    simple("leakyrelu", "LeakyRelu", 16, "alpha=0.2", alpha=0.2)
    simple("leakyrelu_default", "LeakyRelu", 9, "default alpha=0.01", shape=(4, 6))
    simple("sigmoid", "Sigmoid", 13, "x ~ 2*N(0,1)")
    simple("hardsigmoid", "HardSigmoid", 13, "alpha=0.3, beta=0.4 (non-default)", alpha=0.3, beta=0.4)
    simple("hardsigmoid_default", "HardSigmoid", 9, "default alpha=0.2, beta=0.5", shape=(3, 8))
    simple("hardswish", "HardSwish", 14, "x*relu6(x+3)/6, x ~ 4*N(0,1)", data=lambda c: c.randn(2, 3, 4, 5) * 4.0)
    simple("tanh", "Tanh", 13, "x ~ 2*N(0,1)")
    simple("exp", "Exp", 13, "x ~ N(0,1)", data=lambda c: c.randn(2, 3, 4))
    simple("erf", "Erf", 13, "x ~ 2*N(0,1)", shape=(2, 3, 4))
    simple("sqrt", "Sqrt", 13, "positive input |N(0,1)|+0.01", data=lambda c: c.pos(2, 3, 4, lo=0.01))
    simple("neg", "Neg", 13, "", shape=(2, 3, 4))
    simple("abs", "Abs", 13, "", shape=(2, 3, 4))
    simple("identity", "Identity", 16, "", shape=(2, 3, 4))
    simple("identity_opset13", "Identity", 13, "", shape=(5,))

    with S.case("clip_attr_opset9", "Clip", 9, "Clip-6 attribute form min=-0.5 max=0.8") as c:
        c.input("x", c.randn(2, 3, 4))
        c.node("Clip", ["x"], ["y"], min=-0.5, max=0.8)
    with S.case("clip_attr_relu6_opset9", "Clip", 9, "Clip-6 attribute form min=0 max=6 (ReLU6)") as c:
        c.input("x", c.randn(2, 3, 4) * 5.0)
        c.node("Clip", ["x"], ["y"], min=0.0, max=6.0)
    with S.case("clip_inputs", "Clip", 13, "input form, min and max scalar initializers") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("lo", np.array(-0.5, dtype=np.float32)); c.init("hi", np.array(0.8, dtype=np.float32))
        c.node("Clip", ["x", "lo", "hi"], ["y"])
    with S.case("clip_max_only", "Clip", 13, "input form, min absent (empty name), max=0.6") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("hi", np.array(0.6, dtype=np.float32))
        c.node("Clip", ["x", "", "hi"], ["y"])
    with S.case("clip_min_only", "Clip", 11, "opset 11 input form, only min=-0.25 (max omitted)") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("lo", np.array(-0.25, dtype=np.float32))
        c.node("Clip", ["x", "lo"], ["y"])
    with S.case("clip_constant_nodes", "Clip", 13, "min/max from Constant nodes (torch ReLU6 export form)") as c:
        c.input("x", c.randn(2, 3, 4) * 5.0)
        c.const("lo", np.array(0.0, dtype=np.float32)); c.const("hi", np.array(6.0, dtype=np.float32))
        c.node("Clip", ["x", "lo", "hi"], ["y"])

    with S.case("softmax_opset11_4d_axis1", "Softmax", 11,
                "legacy form on [2,3,4,5] axis=1: coerced to 2D [2,60], softmax over 60 elements") as c:
        c.input("x", c.randn(2, 3, 4, 5))
        c.node("Softmax", ["x"], ["y"], axis=1)
    with S.case("softmax_opset11_2d", "Softmax", 11, "legacy form, 2D [3,10], default axis=1") as c:
        c.input("x", c.randn(3, 10) * 3.0)
        c.node("Softmax", ["x"], ["y"])
    with S.case("softmax_opset13_axis_neg1", "Softmax", 13, "[2,3,4,5] axis=-1") as c:
        c.input("x", c.randn(2, 3, 4, 5) * 3.0)
        c.node("Softmax", ["x"], ["y"], axis=-1)
    with S.case("softmax_opset13_axis1", "Softmax", 13, "[2,3,4,5] axis=1 (per-axis, not flattened)") as c:
        c.input("x", c.randn(2, 3, 4, 5) * 3.0)
        c.node("Softmax", ["x"], ["y"], axis=1)
    with S.case("softmax_opset13_default", "Softmax", 13, "[2,4,6] default axis=-1, large logits (tests max-subtraction)") as c:
        c.input("x", c.randn(2, 4, 6) * 30.0)
        c.node("Softmax", ["x"], ["y"])

    with S.case("cast_chain", "Cast", 13, "Mul 3 -> Cast float->int64 (truncation toward 0) -> Cast int64->float") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("k", np.array(3.0, dtype=np.float32))
        c.node("Mul", ["x", "k"], ["t"])
        c.node("Cast", ["t"], ["ti"], to=TensorProto.INT64)
        c.node("Cast", ["ti"], ["y"], to=TensorProto.FLOAT)
    with S.case("dropout_opset12", "Dropout", 12, "inference: identity (no ratio/training_mode inputs)") as c:
        c.input("x", c.randn(2, 3, 4))
        c.node("Dropout", ["x"], ["y"])
    with S.case("dropout_opset12_ratio", "Dropout", 12, "inference with ratio input 0.5 (still identity)") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("ratio", np.array(0.5, dtype=np.float32))
        c.node("Dropout", ["x", "ratio"], ["y"])
    with S.case("dropout_opset9", "Dropout", 9, "Dropout-7 ratio attribute, inference identity") as c:
        c.input("x", c.randn(2, 5))
        c.node("Dropout", ["x"], ["y"], ratio=0.3)


def pool_cases(S):
    with S.case("maxpool_k3s2p1", "MaxPool", 11, "kernel 3, stride 2, pads 1") as c:
        c.input("x", c.randn(1, 3, 9, 9))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    with S.case("maxpool_k2s2", "MaxPool", 13, "kernel 2, stride 2, even input") as c:
        c.input("x", c.randn(2, 3, 8, 6))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])
    with S.case("maxpool_ceil", "MaxPool", 12, "kernel 3, stride 2, ceil_mode=1 on 8x8 (4 not 3)") as c:
        c.input("x", c.randn(1, 2, 8, 8))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    with S.case("maxpool_dilation2", "MaxPool", 12, "kernel 2, dilations 2, stride 1") as c:
        c.input("x", c.randn(1, 2, 7, 7))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2])
    with S.case("maxpool_same_upper", "MaxPool", 11, "auto_pad SAME_UPPER, kernel 2 stride 2 on 5x5") as c:
        c.input("x", c.randn(1, 2, 5, 5))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER")
    with S.case("maxpool_1d", "MaxPool", 13, "1D: kernel 3, stride 2, pads 1") as c:
        c.input("x", c.randn(1, 3, 10))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[3], strides=[2], pads=[1, 1])
    with S.case("maxpool_opset9", "MaxPool", 9, "MaxPool-8, kernel 2 stride 2") as c:
        c.input("x", c.randn(1, 2, 6, 6))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])
    with S.case("averagepool_pads_exclude", "AveragePool", 11, "kernel 3, stride 1, pads 1, count_include_pad=0") as c:
        c.input("x", c.randn(1, 2, 5, 5))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0)
    with S.case("averagepool_pads_include", "AveragePool", 11, "kernel 3, stride 1, pads 1, count_include_pad=1") as c:
        c.input("x", c.randn(1, 2, 5, 5))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1)
    with S.case("averagepool_k2s2", "AveragePool", 13, "kernel 2, stride 2, no pads") as c:
        c.input("x", c.randn(1, 3, 6, 8))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])
    with S.case("averagepool_ceil", "AveragePool", 13, "kernel 3, stride 2, ceil_mode=1 on 8x8 (last window partly outside)") as c:
        c.input("x", c.randn(1, 2, 8, 8))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    with S.case("averagepool_opset9", "AveragePool", 9, "AveragePool-7, kernel 3 stride 2 pads 1, count_include_pad=0") as c:
        c.input("x", c.randn(1, 2, 7, 7))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    with S.case("averagepool_1d", "AveragePool", 19, "1D kernel 2 stride 2") as c:
        c.input("x", c.randn(1, 3, 8))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[2], strides=[2])
    with S.case("globalaveragepool", "GlobalAveragePool", 13, "[2,3,5,4] -> [2,3,1,1]") as c:
        c.input("x", c.randn(2, 3, 5, 4))
        c.node("GlobalAveragePool", ["x"], ["y"])
    with S.case("globalaveragepool_opset9", "GlobalAveragePool", 9, "[1,4,3,3]") as c:
        c.input("x", c.randn(1, 4, 3, 3))
        c.node("GlobalAveragePool", ["x"], ["y"])
    with S.case("globalmaxpool", "GlobalMaxPool", 13, "[2,3,5,4] -> [2,3,1,1]") as c:
        c.input("x", c.randn(2, 3, 5, 4))
        c.node("GlobalMaxPool", ["x"], ["y"])


def volumetric_cases(S):
    """3-D (NCDHW) Conv, ConvTranspose and pooling, as video and medical-imaging models export them."""
    with S.case("conv3d_bias", "Conv", 13, "3x3x3, pads 1, bias, on [1,3,5,6,7]") as c:
        c.input("x", c.randn(1, 3, 5, 6, 7))
        c.init("W", c.w(4, 3, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1, 1, 1])
    with S.case("conv3d_strides_dilations", "Conv", 11, "kernel [2,3,3], strides [2,1,2], dilations [1,2,1], asymmetric pads, batch 2") as c:
        c.input("x", c.randn(2, 2, 6, 7, 8))
        c.init("W", c.w(3, 2, 2, 3, 3))
        c.node("Conv", ["x", "W"], ["y"], strides=[2, 1, 2], dilations=[1, 2, 1], pads=[0, 1, 1, 1, 2, 0])
    with S.case("conv3d_groups2", "Conv", 17, "group=2, kernel [3,1,3], pads [1,0,1,1,0,1], bias") as c:
        c.input("x", c.randn(1, 4, 4, 5, 6))
        c.init("W", c.w(6, 2, 3, 1, 3)); c.init("B", c.w(6))
        c.node("Conv", ["x", "W", "B"], ["y"], group=2, pads=[1, 0, 1, 1, 0, 1])
    with S.case("conv3d_depthwise", "Conv", 13, "depthwise: group=C=4, 3x3x3, stride 2, pads 1, bias") as c:
        c.input("x", c.randn(1, 4, 5, 7, 7))
        c.init("W", c.w(4, 1, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], group=4, strides=[2, 2, 2], pads=[1, 1, 1, 1, 1, 1])
    with S.case("conv3d_same_upper", "Conv", 11, "auto_pad SAME_UPPER, kernel [2,3,4], stride 2 (odd total pads: extra at end)") as c:
        c.input("x", c.randn(1, 2, 5, 6, 7))
        c.init("W", c.w(3, 2, 2, 3, 4)); c.init("B", c.w(3))
        c.node("Conv", ["x", "W", "B"], ["y"], auto_pad="SAME_UPPER", kernel_shape=[2, 3, 4], strides=[2, 2, 2])
    with S.case("conv3d_same_lower", "Conv", 13, "auto_pad SAME_LOWER, kernel [2,3,4], stride [1,2,2] (extra at begin)") as c:
        c.input("x", c.randn(1, 2, 4, 6, 7))
        c.init("W", c.w(3, 2, 2, 3, 4))
        c.node("Conv", ["x", "W"], ["y"], auto_pad="SAME_LOWER", strides=[1, 2, 2])
    with S.case("conv3d_valid_pointwise", "Conv", 13, "auto_pad VALID, 1x1x1 (pointwise), bias") as c:
        c.input("x", c.randn(1, 6, 3, 4, 5))
        c.init("W", c.w(4, 6, 1, 1, 1)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], auto_pad="VALID")
    with S.case("conv3d_temporal_only", "Conv", 13, "kernel [3,1,1] (a (2+1)-D temporal convolution), pads [1,0,0,1,0,0]") as c:
        c.input("x", c.randn(1, 4, 6, 5, 5))
        c.init("W", c.w(5, 4, 3, 1, 1)); c.init("B", c.w(5))
        c.node("Conv", ["x", "W", "B"], ["y"], pads=[1, 0, 0, 1, 0, 0])
    with S.case("conv3d_relu_maxpool", "Conv+Relu+MaxPool", 13, "Conv3d -> Relu (fused when prepared) -> MaxPool3d 2x2x2") as c:
        c.input("x", c.randn(1, 3, 6, 8, 8))
        c.init("W", c.w(4, 3, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1, 1, 1])
        c.node("Relu", ["c"], ["r"])
        c.node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2, 2], strides=[2, 2, 2])
    with S.case("conv3d_to_2d_head", "Conv3d+Conv(pattern)", 13,
                "Conv3d+Relu, MaxPool3d, depth folded into channels (Reshape), Conv2d+Relu, GlobalAveragePool, Gemm: "
                "a (2+1)-D video head; the quantization tests keep its 3-D layers float") as c:
        c.input("x", c.randn(1, 2, 4, 8, 8))
        c.init("W3", c.w(4, 2, 3, 3, 3)); c.init("B3", c.w(4))
        c.node("Conv", ["x", "W3", "B3"], ["c3"], pads=[1, 1, 1, 1, 1, 1])
        c.node("Relu", ["c3"], ["r3"])
        c.node("MaxPool", ["r3"], ["p3"], kernel_shape=[2, 2, 2], strides=[2, 2, 2])
        c.init("planar", i64([1, 8, 4, 4]))
        c.node("Reshape", ["p3", "planar"], ["p2"])
        c.init("W2", c.w(6, 8, 3, 3)); c.init("B2", c.w(6))
        c.node("Conv", ["p2", "W2", "B2"], ["c2"], pads=[1, 1, 1, 1])
        c.node("Relu", ["c2"], ["r2"])
        c.node("GlobalAveragePool", ["r2"], ["g"])
        c.node("Flatten", ["g"], ["f"])
        c.init("Wfc", c.w(3, 6)); c.init("Bfc", c.w(3))
        c.node("Gemm", ["f", "Wfc", "Bfc"], ["y"], transB=1)
    with S.case("volumetric_resize_chain", "Conv3d+Pool3d+Resize(pattern)", 18,
                "Conv3d, MaxPool3d (ceil), AveragePool3d (pads counted), ConvTranspose3d, depth folded into channels, "
                "cubic Resize up, antialiased linear Resize down: one small graph of every 3-D window kind and filter resize "
                "(the runtime's loader mutation test runs it)") as c:
        c.input("x", c.randn(1, 2, 4, 6, 6))
        c.init("W", c.w(3, 2, 3, 3, 3)); c.init("B", c.w(3))
        c.node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1, 1, 1])
        c.node("MaxPool", ["c"], ["m"], kernel_shape=[2, 3, 3], strides=[2, 2, 2], ceil_mode=1)
        c.node("AveragePool", ["m"], ["a"], kernel_shape=[2, 2, 2], pads=[1, 1, 1, 0, 0, 0], count_include_pad=1)
        c.init("Wt", c.w(3, 2, 2, 2, 2))
        c.node("ConvTranspose", ["a", "Wt"], ["t"], strides=[2, 2, 2], output_padding=[1, 0, 1])
        c.init("planar", i64([1, -1, 6, 7]))
        c.node("Reshape", ["t", "planar"], ["p"])
        c.init("up", f32([1, 1, 1.5, 2]))
        c.node("Resize", ["p", "", "up"], ["u"], mode="cubic", cubic_coeff_a=-0.5, coordinate_transformation_mode="pytorch_half_pixel")
        c.init("down", i64([1, 10, 5, 7]))
        c.node("Resize", ["u", "", "", "down"], ["y"], mode="linear", antialias=1)
    with S.case("convtranspose3d_outpad", "ConvTranspose", 13, "3-D, stride 2, pads 1, output_padding 1, bias") as c:
        c.input("x", c.randn(1, 3, 3, 4, 4))
        c.init("W", c.w(3, 2, 3, 3, 3)); c.init("B", c.w(2))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], strides=[2, 2, 2], pads=[1, 1, 1, 1, 1, 1], output_padding=[1, 1, 1])
    with S.case("convtranspose3d_groups_output_shape", "ConvTranspose", 17, "3-D, group 2, kernel [2,2,2], stride [1,2,2], output_shape [4,8,9]") as c:
        c.input("x", c.randn(1, 4, 3, 4, 4))
        c.init("W", c.w(4, 1, 2, 2, 2))
        c.node("ConvTranspose", ["x", "W"], ["y"], group=2, strides=[1, 2, 2], output_shape=[4, 8, 9])
    with S.case("maxpool3d_k2s2", "MaxPool", 13, "3-D kernel 2, stride 2, even input") as c:
        c.input("x", c.randn(2, 3, 4, 6, 6))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2, 2], strides=[2, 2, 2])
    with S.case("maxpool3d_k3s2p1_ceil", "MaxPool", 12, "3-D kernel 3, stride 2, pads 1, ceil_mode=1 on [6,7,8]") as c:
        c.input("x", c.randn(1, 2, 6, 7, 8))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3, 3], strides=[2, 2, 2], pads=[1, 1, 1, 1, 1, 1], ceil_mode=1)
    with S.case("maxpool3d_dilation", "MaxPool", 12, "3-D kernel [2,2,3], dilations [2,1,2], stride 1") as c:
        c.input("x", c.randn(1, 2, 5, 5, 7))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2, 3], dilations=[2, 1, 2])
    with S.case("maxpool3d_same_upper", "MaxPool", 11, "3-D auto_pad SAME_UPPER, kernel [1,3,3], stride [1,2,2] (temporal kept)") as c:
        c.input("x", c.randn(1, 2, 3, 7, 7))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[1, 3, 3], strides=[1, 2, 2], auto_pad="SAME_UPPER")
    with S.case("averagepool3d_pads_exclude", "AveragePool", 11, "3-D kernel 3, stride 1, pads 1, count_include_pad=0") as c:
        c.input("x", c.randn(1, 2, 4, 5, 5))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3, 3], pads=[1, 1, 1, 1, 1, 1], count_include_pad=0)
    with S.case("averagepool3d_pads_include", "AveragePool", 19, "3-D kernel [2,3,3], stride 2, pads [0,1,1,1,1,0], count_include_pad=1") as c:
        c.input("x", c.randn(1, 2, 5, 6, 7))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[2, 3, 3], strides=[2, 2, 2], pads=[0, 1, 1, 1, 1, 0], count_include_pad=1)
    with S.case("averagepool3d_dilation", "AveragePool", 19, "AveragePool-19 3-D kernel [2,2,2], dilations [1,2,2], pads 1, count_include_pad=0") as c:
        c.input("x", c.randn(1, 2, 4, 7, 7))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2, 2], dilations=[1, 2, 2], pads=[1, 1, 1, 1, 1, 1])
    with S.case("averagepool3d_ceil", "AveragePool", 13, "3-D kernel 3, stride 2, ceil_mode=1 on [5,6,8] (last windows partly outside)") as c:
        c.input("x", c.randn(1, 3, 5, 6, 8))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3, 3], strides=[2, 2, 2], ceil_mode=1)
    with S.case("globalaveragepool_5d", "GlobalAveragePool", 13, "[2,3,4,5,6] -> [2,3,1,1,1]") as c:
        c.input("x", c.randn(2, 3, 4, 5, 6))
        c.node("GlobalAveragePool", ["x"], ["y"])
    with S.case("globalmaxpool_5d", "GlobalMaxPool", 13, "[1,4,3,5,5] -> [1,4,1,1,1]") as c:
        c.input("x", c.randn(1, 4, 3, 5, 5))
        c.node("GlobalMaxPool", ["x"], ["y"])


def one_dimensional_window_cases(S):
    """1-D (NCW) Conv and pooling variants beyond the basic ones, as audio and sequence models
    export them."""
    with S.case("conv1d_depthwise", "Conv", 13, "1-D depthwise: group=C=6, kernel 5, pads 2, bias") as c:
        c.input("x", c.randn(1, 6, 16))
        c.init("W", c.w(6, 1, 5)); c.init("B", c.w(6))
        c.node("Conv", ["x", "W", "B"], ["y"], group=6, pads=[2, 2])
    with S.case("conv1d_groups_stride", "Conv", 11, "1-D group=2, stride 3, asymmetric pads [2,0]") as c:
        c.input("x", c.randn(2, 4, 17))
        c.init("W", c.w(6, 2, 4)); c.init("B", c.w(6))
        c.node("Conv", ["x", "W", "B"], ["y"], group=2, strides=[3], pads=[2, 0])
    with S.case("conv1d_same_upper", "Conv", 13, "1-D auto_pad SAME_UPPER, kernel 4, stride 2 (odd total pad: extra at end)") as c:
        c.input("x", c.randn(1, 3, 15))
        c.init("W", c.w(4, 3, 4))
        c.node("Conv", ["x", "W"], ["y"], auto_pad="SAME_UPPER", strides=[2])
    with S.case("conv1d_dilation_pads_asym", "Conv", 17, "1-D kernel 3, dilation 3, pads [4,1], bias") as c:
        c.input("x", c.randn(1, 3, 12))
        c.init("W", c.w(4, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], dilations=[3], pads=[4, 1])
    with S.case("maxpool1d_ceil_dilation", "MaxPool", 12, "1-D kernel 3, stride 2, dilation 2, pads 1, ceil_mode=1") as c:
        c.input("x", c.randn(1, 3, 14))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[3], strides=[2], dilations=[2], pads=[1, 1], ceil_mode=1)
    with S.case("averagepool1d_pads_include", "AveragePool", 11, "1-D kernel 4, stride 2, pads [2,1], count_include_pad=1") as c:
        c.input("x", c.randn(2, 2, 11))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[4], strides=[2], pads=[2, 1], count_include_pad=1)
    with S.case("averagepool1d_ceil_exclude", "AveragePool", 13, "1-D kernel 3, stride 2, pads 1, ceil_mode=1, count_include_pad=0") as c:
        c.input("x", c.randn(1, 3, 10))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3], strides=[2], pads=[1, 1], ceil_mode=1)
    with S.case("globalaveragepool_3d_input", "GlobalAveragePool", 13, "1-D: [2,3,7] -> [2,3,1]") as c:
        c.input("x", c.randn(2, 3, 7))
        c.node("GlobalAveragePool", ["x"], ["y"])
    with S.case("globalmaxpool_3d_input", "GlobalMaxPool", 13, "1-D: [1,4,9] -> [1,4,1]") as c:
        c.input("x", c.randn(1, 4, 9))
        c.node("GlobalMaxPool", ["x"], ["y"])


def norm_cases(S):
    with S.case("batchnorm_opset9", "BatchNormalization", 9, "BatchNormalization-9 inference, epsilon 1e-5 (default)") as c:
        c.input("x", c.randn(2, 3, 4, 4))
        c.init("scale", c.w(3)); c.init("B", c.w(3)); c.init("mean", c.w(3)); c.init("var", c.pos(3))
        c.node("BatchNormalization", ["x", "scale", "B", "mean", "var"], ["y"])
    with S.case("batchnorm_opset15", "BatchNormalization", 15, "BatchNormalization-15 inference, epsilon 1e-3, momentum given") as c:
        c.input("x", c.randn(1, 4, 3, 5))
        c.init("scale", c.w(4)); c.init("B", c.w(4)); c.init("mean", c.w(4)); c.init("var", c.pos(4, lo=0.1))
        c.node("BatchNormalization", ["x", "scale", "B", "mean", "var"], ["y"], epsilon=1e-3, momentum=0.9)
    with S.case("batchnorm_2d_input", "BatchNormalization", 14, "BatchNorm on [N,C] (BatchNorm1d), tiny variances") as c:
        c.input("x", c.randn(4, 5))
        c.init("scale", c.w(5)); c.init("B", c.w(5)); c.init("mean", c.w(5)); c.init("var", c.pos(5, lo=0.001) * 0.01)
        c.node("BatchNormalization", ["x", "scale", "B", "mean", "var"], ["y"])
    with S.case("lrn_size3", "LRN", 13, "size 3, alpha 0.1, beta 0.75, bias 1.0") as c:
        c.input("x", c.randn(1, 6, 4, 4) * 2.0)
        c.node("LRN", ["x"], ["y"], size=3, alpha=0.1, beta=0.75, bias=1.0)
    with S.case("lrn_size5", "LRN", 9, "size 5, alpha 0.05, beta 0.6, bias 2.0 (AlexNet-like)") as c:
        c.input("x", c.randn(1, 8, 3, 3) * 2.0)
        c.node("LRN", ["x"], ["y"], size=5, alpha=0.05, beta=0.6, bias=2.0)
    with S.case("lrn_size5_default", "LRN", 13, "size 5, default alpha 1e-4, beta 0.75, bias 1") as c:
        c.input("x", c.randn(1, 7, 2, 3) * 10.0)
        c.node("LRN", ["x"], ["y"], size=5)


def shape_cases(S):
    with S.case("concat_axis1", "Concat", 13, "axis 1: [1,2,3,3] ++ [1,3,3,3] ++ initializer [1,1,3,3]") as c:
        c.input("x", c.randn(1, 2, 3, 3))
        c.input("x2", c.randn(1, 3, 3, 3))
        c.init("k", c.w(1, 1, 3, 3))
        c.node("Concat", ["x", "x2", "k"], ["y"], axis=1)
    with S.case("concat_axis_neg1", "Concat", 11, "axis -1: [2,3] ++ [2,4]") as c:
        c.input("x", c.randn(2, 3))
        c.input("x2", c.randn(2, 4))
        c.node("Concat", ["x", "x2"], ["y"], axis=-1)
    with S.case("concat_axis0_opset9", "Concat", 9, "opset 9 (Concat-4), axis 0") as c:
        c.input("x", c.randn(1, 4))
        c.input("x2", c.randn(2, 4))
        c.node("Concat", ["x", "x2"], ["y"], axis=0)
    with S.case("reshape_zero_neg1", "Reshape", 13, "[2,3,4] with shape [0,-1] -> [2,12]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("shape", i64([0, -1]))
        c.node("Reshape", ["x", "shape"], ["y"])
    with S.case("reshape_zero_mid_neg1", "Reshape", 14, "[2,3,4] with shape [0,2,-1,1] -> [2,2,6,1]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("shape", i64([0, 2, -1, 1]))
        c.node("Reshape", ["x", "shape"], ["y"])
    with S.case("reshape_explicit_opset9", "Reshape", 9, "Reshape-5 [1,2,3,4] -> [4,6]") as c:
        c.input("x", c.randn(1, 2, 3, 4))
        c.init("shape", i64([4, 6]))
        c.node("Reshape", ["x", "shape"], ["y"])
    with S.case("reshape_opset19", "Reshape", 19, "Reshape-19 (allowzero absent), shape [-1,0] on [3,4,2] -> [6,4] (0 copies input dim 1)") as c:
        c.input("x", c.randn(3, 4, 2))
        c.init("shape", i64([-1, 0]))
        c.node("Reshape", ["x", "shape"], ["y"])
    with S.case("flatten_axis0", "Flatten", 13, "axis 0 on [2,3,4,5] -> [1,120]") as c:
        c.input("x", c.randn(2, 3, 4, 5))
        c.node("Flatten", ["x"], ["y"], axis=0)
    with S.case("flatten_axis1", "Flatten", 13, "axis 1 (default) on [2,3,4,5] -> [2,60]") as c:
        c.input("x", c.randn(2, 3, 4, 5))
        c.node("Flatten", ["x"], ["y"])
    with S.case("flatten_axis2", "Flatten", 11, "axis 2 on [2,3,4,5] -> [6,20]") as c:
        c.input("x", c.randn(2, 3, 4, 5))
        c.node("Flatten", ["x"], ["y"], axis=2)
    with S.case("flatten_axis_neg1", "Flatten", 13, "axis -1 on [2,3,4] -> [6,4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.node("Flatten", ["x"], ["y"], axis=-1)
    with S.case("transpose_default", "Transpose", 13, "no perm: reverse dims [2,3,4] -> [4,3,2]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.node("Transpose", ["x"], ["y"])
    with S.case("transpose_nchw_nhwc", "Transpose", 13, "perm [0,2,3,1]") as c:
        c.input("x", c.randn(1, 3, 4, 5))
        c.node("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])
    with S.case("transpose_heads", "Transpose", 9, "perm [0,2,1,3] (attention head split)") as c:
        c.input("x", c.randn(1, 6, 2, 4))
        c.node("Transpose", ["x"], ["y"], perm=[0, 2, 1, 3])
    with S.case("squeeze_opset11_attr", "Squeeze", 11, "axes attribute [1,3] on [2,1,3,1]") as c:
        c.input("x", c.randn(2, 1, 3, 1))
        c.node("Squeeze", ["x"], ["y"], axes=[1, 3])
    with S.case("squeeze_opset11_neg", "Squeeze", 11, "axes attribute [-1] on [2,3,1]") as c:
        c.input("x", c.randn(2, 3, 1))
        c.node("Squeeze", ["x"], ["y"], axes=[-1])
    with S.case("squeeze_opset13_input", "Squeeze", 13, "axes input [1,-1] on [2,1,3,1]") as c:
        c.input("x", c.randn(2, 1, 3, 1))
        c.init("axes", i64([1, -1]))
        c.node("Squeeze", ["x", "axes"], ["y"])
    with S.case("squeeze_opset13_noaxes", "Squeeze", 13, "no axes: drop all 1-dims of [1,3,1,2]") as c:
        c.input("x", c.randn(1, 3, 1, 2))
        c.node("Squeeze", ["x"], ["y"])
    with S.case("unsqueeze_opset11_attr", "Unsqueeze", 11, "axes attribute [0,3] on [2,3] -> [1,2,3,1]") as c:
        c.input("x", c.randn(2, 3))
        c.node("Unsqueeze", ["x"], ["y"], axes=[0, 3])
    with S.case("unsqueeze_opset11_neg", "Unsqueeze", 11, "axes attribute [-1] on [2,3] -> [2,3,1]") as c:
        c.input("x", c.randn(2, 3))
        c.node("Unsqueeze", ["x"], ["y"], axes=[-1])
    with S.case("unsqueeze_opset13_input", "Unsqueeze", 13, "axes input [-1,1] on [2,3] -> [2,1,3,1]") as c:
        c.input("x", c.randn(2, 3))
        c.init("axes", i64([-1, 1]))
        c.node("Unsqueeze", ["x", "axes"], ["y"])
    with S.case("unsqueeze_opset13_front", "Unsqueeze", 13, "axes input [0] on [4] -> [1,4]") as c:
        c.input("x", c.randn(4))
        c.init("axes", i64([0]))
        c.node("Unsqueeze", ["x", "axes"], ["y"])


def pad_cases(S):
    x_shape = (1, 2, 4, 5)
    with S.case("pad_opset9_attr", "Pad", 9, "Pad-2 attribute form, constant value 0.5, pads [0,0,1,2, 0,0,2,1]") as c:
        c.input("x", c.randn(*x_shape))
        c.node("Pad", ["x"], ["y"], mode="constant", pads=[0, 0, 1, 2, 0, 0, 2, 1], value=0.5)
    with S.case("pad_opset9_reflect", "Pad", 9, "Pad-2 attribute form, reflect, pads [0,0,1,1,0,0,1,1]") as c:
        c.input("x", c.randn(*x_shape))
        c.node("Pad", ["x"], ["y"], mode="reflect", pads=[0, 0, 1, 1, 0, 0, 1, 1])
    with S.case("pad_opset11_constant", "Pad", 11, "pads input, constant_value input 0.7") as c:
        c.input("x", c.randn(*x_shape))
        c.init("pads", i64([0, 0, 1, 2, 0, 0, 2, 1])); c.init("value", np.array(0.7, dtype=np.float32))
        c.node("Pad", ["x", "pads", "value"], ["y"], mode="constant")
    with S.case("pad_opset11_constant_default", "Pad", 11, "pads input, constant_value absent (0)") as c:
        c.input("x", c.randn(*x_shape))
        c.init("pads", i64([0, 0, 1, 1, 0, 0, 1, 1]))
        c.node("Pad", ["x", "pads"], ["y"])
    with S.case("pad_opset11_reflect", "Pad", 11, "reflect, pads [0,0,2,3,0,0,1,2]") as c:
        c.input("x", c.randn(*x_shape))
        c.init("pads", i64([0, 0, 2, 3, 0, 0, 1, 2]))
        c.node("Pad", ["x", "pads"], ["y"], mode="reflect")
    with S.case("pad_opset11_edge", "Pad", 11, "edge, pads [0,0,2,1,0,0,1,3]") as c:
        c.input("x", c.randn(*x_shape))
        c.init("pads", i64([0, 0, 2, 1, 0, 0, 1, 3]))
        c.node("Pad", ["x", "pads"], ["y"], mode="edge")
    with S.case("pad_opset13_negative", "Pad", 13, "constant, negative pads crop: [0,0,-1,1,0,0,2,-2]") as c:
        c.input("x", c.randn(*x_shape))
        c.init("pads", i64([0, 0, -1, 1, 0, 0, 2, -2]))
        c.node("Pad", ["x", "pads"], ["y"])
    with S.case("pad_opset18_constant_axes", "Pad", 18, "Pad-18 with axes input [2,3], pads [1,2,0,1], value -1") as c:
        c.input("x", c.randn(*x_shape))
        c.init("pads", i64([1, 2, 0, 1])); c.init("value", np.array(-1.0, dtype=np.float32))
        c.init("axes", i64([2, 3]))
        c.node("Pad", ["x", "pads", "value", "axes"], ["y"], mode="constant")
    with S.case("pad_opset18_neg_axes_reflect", "Pad", 18, "Pad-18 reflect, axes input [-1], pads [2,1]") as c:
        c.input("x", c.randn(*x_shape))
        c.init("pads", i64([2, 1])); c.init("axes", i64([-1]))
        c.node("Pad", ["x", "pads", "", "axes"], ["y"], mode="reflect")
    with S.case("pad_opset18_edge", "Pad", 18, "Pad-18 edge, no axes, pads on all 4 dims incl. channel") as c:
        c.input("x", c.randn(*x_shape))
        c.init("pads", i64([0, 1, 1, 0, 0, 0, 1, 2]))
        c.node("Pad", ["x", "pads"], ["y"], mode="edge")


def resize_case(S, name, opset, note, x_shape, mode, ctm=None, nearest_mode=None,
                scales=None, sizes=None, **extra):
    """A Resize case in the input form of its opset: 10 (X, scales), 11 (roi and scales always
    given, empty when unused), 13 and later (roi and scales optional, empty names when absent)."""
    with S.case(name, "Resize", opset, note) as c:
        c.input("x", c.randn(*x_shape))
        attrs = {"mode": mode}
        if ctm is not None:
            attrs["coordinate_transformation_mode"] = ctm
        if nearest_mode is not None:
            attrs["nearest_mode"] = nearest_mode
        attrs.update(extra)
        if opset == 10:
            c.init("scales", f32(scales))
            c.node("Resize", ["x", "scales"], ["y"], **attrs)
            return
        if opset == 11:
            # roi and scales are required inputs at opset 11; empty tensors when unused.
            c.init("roi", np.zeros((0,), dtype=np.float32))
            if sizes is not None:
                c.init("scales", np.zeros((0,), dtype=np.float32))
                c.init("sizes", i64(sizes))
                c.node("Resize", ["x", "roi", "scales", "sizes"], ["y"], **attrs)
            else:
                c.init("scales", f32(scales))
                c.node("Resize", ["x", "roi", "scales"], ["y"], **attrs)
            return
        # opset >= 13: roi and scales optional, empty names when absent
        if sizes is not None:
            c.init("sizes", i64(sizes))
            c.node("Resize", ["x", "", "", "sizes"], ["y"], **attrs)
        else:
            c.init("scales", f32(scales))
            c.node("Resize", ["x", "", "scales"], ["y"], **attrs)


def resize_cases(S):
    def resize(*args, **kwargs):
        resize_case(S, *args, **kwargs)

    resize("resize_opset10_nearest_up2", 10, "Resize-10: inputs X, scales [1,1,2,2], nearest",
           (1, 2, 3, 4), "nearest", scales=[1, 1, 2, 2])
    resize("resize_opset10_nearest_down", 10, "Resize-10: scales [1,1,0.5,0.5] on 6x8, nearest",
           (1, 2, 6, 8), "nearest", scales=[1, 1, 0.5, 0.5])
    resize("resize_opset11_nearest_asym_floor_up2", 11,
           "nearest, asymmetric + floor (torch nearest), scales [1,1,2,2], empty roi",
           (1, 2, 3, 4), "nearest", "asymmetric", "floor", scales=[1, 1, 2, 2])
    resize("resize_opset11_nearest_halfpixel_rpf_sizes_down", 11,
           "nearest, half_pixel + round_prefer_floor, sizes [1,2,3,5] from 6x8 (empty roi and scales)",
           (1, 2, 6, 8), "nearest", "half_pixel", "round_prefer_floor", sizes=[1, 2, 3, 5])
    resize("resize_opset11_linear_align_corners_sizes_up", 11,
           "linear, align_corners, sizes [1,2,7,9] from 4x5",
           (1, 2, 4, 5), "linear", "align_corners", sizes=[1, 2, 7, 9])
    resize("resize_opset11_linear_halfpixel_scales_up", 11,
           "linear, half_pixel, scales [1,1,2,2]",
           (1, 2, 3, 4), "linear", "half_pixel", scales=[1, 1, 2, 2])
    resize("resize_opset13_nearest_asym_floor_up2", 13,
           "nearest, asymmetric + floor, scales [1,1,2,2] (roi empty name)",
           (1, 3, 4, 4), "nearest", "asymmetric", "floor", scales=[1, 1, 2, 2])
    resize("resize_opset13_nearest_asym_floor_down", 13,
           "nearest, asymmetric + floor, scales [1,1,0.5,0.5] on 6x8",
           (1, 2, 6, 8), "nearest", "asymmetric", "floor", scales=[1, 1, 0.5, 0.5])
    resize("resize_opset13_nearest_halfpixel_rpf_scales_up", 13,
           "nearest, half_pixel + round_prefer_floor, non-integer scales [1,1,1.5,2.5]",
           (1, 2, 4, 4), "nearest", "half_pixel", "round_prefer_floor", scales=[1, 1, 1.5, 2.5])
    resize("resize_opset13_nearest_default_sizes_up", 13,
           "nearest with default modes (half_pixel + round_prefer_floor), sizes [1,2,5,7] from 3x4",
           (1, 2, 3, 4), "nearest", sizes=[1, 2, 5, 7])
    resize("resize_opset13_linear_halfpixel_scales_up", 13,
           "linear, half_pixel, scales [1,1,2,2]",
           (1, 2, 3, 4), "linear", "half_pixel", scales=[1, 1, 2, 2])
    resize("resize_opset13_linear_halfpixel_sizes_down", 13,
           "linear, half_pixel, sizes [1,2,3,4] from 7x9 (downsample, no antialias)",
           (1, 2, 7, 9), "linear", "half_pixel", sizes=[1, 2, 3, 4])
    resize("resize_opset13_linear_align_corners_sizes_up", 13,
           "linear, align_corners, sizes [1,2,7,9] from 4x5",
           (1, 2, 4, 5), "linear", "align_corners", sizes=[1, 2, 7, 9])
    resize("resize_opset13_linear_align_corners_scales_down", 13,
           "linear, align_corners, scales [1,1,0.5,0.5] on 6x8",
           (1, 2, 6, 8), "linear", "align_corners", scales=[1, 1, 0.5, 0.5])
    resize("resize_opset13_linear_asymmetric_scales_up", 13,
           "linear, asymmetric, scales [1,1,2,3]",
           (1, 2, 3, 3), "linear", "asymmetric", scales=[1, 1, 2, 3])
    resize("resize_opset13_linear_asymmetric_scales_down", 13,
           "linear, asymmetric, scales [1,1,0.5,0.5] on 6x8",
           (1, 2, 6, 8), "linear", "asymmetric", scales=[1, 1, 0.5, 0.5])
    resize("resize_opset13_linear_pytorch_half_pixel_sizes_down", 13,
           "linear, pytorch_half_pixel, sizes [1,2,1,3] from 4x6 (output dim 1 -> coordinate 0)",
           (1, 2, 4, 6), "linear", "pytorch_half_pixel", sizes=[1, 2, 1, 3])
    resize("resize_opset13_linear_pytorch_half_pixel_scales_up", 13,
           "linear, pytorch_half_pixel, scales [1,1,2,2]",
           (1, 2, 3, 4), "linear", "pytorch_half_pixel", scales=[1, 1, 2, 2])
    resize("resize_opset19_nearest_asym_floor_up2", 19,
           "Resize-19 nearest, asymmetric + floor, scales [1,1,2,2]",
           (1, 2, 3, 4), "nearest", "asymmetric", "floor", scales=[1, 1, 2, 2])
    resize("resize_opset19_nearest_halfpixel_rpf_sizes_down", 19,
           "Resize-19 nearest, half_pixel + round_prefer_floor, sizes [1,2,4,3] from 7x6",
           (1, 2, 7, 6), "nearest", "half_pixel", "round_prefer_floor", sizes=[1, 2, 4, 3])
    resize("resize_opset19_linear_halfpixel_sizes_up", 19,
           "Resize-19 linear, half_pixel, sizes [1,2,6,10] from 4x5, antialias 0",
           (1, 2, 4, 5), "linear", "half_pixel", sizes=[1, 2, 6, 10])
    resize("resize_opset19_linear_align_corners_scales_up", 19,
           "Resize-19 linear, align_corners, scales [1,1,2,2]",
           (1, 2, 3, 4), "linear", "align_corners", scales=[1, 1, 2, 2])
    resize("resize_opset19_linear_asymmetric_scales_down", 19,
           "Resize-19 linear, asymmetric, scales [1,1,0.5,0.5] on 6x8",
           (1, 2, 6, 8), "linear", "asymmetric", scales=[1, 1, 0.5, 0.5])
    resize("resize_opset19_linear_pytorch_half_pixel_scales_up", 19,
           "Resize-19 linear, pytorch_half_pixel, scales [1,1,2,2]",
           (1, 2, 3, 4), "linear", "pytorch_half_pixel", scales=[1, 1, 2, 2])


def cubic_resize_cases(S):
    """Resize with mode=cubic (PyTorch's bicubic exports cubic_coeff_a -0.75, TensorFlow's -0.5),
    exclude_outside, every coordinate transformation edgec supports, up and down, opsets 11 to 19,
    and antialias (opset 18) on linear and cubic."""
    def resize(*args, **kwargs):
        resize_case(S, *args, **kwargs)

    resize("resize_cubic_opset11_halfpixel_scales_up", 11, "cubic, half_pixel, scales [1,1,2,2], a=-0.75 (default)",
           (1, 2, 4, 5), "cubic", "half_pixel", scales=[1, 1, 2, 2])
    resize("resize_cubic_opset11_align_corners_sizes_up", 11, "cubic, align_corners, sizes [1,2,7,9] from 4x5, a=-0.5",
           (1, 2, 4, 5), "cubic", "align_corners", sizes=[1, 2, 7, 9], cubic_coeff_a=-0.5)
    resize("resize_cubic_opset13_pytorch_half_pixel_scales_up", 13, "cubic, pytorch_half_pixel, scales [1,1,2,2] (torch bicubic)",
           (1, 3, 5, 6), "cubic", "pytorch_half_pixel", scales=[1, 1, 2, 2])
    resize("resize_cubic_opset13_asymmetric_scales_up", 13, "cubic, asymmetric, a=-0.5 (TensorFlow), scales [1,1,1.5,2.5]",
           (1, 2, 4, 4), "cubic", "asymmetric", scales=[1, 1, 1.5, 2.5], cubic_coeff_a=-0.5)
    resize("resize_cubic_opset13_halfpixel_exclude_sizes_up", 13, "cubic, half_pixel, exclude_outside=1, sizes [1,2,9,11] from 4x5",
           (1, 2, 4, 5), "cubic", "half_pixel", sizes=[1, 2, 9, 11], exclude_outside=1)
    resize("resize_cubic_opset13_halfpixel_sizes_down", 13, "cubic, half_pixel, sizes [1,2,4,5] from 9x12 (downsample, no antialias)",
           (1, 2, 9, 12), "cubic", "half_pixel", sizes=[1, 2, 4, 5])
    resize("resize_cubic_opset13_align_corners_exclude_scales_down", 13,
           "cubic, align_corners, exclude_outside=1, scales [1,1,0.5,0.6] on 8x10",
           (1, 2, 8, 10), "cubic", "align_corners", scales=[1, 1, 0.5, 0.6], exclude_outside=1)
    resize("resize_cubic_opset13_asymmetric_scales_down", 13, "cubic, asymmetric, scales [1,1,0.5,0.5] on 6x8",
           (1, 2, 6, 8), "cubic", "asymmetric", scales=[1, 1, 0.5, 0.5])
    resize("resize_cubic_opset13_2d_input", 13, "cubic on a 2-D tensor [5,6] -> sizes [8,4]",
           (5, 6), "cubic", "half_pixel", sizes=[8, 4])
    resize("resize_cubic_opset18_axes", 18, "Resize-18 cubic, axes [2,3], scales [2,2], pytorch_half_pixel",
           (1, 2, 3, 4), "cubic", "pytorch_half_pixel", scales=[2, 2], axes=[2, 3])
    resize("resize_cubic_opset19_half_pixel_symmetric_sizes_up", 19, "Resize-19 cubic, half_pixel_symmetric, sizes [1,2,7,8] from 4x5",
           (1, 2, 4, 5), "cubic", "half_pixel_symmetric", sizes=[1, 2, 7, 8])
    resize("resize_cubic_opset19_half_pixel_symmetric_exclude_down", 19,
           "Resize-19 cubic, half_pixel_symmetric, exclude_outside=1, a=-0.5, sizes [1,2,4,3] from 7x9",
           (1, 2, 7, 9), "cubic", "half_pixel_symmetric", sizes=[1, 2, 4, 3], exclude_outside=1, cubic_coeff_a=-0.5)
    resize("resize_antialias_opset18_linear_halfpixel_down", 18, "Resize-18 linear, antialias=1, half_pixel, sizes [1,2,4,5] from 9x12",
           (1, 2, 9, 12), "linear", "half_pixel", sizes=[1, 2, 4, 5], antialias=1)
    resize("resize_antialias_opset18_cubic_pytorch_half_pixel_down", 18,
           "Resize-18 cubic, antialias=1, pytorch_half_pixel, scales [1,1,0.4,0.5] on 10x12 (torch antialias=True)",
           (1, 2, 10, 12), "cubic", "pytorch_half_pixel", scales=[1, 1, 0.4, 0.5], antialias=1)
    resize("resize_antialias_opset18_cubic_exclude_asymmetric_down", 18,
           "Resize-18 cubic, antialias=1, exclude_outside=1, asymmetric, a=-0.5, sizes [1,2,3,5] from 8x11",
           (1, 2, 8, 11), "cubic", "asymmetric", sizes=[1, 2, 3, 5], antialias=1, exclude_outside=1, cubic_coeff_a=-0.5)
    resize("resize_antialias_opset19_linear_align_corners_down_up", 19,
           "Resize-19 linear, antialias=1, align_corners, sizes [1,2,4,13] from 9x6 (shrinks one axis, enlarges the other)",
           (1, 2, 9, 6), "linear", "align_corners", sizes=[1, 2, 4, 13], antialias=1)
    resize("resize_antialias_opset19_cubic_half_pixel_symmetric_down", 19,
           "Resize-19 cubic, antialias=1, half_pixel_symmetric, sizes [1,2,5,4] from 11x9",
           (1, 2, 11, 9), "cubic", "half_pixel_symmetric", sizes=[1, 2, 5, 4], antialias=1)


def slice_split_gather_cases(S):
    with S.case("slice_opset9_attr", "Slice", 9, "Slice-1 attributes starts [1,0] ends [3,1000] axes [1,2] (end clamped)") as c:
        c.input("x", c.randn(2, 4, 6))
        c.node("Slice", ["x"], ["y"], starts=[1, 0], ends=[3, 1000], axes=[1, 2])
    with S.case("slice_opset9_noaxes", "Slice", 9, "Slice-1 attributes without axes, negative start") as c:
        c.input("x", c.randn(3, 5))
        c.node("Slice", ["x"], ["y"], starts=[0, -3], ends=[2, 5])
    with S.case("slice_opset10_inputs", "Slice", 10, "Slice-10 inputs starts/ends, no axes/steps") as c:
        c.input("x", c.randn(3, 6))
        c.init("starts", i64([1, 2])); c.init("ends", i64([3, 5]))
        c.node("Slice", ["x", "starts", "ends"], ["y"])
    with S.case("slice_opset13_steps", "Slice", 13, "axes [1,2], starts [0,1], ends [INT64_MAX,-1], steps [2,1]") as c:
        c.input("x", c.randn(2, 5, 6))
        c.init("starts", i64([0, 1])); c.init("ends", i64([INT64_MAX, -1]))
        c.init("axes", i64([1, 2])); c.init("steps", i64([2, 1]))
        c.node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])
    with S.case("slice_opset13_neg_step_reverse", "Slice", 13, "full reversal on axis -1: starts [-1], ends [INT64_MIN], steps [-1]") as c:
        c.input("x", c.randn(2, 3, 5))
        c.init("starts", i64([-1])); c.init("ends", i64([INT64_MIN]))
        c.init("axes", i64([-1])); c.init("steps", i64([-1]))
        c.node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])
    with S.case("slice_opset13_neg_step2", "Slice", 13, "axis 1: starts [INT64_MAX] (clamped to last), ends [0], steps [-2]") as c:
        c.input("x", c.randn(2, 7))
        c.init("starts", i64([INT64_MAX])); c.init("ends", i64([0]))
        c.init("axes", i64([1])); c.init("steps", i64([-2]))
        c.node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])
    with S.case("slice_opset13_neg_starts_ends", "Slice", 13, "starts [-3], ends [-1] on axis 2, no steps") as c:
        c.input("x", c.randn(2, 3, 6))
        c.init("starts", i64([-3])); c.init("ends", i64([-1])); c.init("axes", i64([2]))
        c.node("Slice", ["x", "starts", "ends", "axes"], ["y"])
    with S.case("slice_opset13_ends_int64max", "Slice", 13, "starts [2], ends [INT64_MAX] on axis 0") as c:
        c.input("x", c.randn(5, 3))
        c.init("starts", i64([2])); c.init("ends", i64([INT64_MAX])); c.init("axes", i64([0]))
        c.node("Slice", ["x", "starts", "ends", "axes"], ["y"])
    with S.case("slice_focus", "Slice", 13, "focus x[..., ::2, ::2]: axes [2,3], steps [2,2], ends INT64_MAX") as c:
        c.input("x", c.randn(1, 3, 8, 8))
        c.init("starts", i64([0, 0])); c.init("ends", i64([INT64_MAX, INT64_MAX]))
        c.init("axes", i64([2, 3])); c.init("steps", i64([2, 2]))
        c.node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])
    with S.case("slice_focus_odd", "Slice", 13, "x[..., 1::2, ::2] as two chained single-axis Slices (torch export form)") as c:
        c.input("x", c.randn(1, 3, 8, 8))
        c.init("s1", i64([1])); c.init("s0", i64([0])); c.init("e", i64([INT64_MAX]))
        c.init("a2", i64([2])); c.init("a3", i64([3])); c.init("st", i64([2]))
        c.node("Slice", ["x", "s1", "e", "a2", "st"], ["t"])
        c.node("Slice", ["t", "s0", "e", "a3", "st"], ["y"])

    with S.case("split_opset11_attr", "Split", 11, "split attribute [2,4] on axis 1") as c:
        c.input("x", c.randn(2, 6, 3))
        c.node("Split", ["x"], ["y", "y2"], axis=1, split=[2, 4])
    with S.case("split_opset11_equal", "Split", 11, "no split attribute: 3 equal parts on axis -1") as c:
        c.input("x", c.randn(2, 3, 6))
        c.node("Split", ["x"], ["y", "y2", "y3"], axis=-1)
    with S.case("split_opset13_input", "Split", 13, "split input [1,2,3] on axis 1") as c:
        c.input("x", c.randn(2, 6, 2))
        c.init("split", i64([1, 2, 3]))
        c.node("Split", ["x", "split"], ["y", "y2", "y3"], axis=1)
    with S.case("split_opset13_equal", "Split", 13, "no split input: 2 equal parts on axis 0") as c:
        c.input("x", c.randn(4, 3))
        c.node("Split", ["x"], ["y", "y2"], axis=0)
    with S.case("split_opset18_num_outputs_uneven", "Split", 18, "num_outputs=3 on axis of 7 -> [3,3,1]") as c:
        c.input("x", c.randn(2, 7))
        c.node("Split", ["x"], ["y", "y2", "y3"], axis=1, num_outputs=3)
    with S.case("split_opset18_num_outputs_even", "Split", 18, "num_outputs=2 on axis 1 of 4") as c:
        c.input("x", c.randn(1, 4, 3))
        c.node("Split", ["x"], ["y", "y2"], axis=1, num_outputs=2)

    with S.case("gather_axis0", "Gather", 13, "float data input [5,4], indices initializer [[0,2],[4,1]], axis 0 -> [2,2,4]") as c:
        c.input("x", c.randn(5, 4))
        c.init("idx", i64([[0, 2], [4, 1]]))
        c.node("Gather", ["x", "idx"], ["y"], axis=0)
    with S.case("gather_axis1_negative", "Gather", 13, "axis 1 on [2,5,3], indices [3,0,-1] (negative index)") as c:
        c.input("x", c.randn(2, 5, 3))
        c.init("idx", i64([3, 0, -1]))
        c.node("Gather", ["x", "idx"], ["y"], axis=1)
    with S.case("gather_scalar_index", "Gather", 13, "scalar index 2 on axis 1 of [2,4,3] -> [2,3] (rank reduction)") as c:
        c.input("x", c.randn(2, 4, 3))
        c.init("idx", np.array(2, dtype=np.int64))
        c.node("Gather", ["x", "idx"], ["y"], axis=1)
    with S.case("gather_opset11_negative_axis0", "Gather", 11, "opset 11, axis 0, indices [-1,0,-2]") as c:
        c.input("x", c.randn(4, 3))
        c.init("idx", i64([-1, 0, -2]))
        c.node("Gather", ["x", "idx"], ["y"], axis=0)
    with S.case("gather_opset9_weights", "Gather", 9, "opset 9: embedding-table initializer [6,4] gathered with 2D indices [2,3] on axis 0, then Add x") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("table", c.w(6, 4)); c.init("idx", i64([[5, 0, 3], [1, 1, 2]]))
        c.node("Gather", ["table", "idx"], ["emb"], axis=0)
        c.node("Add", ["x", "emb"], ["y"])


def reduce_cases(S):
    x = (2, 3, 4, 5)
    with S.case("reducemean_opset11_axes_keep1", "ReduceMean", 11, "axes attribute [2,3], keepdims 1") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=1)
    with S.case("reducemean_opset13_keep0", "ReduceMean", 13, "axes attribute [1], keepdims 0") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceMean", ["x"], ["y"], axes=[1], keepdims=0)
    with S.case("reducemean_opset13_neg_axis", "ReduceMean", 13, "axes attribute [-1], keepdims 1 (LayerNorm form)") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceMean", ["x"], ["y"], axes=[-1])
    with S.case("reducemean_opset13_all", "ReduceMean", 13, "no axes: reduce all, keepdims 0 -> scalar []") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceMean", ["x"], ["y"], keepdims=0)
    with S.case("reducemean_opset18_axes_input", "ReduceMean", 18, "axes input [-1, 1], keepdims 1") as c:
        c.input("x", c.randn(*x))
        c.init("axes", i64([-1, 1]))
        c.node("ReduceMean", ["x", "axes"], ["y"], keepdims=1)
    with S.case("reducemean_opset18_all", "ReduceMean", 18, "no axes input: reduce all, keepdims 1 -> [1,1,1,1]") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceMean", ["x"], ["y"])
    with S.case("reducesum_opset11_attr", "ReduceSum", 11, "axes attribute [1], keepdims 0") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceSum", ["x"], ["y"], axes=[1], keepdims=0)
    with S.case("reducesum_opset13_input", "ReduceSum", 13, "axes input [1,2] (ReduceSum-13 moved axes to an input), keepdims 1") as c:
        c.input("x", c.randn(*x))
        c.init("axes", i64([1, 2]))
        c.node("ReduceSum", ["x", "axes"], ["y"], keepdims=1)
    with S.case("reducesum_opset13_all", "ReduceSum", 13, "no axes input: reduce all, keepdims 1") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceSum", ["x"], ["y"])
    with S.case("reducesum_opset13_all_keep0", "ReduceSum", 13, "no axes input: reduce all, keepdims 0 -> scalar []") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceSum", ["x"], ["y"], keepdims=0)
    with S.case("reducesum_opset18_neg", "ReduceSum", 18, "axes input [-2], keepdims 0") as c:
        c.input("x", c.randn(*x))
        c.init("axes", i64([-2]))
        c.node("ReduceSum", ["x", "axes"], ["y"], keepdims=0)
    with S.case("reducemax_opset11_attr", "ReduceMax", 11, "axes attribute [2,3], keepdims 1 (global max pool form)") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceMax", ["x"], ["y"], axes=[2, 3])
    with S.case("reducemax_opset13_keep0", "ReduceMax", 13, "axes attribute [-1], keepdims 0") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceMax", ["x"], ["y"], axes=[-1], keepdims=0)
    with S.case("reducemax_opset18_axes_input", "ReduceMax", 18, "axes input [0,2], keepdims 1") as c:
        c.input("x", c.randn(*x))
        c.init("axes", i64([0, 2]))
        c.node("ReduceMax", ["x", "axes"], ["y"], keepdims=1)
    with S.case("reducemax_opset18_all", "ReduceMax", 18, "no axes input: reduce all, keepdims 0 -> scalar []") as c:
        c.input("x", c.randn(*x))
        c.node("ReduceMax", ["x"], ["y"], keepdims=0)


def misc_cases(S):
    with S.case("constantofshape_bias", "ConstantOfShape", 13, "ConstantOfShape(shape initializer [4], value 0.25) added to x [2,3,4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("shape", i64([4]))
        c.node("ConstantOfShape", ["shape"], ["bias"], value=numpy_helper.from_array(f32([0.25])))
        c.node("Add", ["x", "bias"], ["y"])
    with S.case("constantofshape_from_shape", "ConstantOfShape", 9, "Shape(x) -> ConstantOfShape(value -1.5) -> Mul with x") as c:
        c.input("x", c.randn(2, 3))
        c.node("Shape", ["x"], ["s"])
        c.node("ConstantOfShape", ["s"], ["k"], value=numpy_helper.from_array(f32([-1.5])))
        c.node("Mul", ["x", "k"], ["y"])
    with S.case("shape_chain_dynamic", "Shape", 13,
                "x [N,4,6] (symbolic N) -> Shape -> Gather(0) -> Unsqueeze -> Concat with [24] -> Reshape -> [N,24]; stored with N=3") as c:
        c.input("x", c.randn(3, 4, 6), dims=["N", 4, 6])
        c.init("zero", np.array(0, dtype=np.int64))
        c.init("axes0", i64([0]))
        c.init("tail", i64([24]))
        c.node("Shape", ["x"], ["shape"])
        c.node("Gather", ["shape", "zero"], ["n"], axis=0)
        c.node("Unsqueeze", ["n", "axes0"], ["n1"])
        c.node("Concat", ["n1", "tail"], ["newshape"], axis=0)
        c.node("Reshape", ["x", "newshape"], ["y"])
        c.output("y", dims=["N", 24])


def pattern_cases(S):
    with S.case("pattern_layernorm", "LayerNorm(pattern)", 13,
                "torch opset-13 LayerNorm decomposition: ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta") as c:
        c.input("x", c.randn(2, 5, 8) * 2.0 + 0.5)
        c.init("gamma", (1.0 + c.w(8, scale=0.2)).astype(np.float32))
        c.init("beta", c.w(8, scale=0.2))
        c.node("ReduceMean", ["x"], ["mean"], axes=[-1])
        c.node("Sub", ["x", "mean"], ["d"])
        c.const("two", np.array(2.0, dtype=np.float32))
        c.node("Pow", ["d", "two"], ["d2"])
        c.node("ReduceMean", ["d2"], ["var"], axes=[-1])
        c.const("eps", np.array(1e-5, dtype=np.float32))
        c.node("Add", ["var", "eps"], ["ve"])
        c.node("Sqrt", ["ve"], ["std"])
        c.node("Div", ["d", "std"], ["n"])
        c.node("Mul", ["n", "gamma"], ["ng"])
        c.node("Add", ["ng", "beta"], ["y"])
    with S.case("pattern_attention", "Attention(pattern)", 13,
                "single head: q/k/v MatMul, Transpose k, MatMul, Div sqrt(d), Softmax -1, MatMul v") as c:
        d = 8
        c.input("x", c.randn(1, 6, d))
        c.init("Wq", c.w(d, d)); c.init("Wk", c.w(d, d)); c.init("Wv", c.w(d, d))
        c.init("scale", np.array(math.sqrt(d), dtype=np.float32))
        c.node("MatMul", ["x", "Wq"], ["q"])
        c.node("MatMul", ["x", "Wk"], ["k"])
        c.node("MatMul", ["x", "Wv"], ["v"])
        c.node("Transpose", ["k"], ["kt"], perm=[0, 2, 1])
        c.node("MatMul", ["q", "kt"], ["s"])
        c.node("Div", ["s", "scale"], ["ss"])
        c.node("Softmax", ["ss"], ["p"], axis=-1)
        c.node("MatMul", ["p", "v"], ["y"])
    with S.case("pattern_focus", "Focus(pattern)", 13,
                "YOLOv5 focus: x[...,::2,::2], x[...,1::2,::2], x[...,::2,1::2], x[...,1::2,1::2] concatenated on channels, then 1x1 Conv") as c:
        c.input("x", c.randn(1, 3, 8, 8))
        c.init("e", i64([INT64_MAX, INT64_MAX])); c.init("axes", i64([2, 3])); c.init("steps", i64([2, 2]))
        for k, (sh, sw) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
            c.init("s%d" % k, i64([sh, sw]))
            c.node("Slice", ["x", "s%d" % k, "e", "axes", "steps"], ["f%d" % k])
        c.node("Concat", ["f0", "f1", "f2", "f3"], ["cat"], axis=1)
        c.init("W", c.w(4, 12, 1, 1)); c.init("B", c.w(4))
        c.node("Conv", ["cat", "W", "B"], ["y"])
    with S.case("pattern_conv_bn_relu", "ConvBnRelu(pattern)", 13,
                "Conv (no bias) -> BatchNormalization -> Relu (unfused, as exported in training-mode-off graphs without folding)") as c:
        c.input("x", c.randn(1, 3, 6, 6))
        c.init("W", c.w(4, 3, 3, 3))
        c.init("scale", c.w(4)); c.init("B", c.w(4)); c.init("mean", c.w(4)); c.init("var", c.pos(4))
        c.node("Conv", ["x", "W"], ["c"], pads=[1, 1, 1, 1])
        c.node("BatchNormalization", ["c", "scale", "B", "mean", "var"], ["b"])
        c.node("Relu", ["b"], ["y"])
    with S.case("pattern_multi_output", "Relu+Sigmoid(pattern)", 13, "two graph outputs y and y2 from a shared Conv") as c:
        c.input("x", c.randn(1, 2, 4, 4))
        c.init("W", c.w(3, 2, 3, 3)); c.init("B", c.w(3))
        c.node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1])
        c.node("Relu", ["c"], ["y"])
        c.node("Sigmoid", ["c"], ["y2"])
        c.output("y"); c.output("y2")


def recent_opset_cases(S):
    """A few cases importing opset 20/21 (IR version 10), for the newest op forms."""
    with S.case("conv_opset21", "Conv", 21, "opset 21 import (IR 10), 3x3 pads 1, bias") as c:
        c.input("x", c.randn(1, 2, 5, 5))
        c.init("W", c.w(3, 2, 3, 3)); c.init("B", c.w(3))
        c.node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1])
    with S.case("gemm_transB_opset21", "Gemm", 21, "opset 21 import, transB=1, C [N]") as c:
        c.input("x", c.randn(2, 4))
        c.init("W", c.w(3, 4)); c.init("C", c.w(3))
        c.node("Gemm", ["x", "W", "C"], ["y"], transB=1)
    with S.case("reshape_opset21", "Reshape", 21, "Reshape-21 shape [0,-1] on [2,3,4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("shape", i64([0, -1]))
        c.node("Reshape", ["x", "shape"], ["y"])
    with S.case("flatten_opset21", "Flatten", 21, "Flatten-21 axis 1") as c:
        c.input("x", c.randn(2, 3, 2, 2))
        c.node("Flatten", ["x"], ["y"], axis=1)
    with S.case("transpose_opset21", "Transpose", 21, "Transpose-21 perm [1,0,2]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.node("Transpose", ["x"], ["y"], perm=[1, 0, 2])
    with S.case("squeeze_opset21", "Squeeze", 21, "Squeeze-21 axes input [0]") as c:
        c.input("x", c.randn(1, 3, 4))
        c.init("axes", i64([0]))
        c.node("Squeeze", ["x", "axes"], ["y"])
    with S.case("unsqueeze_opset21", "Unsqueeze", 21, "Unsqueeze-21 axes input [1]") as c:
        c.input("x", c.randn(3, 4))
        c.init("axes", i64([1]))
        c.node("Unsqueeze", ["x", "axes"], ["y"])
    with S.case("pad_opset21_constant", "Pad", 21, "Pad-21 constant 0.5 pads [0,0,1,1,0,0,1,1]") as c:
        c.input("x", c.randn(1, 2, 3, 3))
        c.init("pads", i64([0, 0, 1, 1, 0, 0, 1, 1])); c.init("value", np.array(0.5, dtype=np.float32))
        c.node("Pad", ["x", "pads", "value"], ["y"])
    with S.case("cast_chain_opset21", "Cast", 21, "Cast-21 float->int64->float after Mul 2.5") as c:
        c.input("x", c.randn(2, 5))
        c.init("k", np.array(2.5, dtype=np.float32))
        c.node("Mul", ["x", "k"], ["t"])
        c.node("Cast", ["t"], ["ti"], to=TensorProto.INT64)
        c.node("Cast", ["ti"], ["y"], to=TensorProto.FLOAT)
    with S.case("constantofshape_opset20", "ConstantOfShape", 20, "ConstantOfShape-20 shape [3] value 1.25, Add x [2,3]") as c:
        c.input("x", c.randn(2, 3))
        c.init("shape", i64([3]))
        c.node("ConstantOfShape", ["shape"], ["k"], value=numpy_helper.from_array(f32([1.25])))
        c.node("Add", ["x", "k"], ["y"])
    with S.case("reducemax_opset20_axes_input", "ReduceMax", 20, "ReduceMax-20 axes input [1], keepdims 0") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("axes", i64([1]))
        c.node("ReduceMax", ["x", "axes"], ["y"], keepdims=0)
    with S.case("resize_opset21_nearest_asym_floor_up2", "Resize", 21, "opset 21 import: Resize nearest asymmetric+floor scales [1,1,2,2]") as c:
        c.input("x", c.randn(1, 2, 2, 3))
        c.init("scales", f32([1, 1, 2, 2]))
        c.node("Resize", ["x", "", "scales"], ["y"], mode="nearest",
               coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    with S.case("softmax_opset21", "Softmax", 21, "opset 21 import: Softmax axis -1") as c:
        c.input("x", c.randn(2, 5) * 3.0)
        c.node("Softmax", ["x"], ["y"], axis=-1)


def prelu_range_cases(S):
    """PRelu (a slope per channel as PyTorch exports it, one slope, a slope per element) and Range
    (constant bounds, and bounds computed from Shape as YOLOv8's exporter writes them)."""
    with S.case("prelu_per_channel", "PRelu", 16, "slope [C,1,1] on x [2,3,4,5], x ~ 2*N(0,1)") as c:
        c.input("x", c.randn(2, 3, 4, 5) * 2.0)
        c.init("slope", c.w(3, 1, 1))
        c.node("PRelu", ["x", "slope"], ["y"])
    with S.case("prelu_scalar_opset9", "PRelu", 9, "one slope [1] on x [3,7]") as c:
        c.input("x", c.randn(3, 7))
        c.init("slope", f32([0.25]))
        c.node("PRelu", ["x", "slope"], ["y"])
    with S.case("prelu_per_element", "PRelu", 16, "slope [4,5] broadcast over x [2,4,5]") as c:
        c.input("x", c.randn(2, 4, 5))
        c.init("slope", c.w(4, 5))
        c.node("PRelu", ["x", "slope"], ["y"])
    with S.case("prelu_after_conv", "PRelu", 16, "Conv 3x3 -> PRelu slope [4,1,1] (the Conv+PRelu of face and super-resolution nets)") as c:
        c.input("x", c.randn(1, 2, 6, 6))
        c.init("W", c.w(4, 2, 3, 3)); c.init("B", c.w(4))
        c.init("slope", c.w(4, 1, 1))
        c.node("Conv", ["x", "W", "B"], ["t"], pads=[1, 1, 1, 1])
        c.node("PRelu", ["t", "slope"], ["y"])
    with S.case("range_float_constant", "Range", 11, "Range(0.5, 3.7, 0.4) float, plus x [1]") as c:
        c.input("x", c.randn(1))
        c.init("start", np.array(0.5, dtype=np.float32)); c.init("limit", np.array(3.7, dtype=np.float32))
        c.init("delta", np.array(0.4, dtype=np.float32))
        c.node("Range", ["start", "limit", "delta"], ["r"])
        c.node("Add", ["x", "r"], ["y"])
    with S.case("range_int64_negative_delta", "Range", 11, "Range(10, 1, -3) int64, cast to float, times x [1]") as c:
        c.input("x", c.randn(1))
        c.init("start", np.array(10, dtype=np.int64)); c.init("limit", np.array(1, dtype=np.int64))
        c.init("delta", np.array(-3, dtype=np.int64))
        c.node("Range", ["start", "limit", "delta"], ["r"])
        c.node("Cast", ["r"], ["rf"], to=TensorProto.FLOAT)
        c.node("Mul", ["x", "rf"], ["y"])
    with S.case("range_from_shape", "Range", 11,
                "YOLOv8-style anchors: Range(0, W) with W = Shape(x)[3], cast, plus 0.5, added to x [1,2,3,5]") as c:
        c.input("x", c.randn(1, 2, 3, 5))
        c.init("index", np.array(3, dtype=np.int64))
        c.init("zero", np.array(0, dtype=np.int64)); c.init("one", np.array(1, dtype=np.int64))
        c.init("half", np.array(0.5, dtype=np.float32))
        c.node("Shape", ["x"], ["shape"])
        c.node("Gather", ["shape", "index"], ["w"], axis=0)
        c.node("Range", ["zero", "w", "one"], ["r"])
        c.node("Cast", ["r"], ["rf"], to=TensorProto.FLOAT)
        c.node("Add", ["rf", "half"], ["centers"])
        c.node("Add", ["x", "centers"], ["y"])


def activation_math_cases(S):
    """The elementwise functions of real exporters' models beyond the basic activations, each at
    the opset that introduced its current form."""
    def simple(name, op, opset, note, data=None, **attrs):
        with S.case(name, op, opset, note) as c:
            c.input("x", data(c) if data else c.randn(2, 3, 4, 5) * 2.0)
            c.node(op, ["x"], ["y"], **attrs)

    simple("elu", "Elu", 13, "alpha=0.7", alpha=0.7)
    simple("elu_default", "Elu", 13, "default alpha=1")
    simple("selu", "Selu", 13, "default alpha, gamma")
    simple("selu_attributes", "Selu", 13, "alpha=1.5, gamma=2.0", alpha=1.5, gamma=2.0)
    simple("celu", "Celu", 12, "alpha=0.5", alpha=0.5)
    simple("softplus", "Softplus", 13, "x ~ 8*N(0,1) (large |x| both ways)", data=lambda c: c.randn(2, 3, 4, 5) * 8.0)
    simple("softsign", "Softsign", 13, "x ~ 2*N(0,1)")
    simple("mish", "Mish", 18, "x ~ 3*N(0,1)", data=lambda c: c.randn(2, 3, 4, 5) * 3.0)
    simple("reciprocal", "Reciprocal", 13, "|x| >= 0.5", data=lambda c: c.pos(2, 3, 4) * np.sign(c.randn(2, 3, 4)))
    simple("floor", "Floor", 13, "x ~ 3*N(0,1)", data=lambda c: c.randn(2, 3, 4) * 3.0)
    simple("ceil", "Ceil", 13, "x ~ 3*N(0,1)", data=lambda c: c.randn(2, 3, 4) * 3.0)
    simple("round_half_even", "Round", 11, "halves round to even (-2.5 -> -2, 0.5 -> 0, 1.5 -> 2)",
           data=lambda c: np.concatenate([f32([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.7]), c.randn(16) * 3.0]))
    simple("sign", "Sign", 13, "with exact zeros", data=lambda c: np.concatenate([f32([0.0, -0.0, 1e-30, -1e-30]), c.randn(20)]))
    simple("log", "Log", 13, "positive input", data=lambda c: c.pos(2, 3, 4, lo=0.01) * 4.0)
    simple("sin", "Sin", 13, "x ~ 4*N(0,1)", data=lambda c: c.randn(2, 3, 4) * 4.0)
    simple("cos", "Cos", 13, "x ~ 4*N(0,1)", data=lambda c: c.randn(2, 3, 4) * 4.0)
    simple("gelu", "Gelu", 20, "approximate=none, x ~ 3*N(0,1)", data=lambda c: c.randn(2, 3, 4, 5) * 3.0)
    simple("gelu_tanh", "Gelu", 20, "approximate=tanh", data=lambda c: c.randn(2, 3, 4, 5) * 3.0, approximate="tanh")


def transformer_cases(S):
    """LayerNormalization, comparisons, logic, Where and GatherElements: what transformer exports
    (BERT-style attention masks, ViT blocks) write."""
    with S.case("layernorm_last_axis", "LayerNormalization", 17, "[2,5,16] axis=-1, scale and bias [16]") as c:
        c.input("x", c.randn(2, 5, 16) * 3.0 + 1.0)
        c.init("scale", c.w(16)); c.init("bias", c.w(16))
        c.node("LayerNormalization", ["x", "scale", "bias"], ["y"], axis=-1, epsilon=1e-5)
    with S.case("layernorm_two_axes_no_bias", "LayerNormalization", 17, "[2,3,4,5] axis=2 (over [4,5]), no bias, epsilon 1e-3") as c:
        c.input("x", c.randn(2, 3, 4, 5))
        c.init("scale", c.w(4, 5))
        c.node("LayerNormalization", ["x", "scale"], ["y"], axis=2, epsilon=1e-3)
    with S.case("layernorm_broadcast_scale", "LayerNormalization", 17, "[3,4,6] axis=1, scale [6] broadcast over [4,6]") as c:
        c.input("x", c.randn(3, 4, 6))
        c.init("scale", c.w(6)); c.init("bias", c.w(1, 6))
        c.node("LayerNormalization", ["x", "scale", "bias"], ["y"], axis=1)
    for op in ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]:
        opset = 16 if op.endswith("Equal") and op != "Equal" else 13
        with S.case("compare_" + op.lower(), op, opset, "float [2,3,4] against [3,1] (broadcast), ties included; Where picks x or y") as c:
            x = np.round(c.randn(2, 3, 4) * 2.0)
            c.input("x", x)
            c.init("t", np.round(c.randn(3, 1) * 2.0).astype(np.float32))
            c.init("other", f32([-100.0]))
            c.node(op, ["x", "t"], ["holds"])
            c.node("Where", ["holds", "x", "other"], ["y"])
    with S.case("compare_int64_mask", "Less", 13, "int64 positions against lengths from the input: a padding mask as float") as c:
        c.input("lengths", i64([[3], [5]]))
        c.init("positions", i64([np.arange(6)]))
        c.node("Less", ["positions", "lengths"], ["mask"])
        c.node("Cast", ["mask"], ["y"], to=TensorProto.FLOAT)
    with S.case("logical_and_or_xor_not", "And", 13, "And, Or, Xor, Not of comparisons of x, as float") as c:
        c.input("x", c.randn(3, 8))
        c.init("zero", f32([0.0])); c.init("one", f32([1.0]))
        c.node("Greater", ["x", "zero"], ["p"])
        c.node("Less", ["x", "one"], ["q"])
        c.node("And", ["p", "q"], ["a"])
        c.node("Or", ["p", "q"], ["o"])
        c.node("Xor", ["a", "o"], ["e"])
        c.node("Not", ["e"], ["n"])
        c.node("Equal", ["n", "a"], ["same"])
        for name in ["a", "o", "e", "n", "same"]:
            c.node("Cast", [name], [name + "_f"], to=TensorProto.FLOAT)
        c.node("Concat", ["a_f", "o_f", "e_f", "n_f", "same_f"], ["y"], axis=1)
    with S.case("where_attention_mask", "Where", 16, "BERT-style: mask [2,1,1,6] from int64 input == 0 -> -1e4, else scores [2,2,6,6]") as c:
        c.input("scores", c.randn(2, 2, 6, 6))
        c.input("mask", i64([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]]).reshape(2, 1, 1, 6))
        c.init("zero", i64([0])); c.init("low", f32([-1e4]))
        c.node("Equal", ["mask", "zero"], ["padded"])
        c.node("Where", ["padded", "low", "scores"], ["y"])
    with S.case("where_int64", "Where", 16, "int64 values chosen by a bool input") as c:
        c.input("condition", np.array([[True, False, True], [False, False, True]]))
        c.init("a", i64([[1, 2, 3]])); c.init("b", i64([[-1], [-2]]))
        c.node("Where", ["condition", "a", "b"], ["picked"])
        c.node("Cast", ["picked"], ["y"], to=TensorProto.FLOAT)
    with S.case("gather_elements_axis1", "GatherElements", 13, "data [3,5,4], indices [3,2,4] along axis 1 (negative indices too)") as c:
        c.input("x", c.randn(3, 5, 4))
        c.init("indices", c.rng.integers(-5, 5, (3, 2, 4)).astype(np.int64))
        c.node("GatherElements", ["x", "indices"], ["y"], axis=1)
    with S.case("gather_elements_input_indices", "GatherElements", 13, "indices from the input, axis 0, smaller in the other axis") as c:
        c.input("x", c.randn(4, 6))
        c.input("indices", c.rng.integers(0, 4, (2, 5)).astype(np.int64))
        c.node("GatherElements", ["x", "indices"], ["y"], axis=0)


def recurrent_cases(S):
    """LSTM and GRU as PyTorch exports them (gates i,o,f,c and z,r,h; GRU with linear_before_reset)
    and the other forms ONNX allows: reverse, bidirectional, no bias, initial states, full-length
    sequence_lens."""
    def weights(c, directions, gates, hidden, features):
        c.init("W", c.w(directions, gates * hidden, features))
        c.init("R", c.w(directions, gates * hidden, hidden))
        return ["x", "W", "R"]

    with S.case("lstm_forward_states", "LSTM", 14, "X [5,2,3], hidden 4, bias, initial h and c; Y, Y_h, Y_c") as c:
        c.input("x", c.randn(5, 2, 3))
        names = weights(c, 1, 4, 4, 3)
        c.init("B", c.w(1, 32)); c.init("h0", c.w(1, 2, 4)); c.init("c0", c.w(1, 2, 4))
        c.node("LSTM", names + ["B", "", "h0", "c0"], ["y", "y_h", "y_c"], hidden_size=4)
    with S.case("lstm_reverse_no_bias", "LSTM", 14, "reverse, no bias or states, Y only") as c:
        c.input("x", c.randn(4, 1, 5))
        c.node("LSTM", weights(c, 1, 4, 3, 5), ["y"], hidden_size=3, direction="reverse")
    with S.case("lstm_bidirectional_lengths", "LSTM", 14, "bidirectional, bias, sequence_lens all 6 (full length); Y and Y_h") as c:
        c.input("x", c.randn(6, 2, 4))
        names = weights(c, 2, 4, 5, 4)
        c.init("B", c.w(2, 40)); c.init("lengths", np.array([6, 6], dtype=np.int32))
        c.node("LSTM", names + ["B", "lengths"], ["y", "y_h"], hidden_size=5, direction="bidirectional")
    with S.case("gru_linear_before_reset_bidirectional", "GRU", 14, "PyTorch's form: linear_before_reset=1, bidirectional, bias") as c:
        c.input("x", c.randn(5, 2, 3))
        names = weights(c, 2, 3, 4, 3)
        c.init("B", c.w(2, 24))
        c.node("GRU", names + ["B"], ["y", "y_h"], hidden_size=4, direction="bidirectional", linear_before_reset=1)
    with S.case("gru_reset_before_linear", "GRU", 14, "linear_before_reset=0 (ONNX's default), bias, initial h") as c:
        c.input("x", c.randn(4, 3, 2))
        names = weights(c, 1, 3, 3, 2)
        c.init("B", c.w(1, 18)); c.init("h0", c.w(1, 3, 3))
        c.node("GRU", names + ["B", "", "h0"], ["y", "y_h"], hidden_size=3)


def more_reduction_cases(S):
    """ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSumExp and ReduceSumSquare: axes as an
    attribute (opset 13) and as an input (opset 18), kept and dropped."""
    for op in ["ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"]:
        scale = 0.9 if op == "ReduceProd" else 3.0
        with S.case(op.lower() + "_axes_1_3", op, 13, "[2,3,4,5] over axes 1 and 3, keepdims") as c:
            c.input("x", c.randn(2, 3, 4, 5) * scale)
            c.node(op, ["x"], ["y"], axes=[1, 3], keepdims=1)
        with S.case(op.lower() + "_opset18_last", op, 18, "axes input [-1], dropped") as c:
            c.input("x", c.randn(3, 4, 6) * scale)
            c.init("axes", i64([-1]))
            c.node(op, ["x", "axes"], ["y"], keepdims=0)
    with S.case("reducelogsumexp_large", "ReduceLogSumExp", 13, "values near 100: exp would overflow without the shift") as c:
        c.input("x", c.randn(2, 8) + 100.0)
        c.node("ReduceLogSumExp", ["x"], ["y"], axes=[1], keepdims=0)


def group_norm_indexing_cases(S):
    """InstanceNormalization and GroupNormalization (opset 18's per-group scale and bias, opset 21's
    per-channel ones), GatherND (batch_dims 0 and 1, constant and fed indices), ScatterND and
    ScatterElements (reduction none, add, mul; opset 16 brought reduction). Indices include negative
    values; the none reductions never write one element twice (ONNX leaves that undefined)."""
    with S.case("instancenorm_nchw", "InstanceNormalization", 13, "[2,3,4,5], scale and bias [3], default epsilon") as c:
        c.input("x", c.randn(2, 3, 4, 5) * 2.0 + 0.5)
        c.init("scale", c.w(3)); c.init("B", c.w(3))
        c.node("InstanceNormalization", ["x", "scale", "B"], ["y"])
    with S.case("instancenorm_ncl", "InstanceNormalization", 9, "[2,4,7] (N,C,L), epsilon 1e-3") as c:
        c.input("x", c.randn(2, 4, 7))
        c.init("scale", c.w(4)); c.init("B", c.w(4))
        c.node("InstanceNormalization", ["x", "scale", "B"], ["y"], epsilon=1e-3)
    with S.case("instancenorm_input_parameters", "InstanceNormalization", 13, "[1,2,3,3], scale and bias fed as inputs") as c:
        c.input("x", c.randn(1, 2, 3, 3))
        c.input("scale", c.w(2)); c.input("B", c.w(2))
        c.node("InstanceNormalization", ["x", "scale", "B"], ["y"])
    with S.case("groupnorm_opset18_per_group", "GroupNormalization", 18, "[2,6,3,3], 3 groups, scale and bias per group [3]") as c:
        c.input("x", c.randn(2, 6, 3, 3) * 1.5 - 0.5)
        c.init("scale", c.w(3)); c.init("bias", c.w(3))
        c.node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=3)
        c.checked = False
    with S.case("groupnorm_opset21_per_channel", "GroupNormalization", 21, "[2,6,4,4], 2 groups, scale and bias per channel [6], epsilon 1e-3") as c:
        c.input("x", c.randn(2, 6, 4, 4))
        c.init("scale", c.w(6)); c.init("bias", c.w(6))
        c.node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=2, epsilon=1e-3)
    with S.case("groupnorm_opset21_ncl", "GroupNormalization", 21, "[3,8,5] (N,C,L), 4 groups, per channel") as c:
        c.input("x", c.randn(3, 8, 5) * 3.0)
        c.init("scale", c.w(8)); c.init("bias", c.w(8))
        c.node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=4)
    with S.case("groupnorm_opset21_one_group", "GroupNormalization", 21, "[2,4,3,3], 1 group (over C,H,W), scale and bias fed as inputs") as c:
        c.input("x", c.randn(2, 4, 3, 3))
        c.input("scale", c.w(4)); c.input("bias", c.w(4))
        c.node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=1)
    with S.case("gathernd_opset11", "GatherND", 11, "data [4,3], indices [[1],[-1]] pick rows") as c:
        c.input("x", c.randn(4, 3))
        c.init("indices", i64([[1], [-1]]))
        c.node("GatherND", ["x", "indices"], ["y"])
    with S.case("gathernd_constant_indices", "GatherND", 13, "data [3,4,5], constant indices [2,2] (negative too) -> [2,5]") as c:
        c.input("x", c.randn(3, 4, 5))
        c.init("indices", i64([[2, -1], [-3, 1]]))
        c.node("GatherND", ["x", "indices"], ["y"])
    with S.case("gathernd_input_indices", "GatherND", 13, "data [2,3,4], full tuples fed as int64 input [2,3,3] -> [2,3]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.input("indices", np.stack([c.rng.integers(-2, 2, (2, 3)), c.rng.integers(-3, 3, (2, 3)), c.rng.integers(-4, 4, (2, 3))], axis=-1).astype(np.int64))
        c.node("GatherND", ["x", "indices"], ["y"])
    with S.case("gathernd_batch_dims1", "GatherND", 12, "data [2,3,4], indices [2,5,1], batch_dims 1 -> [2,5,4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("indices", c.rng.integers(-3, 3, (2, 5, 1)).astype(np.int64))
        c.node("GatherND", ["x", "indices"], ["y"], batch_dims=1)
    with S.case("gathernd_batch_dims1_int64", "GatherND", 13, "int64 data [2,4,3], fed indices [2,2,2], batch_dims 1 -> [2,2]") as c:
        c.input("x", c.rng.integers(-100, 100, (2, 4, 3)).astype(np.int64))
        c.input("indices", np.stack([c.rng.integers(-4, 4, (2, 2)), c.rng.integers(0, 3, (2, 2))], axis=-1).astype(np.int64))
        c.node("GatherND", ["x", "indices"], ["picked"], batch_dims=1)
        c.node("Cast", ["picked"], ["y"], to=TensorProto.FLOAT)
    with S.case("scatternd_opset11", "ScatterND", 11, "data [4,5,3], indices [[0],[-2]], updates [2,5,3] replace two slices") as c:
        c.input("x", c.randn(4, 5, 3))
        c.init("indices", i64([[0], [-2]]))
        c.input("updates", c.randn(2, 5, 3))
        c.node("ScatterND", ["x", "indices", "updates"], ["y"])
    with S.case("scatternd_input_indices", "ScatterND", 13, "data [3,4], fed element indices [3,2] (distinct), updates [3]") as c:
        c.input("x", c.randn(3, 4))
        c.input("indices", i64([[2, 3], [0, -4], [-2, 1]]))
        c.input("updates", c.randn(3))
        c.node("ScatterND", ["x", "indices", "updates"], ["y"])
    with S.case("scatternd_add_duplicates", "ScatterND", 16, "reduction add, data [6], indices [[1],[3],[1],[-1]] (one twice), updates [4]") as c:
        c.input("x", c.randn(6))
        c.init("indices", i64([[1], [3], [1], [-1]]))
        c.input("updates", c.randn(4))
        c.node("ScatterND", ["x", "indices", "updates"], ["y"], reduction="add")
    with S.case("scatternd_mul_rows", "ScatterND", 18, "reduction mul, data [3,4], indices [[0],[2],[0]], updates [3,4]") as c:
        c.input("x", c.randn(3, 4))
        c.init("indices", i64([[0], [2], [0]]))
        c.input("updates", c.randn(3, 4))
        c.node("ScatterND", ["x", "indices", "updates"], ["y"], reduction="mul")
    with S.case("scatternd_add_int64", "ScatterND", 16, "int64 counters [5], reduction add, indices [[4],[0],[4]]") as c:
        c.input("x", i64([10, 20, 30, 40, 50]))
        c.init("indices", i64([[4], [0], [4]]))
        c.init("updates", i64([1, 2, 3]))
        c.node("ScatterND", ["x", "indices", "updates"], ["counted"], reduction="add")
        c.node("Cast", ["counted"], ["y"], to=TensorProto.FLOAT)
    with S.case("scatter_opset9", "Scatter", 9, "Scatter-9 (ScatterElements' old name), axis 1, data [3,4], indices [3,2]") as c:
        c.input("x", c.randn(3, 4))
        c.init("indices", i64([[0, 3], [2, 1], [-1, 0]]))
        c.input("updates", c.randn(3, 2))
        c.node("Scatter", ["x", "indices", "updates"], ["y"], axis=1)
    with S.case("scatterelements_axis1", "ScatterElements", 13, "axis 1, data [3,5], indices [3,2] distinct per row, smaller than data") as c:
        c.input("x", c.randn(3, 5))
        c.init("indices", i64([[4, 0], [-1, 1], [2, -5]]))
        c.input("updates", c.randn(3, 2))
        c.node("ScatterElements", ["x", "indices", "updates"], ["y"], axis=1)
    with S.case("scatterelements_add_axis0", "ScatterElements", 16, "reduction add, axis 0, data [4,3], fed indices [5,3] with repeats") as c:
        c.input("x", c.randn(4, 3))
        c.input("indices", c.rng.integers(-4, 4, (5, 3)).astype(np.int64))
        c.input("updates", c.randn(5, 3))
        c.node("ScatterElements", ["x", "indices", "updates"], ["y"], axis=0, reduction="add")
    with S.case("scatterelements_mul_last_axis", "ScatterElements", 18, "reduction mul, axis -1, data [2,3,4], indices [2,3,2]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("indices", c.rng.integers(-4, 4, (2, 3, 2)).astype(np.int64))
        c.input("updates", c.randn(2, 3, 2))
        c.node("ScatterElements", ["x", "indices", "updates"], ["y"], axis=-1, reduction="mul")

def index_layout_cases(S):
    """DepthToSpace, SpaceToDepth, Tile, Trilu, CumSum, ArgMax/ArgMin and TopK: what super-resolution
    networks, causal-mask builders, position-id computations and detection heads export, at the
    opsets where each changed (DepthToSpace's mode at 11, TopK's k input at 10 and largest at 11,
    ArgMax's select_last_index at 12)."""
    with S.case("depth_to_space_opset9", "DepthToSpace", 9, "before mode existed (DCR), [1,8,3,4] blocksize 2") as c:
        c.input("x", c.randn(1, 8, 3, 4))
        c.node("DepthToSpace", ["x"], ["y"], blocksize=2)
    with S.case("depth_to_space_dcr", "DepthToSpace", 13, "mode DCR, [2,18,2,3] blocksize 3") as c:
        c.input("x", c.randn(2, 18, 2, 3))
        c.node("DepthToSpace", ["x"], ["y"], blocksize=3, mode="DCR")
    with S.case("depth_to_space_crd", "DepthToSpace", 11, "mode CRD (PixelShuffle), [1,12,3,2] blocksize 2, after a conv") as c:
        c.input("x", c.randn(1, 3, 3, 2))
        c.init("W", c.w(12, 3, 1, 1))
        c.node("Conv", ["x", "W"], ["features"])
        c.node("DepthToSpace", ["features"], ["y"], blocksize=2, mode="CRD")
    with S.case("space_to_depth", "SpaceToDepth", 13, "[2,3,4,6] blocksize 2") as c:
        c.input("x", c.randn(2, 3, 4, 6))
        c.node("SpaceToDepth", ["x"], ["y"], blocksize=2)
    with S.case("space_to_depth_opset9", "SpaceToDepth", 9, "[1,2,6,9] blocksize 3") as c:
        c.input("x", c.randn(1, 2, 6, 9))
        c.node("SpaceToDepth", ["x"], ["y"], blocksize=3)
    with S.case("tile_opset9", "Tile", 9, "[2,3] repeated [2,3]") as c:
        c.input("x", c.randn(2, 3))
        c.init("repeats", i64([2, 3]))
        c.node("Tile", ["x", "repeats"], ["y"])
    with S.case("tile_4d", "Tile", 13, "[1,2,3,2] repeated [2,1,2,3]") as c:
        c.input("x", c.randn(1, 2, 3, 2))
        c.init("repeats", i64([2, 1, 2, 3]))
        c.node("Tile", ["x", "repeats"], ["y"])
    with S.case("tile_bool_mask", "Tile", 13, "a bool mask [2,3] repeated [3,2], as float") as c:
        c.input("mask", c.randn(2, 3) > 0)
        c.init("repeats", i64([3, 2]))
        c.node("Tile", ["mask", "repeats"], ["tiled"])
        c.node("Cast", ["tiled"], ["y"], to=TensorProto.FLOAT)
    with S.case("trilu_upper", "Trilu", 14, "[3,4,5], upper, no k") as c:
        c.input("x", c.randn(3, 4, 5))
        c.node("Trilu", ["x"], ["y"])
    with S.case("trilu_lower_negative_k", "Trilu", 14, "[2,5,4], lower, k=-1") as c:
        c.input("x", c.randn(2, 5, 4))
        c.init("k", i64(-1))
        c.node("Trilu", ["x", "k"], ["y"], upper=0)
    with S.case("trilu_upper_positive_k", "Trilu", 14, "[4,6], upper, k=2") as c:
        c.input("x", c.randn(4, 6))
        c.init("k", i64(2))
        c.node("Trilu", ["x", "k"], ["y"], upper=1)
    with S.case("trilu_k_beyond", "Trilu", 14, "lower with k=9 keeps [3,3] whole, upper with k=-9 too; summed") as c:
        c.input("x", c.randn(2, 3, 3))
        c.init("far", i64(9)); c.init("before", i64(-9))
        c.node("Trilu", ["x", "far"], ["lower"], upper=0)
        c.node("Trilu", ["x", "before"], ["upper"], upper=1)
        c.node("Add", ["lower", "upper"], ["y"])
    with S.case("trilu_causal_mask", "Trilu", 14, "GPT-style: lower triangle of ones [6,6] from the input, as a Where mask over scores") as c:
        c.input("scores", c.randn(1, 2, 6, 6))
        c.input("ones", np.ones((6, 6), dtype=np.float32))
        c.init("zero", f32([0.0])); c.init("low", f32([-1e4]))
        c.node("Trilu", ["ones", ""], ["lower"], upper=0)
        c.node("Equal", ["lower", "zero"], ["masked"])
        c.node("Where", ["masked", "low", "scores"], ["y"])
    with S.case("cumsum_opset11", "CumSum", 11, "[3,5] along axis 1 (int64 axis)") as c:
        c.input("x", c.randn(3, 5))
        c.init("axis", i64(1))
        c.node("CumSum", ["x", "axis"], ["y"])
    with S.case("cumsum_exclusive_reverse", "CumSum", 14, "[2,4,3] along axis -2 (int32 axis), exclusive and reverse") as c:
        c.input("x", c.randn(2, 4, 3))
        c.init("axis", np.array(-2, dtype=np.int32))
        c.node("CumSum", ["x", "axis"], ["y"], exclusive=1, reverse=1)
    with S.case("cumsum_exclusive", "CumSum", 14, "[5,3] along axis 0, exclusive") as c:
        c.input("x", c.randn(5, 3))
        c.init("axis", i64(0))
        c.node("CumSum", ["x", "axis"], ["y"], exclusive=1)
    with S.case("cumsum_reverse", "CumSum", 14, "[2,3,4] along axis 2, reverse") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("axis", i64(2))
        c.node("CumSum", ["x", "axis"], ["y"], reverse=1)
    with S.case("cumsum_position_ids", "CumSum", 14, "transformers' position ids: the int64 cumsum of a left-padded attention mask") as c:
        c.input("mask", i64([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]]))
        c.init("axis", i64(1))
        c.node("CumSum", ["mask", "axis"], ["ids"])
        c.node("Cast", ["ids"], ["y"], to=TensorProto.FLOAT)
    with S.case("argmax_opset11", "ArgMax", 11, "[3,4,5] axis 1, keepdims") as c:
        c.input("x", c.randn(3, 4, 5))
        c.node("ArgMax", ["x"], ["positions"], axis=1, keepdims=1)
        c.node("Cast", ["positions"], ["y"], to=TensorProto.FLOAT)
    with S.case("argmin_opset11_last_axis", "ArgMin", 11, "[3,4,5] axis -1, dropped") as c:
        c.input("x", c.randn(3, 4, 5))
        c.node("ArgMin", ["x"], ["positions"], axis=-1, keepdims=0)
        c.node("Cast", ["positions"], ["y"], to=TensorProto.FLOAT)
    with S.case("argmax_ties_first", "ArgMax", 13, "rounded values (ties): the first position, axis 2") as c:
        c.input("x", np.round(c.randn(2, 3, 6) * 1.5))
        c.node("ArgMax", ["x"], ["positions"], axis=2, keepdims=0)
        c.node("Cast", ["positions"], ["y"], to=TensorProto.FLOAT)
    with S.case("argmax_select_last_index", "ArgMax", 13, "ties: the last position, axis 2, dropped") as c:
        c.input("x", np.round(c.randn(2, 3, 6) * 1.5))
        c.node("ArgMax", ["x"], ["positions"], axis=2, keepdims=0, select_last_index=1)
        c.node("Cast", ["positions"], ["y"], to=TensorProto.FLOAT)
    with S.case("argmin_select_last_index", "ArgMin", 12, "ties: the last position, axis 0, kept") as c:
        c.input("x", np.round(c.randn(5, 4) * 0.6))
        c.node("ArgMin", ["x"], ["positions"], axis=0, keepdims=1, select_last_index=1)
        c.node("Cast", ["positions"], ["y"], to=TensorProto.FLOAT)
    with S.case("argmax_int64", "ArgMax", 13, "int64 input, default axis 0") as c:
        c.input("x", c.rng.integers(-5, 5, (6, 3)).astype(np.int64))
        c.node("ArgMax", ["x"], ["positions"])
        c.node("Cast", ["positions"], ["y"], to=TensorProto.FLOAT)
    with S.case("topk_opset9", "TopK", 9, "k=3 as an attribute, [3,7], last axis") as c:
        c.input("x", c.randn(3, 7))
        c.node("TopK", ["x"], ["values", "indices"], k=3)
        c.node("Cast", ["indices"], ["positions"], to=TensorProto.FLOAT)
        c.output("values"); c.output("positions")
    with S.case("topk_opset10", "TopK", 10, "k=2 as an input, [2,6,3] along axis 1") as c:
        c.input("x", c.randn(2, 6, 3))
        c.init("k", i64([2]))
        c.node("TopK", ["x", "k"], ["values", "indices"], axis=1)
        c.node("Cast", ["indices"], ["positions"], to=TensorProto.FLOAT)
        c.output("values"); c.output("positions")
    with S.case("topk_smallest_ties", "TopK", 11, "largest=0 on rounded values (ties by position), [5,4] k=3 along axis 0") as c:
        c.input("x", np.round(c.randn(5, 4) * 1.5))
        c.init("k", i64([3]))
        c.node("TopK", ["x", "k"], ["values", "indices"], axis=0, largest=0, sorted=1)
        c.node("Cast", ["indices"], ["positions"], to=TensorProto.FLOAT)
        c.output("values"); c.output("positions")
    with S.case("topk_largest_ties", "TopK", 11, "rounded values (ties by position), [3,8] k=4") as c:
        c.input("x", np.round(c.randn(3, 8) * 1.5))
        c.init("k", i64([4]))
        c.node("TopK", ["x", "k"], ["values", "indices"], axis=-1)
        c.node("Cast", ["indices"], ["positions"], to=TensorProto.FLOAT)
        c.output("values"); c.output("positions")
    with S.case("topk_whole_axis", "TopK", 11, "k equal to the axis (a full sort), [2,5]") as c:
        c.input("x", c.randn(2, 5))
        c.init("k", i64([5]))
        c.node("TopK", ["x", "k"], ["values", "indices"])
        c.node("Cast", ["indices"], ["positions"], to=TensorProto.FLOAT)
        c.output("values"); c.output("positions")

    with S.case("index_layout_chain", "TopK", 14, "all seven in one graph (the runtime checks mutate its .edgem): DepthToSpace CRD, "
                "SpaceToDepth, Tile, Trilu, CumSum, TopK, ArgMin of the values") as c:
        c.input("x", c.randn(1, 8, 4, 6))
        c.init("repeats", i64([1, 1, 1, 2])); c.init("k", i64([3])); c.init("axis", i64(3)); c.init("diagonal", i64(1))
        c.node("DepthToSpace", ["x"], ["spread"], blocksize=2, mode="CRD")
        c.node("SpaceToDepth", ["spread"], ["packed"], blocksize=2)
        c.node("Tile", ["packed", "repeats"], ["tiled"])
        c.node("Trilu", ["tiled", "diagonal"], ["triangle"], upper=0)
        c.node("CumSum", ["triangle", "axis"], ["sums"], reverse=1)
        c.node("TopK", ["sums", "k"], ["values", "indices"], axis=3)
        c.node("ArgMin", ["values"], ["lowest"], axis=1, keepdims=0)
        c.node("Cast", ["indices"], ["positions"], to=TensorProto.FLOAT)
        c.node("Cast", ["lowest"], ["channels"], to=TensorProto.FLOAT)
        c.output("values"); c.output("positions"); c.output("channels")
def quantize_activation(x, dtype):
    """Scale and zero point covering x and 0 as onnxruntime's MinMax calibration picks them."""
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    qmin, qmax = (0, 255) if dtype == np.uint8 else (-128, 127)
    scale = np.float32((hi - lo) / (qmax - qmin))
    zero = np.array(round(qmin - lo / float(scale)), dtype=dtype)
    return np.array(scale, dtype=np.float32), zero


def quantize_weights(w, axis=None):
    """Symmetric int8 weights (per channel along axis, else per tensor), zero points 0."""
    if axis is None:
        scale = np.array(np.abs(w).max() / 127, dtype=np.float32)
        return np.round(w / scale).astype(np.int8), scale, np.array(0, dtype=np.int8)
    shape = [1] * w.ndim
    shape[axis] = -1
    scale = (np.abs(w).max(axis=tuple(i for i in range(w.ndim) if i != axis)) / 127).astype(np.float32)
    return np.round(w / scale.reshape(shape)).astype(np.int8), scale, np.zeros(scale.shape, dtype=np.int8)


def prequantized_cases(S):
    """onnxruntime's quantized operators as its quantizer writes them: QOperator-format operators
    (QLinearConv, QLinearMatMul, and com.microsoft's QGemm, QLinearAdd, QLinearMul,
    QLinearGlobalAveragePool) between a QuantizeLinear of the float input and a DequantizeLinear
    of the result; dynamic quantization's DynamicQuantizeLinear, MatMulInteger and ConvInteger."""
    def quantized_input(c, x, dtype, name="x"):
        scale, zero = quantize_activation(x, dtype)
        c.init(name + "_scale", scale); c.init(name + "_zero", zero)
        c.node("QuantizeLinear", [name, name + "_scale", name + "_zero"], [name + "_q"])
        return [name + "_q", name + "_scale", name + "_zero"]

    def output_params(c, reference, dtype):
        scale, zero = quantize_activation(reference, dtype)
        c.init("y_scale", scale); c.init("y_zero", zero)
        return ["y_scale", "y_zero"]

    for dtype, opset, suffix in [(np.uint8, 13, "u8"), (np.int8, 10, "s8")]:
        with S.case("qlinearconv_" + suffix, "QLinearConv", opset,
                    "Q(x) -> QLinearConv 3x3 pads 1, %s activations, int8 weights per %s, int32 bias -> DQ"
                    % (suffix, "channel" if opset >= 13 else "tensor")) as c:
            x = c.input("x", c.randn(1, 3, 6, 6))
            w, b = c.w(4, 3, 3, 3), c.w(4)
            wq, ws, wz = quantize_weights(w, axis=0 if opset >= 13 else None)
            xq = quantized_input(c, c.inputs[0][1], dtype)
            xs = c.inits[0][1]
            c.init("W", wq); c.init("W_scale", ws); c.init("W_zero", wz)
            c.init("B", np.round(b / (xs * ws)).astype(np.int32))
            yp = output_params(c, np.array([-4.0, 4.0]), dtype)
            c.node("QLinearConv", xq + ["W", "W_scale", "W_zero"] + yp + ["B"], ["y_q"], pads=[1, 1, 1, 1])
            c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    with S.case("qlinearmatmul_u8", "QLinearMatMul", 13, "Q(x) [3,4] -> QLinearMatMul with int8 [4,5] per tensor -> DQ") as c:
        c.input("x", c.randn(3, 4))
        wq, ws, wz = quantize_weights(c.w(4, 5))
        xq = quantized_input(c, c.inputs[0][1], np.uint8)
        c.init("W", wq); c.init("W_scale", ws); c.init("W_zero", wz)
        yp = output_params(c, np.array([-2.0, 2.0]), np.uint8)
        c.node("QLinearMatMul", xq + ["W", "W_scale", "W_zero"] + yp, ["y_q"])
        c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    with S.case("qlinearmatmul_two_activations", "QLinearMatMul", 13, "Q(x) [2,3,4] x Q(x2) [2,4,5]: no constant weights, so float in edgec") as c:
        c.input("x", c.randn(2, 3, 4)); c.input("x2", c.randn(2, 4, 5))
        a = quantized_input(c, c.inputs[0][1], np.uint8, "x")
        b = quantized_input(c, c.inputs[1][1], np.uint8, "x2")
        yp = output_params(c, np.array([-6.0, 6.0]), np.uint8)
        c.node("QLinearMatMul", a + b + yp, ["y_q"])
        c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    with S.case("qgemm_transB", "QGemm", 13, "com.microsoft QGemm: Q(x) [2,6] with int8 [4,6] per channel, transB, int32 bias -> DQ") as c:
        c.domains = {"com.microsoft": 1}
        c.input("x", c.randn(2, 6))
        wq, ws, wz = quantize_weights(c.w(4, 6), axis=0)
        xq = quantized_input(c, c.inputs[0][1], np.uint8)
        xs = c.inits[0][1]
        c.init("W", wq); c.init("W_scale", ws); c.init("W_zero", wz)
        c.init("B", np.round(c.w(4) / (xs * ws)).astype(np.int32))
        yp = output_params(c, np.array([-3.0, 3.0]), np.uint8)
        c.node("QGemm", xq + ["W", "W_scale", "W_zero", "B"] + yp, ["y_q"], domain="com.microsoft", transB=1)
        c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    with S.case("qgemm_alpha", "QGemm", 13, "com.microsoft QGemm, alpha 0.5, int8 [6,4] per tensor, int32 bias at alpha * x_scale * w_scale -> DQ") as c:
        c.domains = {"com.microsoft": 1}
        c.input("x", c.randn(3, 6))
        wq, ws, wz = quantize_weights(c.w(6, 4))
        xq = quantized_input(c, c.inputs[0][1], np.uint8)
        xs = c.inits[0][1]
        c.init("W", wq); c.init("W_scale", ws); c.init("W_zero", wz)
        c.init("B", np.round(c.w(4) / (np.float32(0.5) * xs * ws)).astype(np.int32))
        yp = output_params(c, np.array([-2.0, 2.0]), np.uint8)
        c.node("QGemm", xq + ["W", "W_scale", "W_zero", "B"] + yp, ["y_q"], domain="com.microsoft", alpha=0.5)
        c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    for op in ["QLinearAdd", "QLinearMul"]:
        with S.case(op.lower(), op, 13, "com.microsoft %s of Q(x) [2,3,4] and Q(x2) [3,1] (broadcast) -> DQ" % op) as c:
            c.domains = {"com.microsoft": 1}
            c.input("x", c.randn(2, 3, 4)); c.input("x2", c.randn(3, 1))
            a = quantized_input(c, c.inputs[0][1], np.uint8, "x")
            b = quantized_input(c, c.inputs[1][1], np.uint8, "x2")
            yp = output_params(c, np.array([-4.0, 4.0]), np.uint8)
            c.node(op, a + b + yp, ["y_q"], domain="com.microsoft")
            c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    with S.case("qlinearglobalaveragepool", "QLinearGlobalAveragePool", 13, "com.microsoft, NCHW: Q(x) [1,3,4,4] -> pool -> DQ") as c:
        c.domains = {"com.microsoft": 1}
        c.input("x", c.randn(1, 3, 4, 4))
        xq = quantized_input(c, c.inputs[0][1], np.uint8)
        yp = output_params(c, np.array([-1.0, 1.0]), np.uint8)
        c.node("QLinearGlobalAveragePool", xq + yp, ["y_q"], domain="com.microsoft", channels_last=0)
        c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    for op, reference, attrs in [("QLinearSigmoid", np.array([0.0, 1.0]), {}),
                                 ("QLinearLeakyRelu", np.array([-0.3, 3.0]), {"alpha": 0.1})]:
        with S.case(op.lower(), op, 13, "com.microsoft %s: Q(x) [2,3,4] uint8 -> %s -> DQ" % (op, op[len("QLinear"):])) as c:
            c.domains = {"com.microsoft": 1}
            c.input("x", c.randn(2, 3, 4))
            xq = quantized_input(c, c.inputs[0][1], np.uint8)
            yp = output_params(c, reference, np.uint8)
            c.node(op, xq + yp, ["y_q"], domain="com.microsoft", **attrs)
            c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    for dtype, suffix, opset in [(np.uint8, "u8", 13), (np.int8, "s8", 12)]:
        with S.case("qlinearsoftmax_" + suffix, "QLinearSoftmax", opset,
                    "com.microsoft QLinearSoftmax over the last axis, %s, its opset attribute %d: Q(x) [2,3,5] -> DQ" % (suffix, opset)) as c:
            c.domains = {"com.microsoft": 1}
            c.input("x", c.randn(2, 3, 5) * 2)
            xq = quantized_input(c, c.inputs[0][1], dtype)
            # onnxruntime's kernel takes the output's fixed scale 1/256 (uint8) or 1/256 with zero point -128 (int8).
            c.init("y_scale", np.array(1 / 256, dtype=np.float32))
            c.init("y_zero", np.array(0 if dtype == np.uint8 else -128, dtype=dtype))
            yp = ["y_scale", "y_zero"]
            c.node("QLinearSoftmax", xq + yp, ["y_q"], domain="com.microsoft", axis=-1, opset=opset)
            c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    with S.case("qlinearconcat", "QLinearConcat", 13, "com.microsoft QLinearConcat of Q(x) [1,2,3] and Q(x2) [1,4,3] with their own scales, axis 1 -> DQ") as c:
        c.domains = {"com.microsoft": 1}
        c.input("x", c.randn(1, 2, 3))
        c.input("x2", c.randn(1, 4, 3) * 3)
        a = quantized_input(c, c.inputs[0][1], np.uint8)
        b = quantized_input(c, c.inputs[1][1], np.uint8, name="x2")
        yp = output_params(c, np.concatenate([c.inputs[0][1].ravel(), c.inputs[1][1].ravel()]), np.uint8)
        c.node("QLinearConcat", yp + a + b, ["y_q"], domain="com.microsoft", axis=1)
        c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    with S.case("qlinearaveragepool", "QLinearAveragePool", 13, "com.microsoft QLinearAveragePool 3x3 stride 2 pads 1 counting the pads (every window divides by 9, "
                "so no average lands on a rounding tie), NCHW: Q(x) [1,3,7,7] -> DQ") as c:
        c.domains = {"com.microsoft": 1}
        c.input("x", c.randn(1, 3, 7, 7))
        xq = quantized_input(c, c.inputs[0][1], np.uint8)
        yp = output_params(c, c.inputs[0][1], np.uint8)
        c.node("QLinearAveragePool", xq + yp, ["y_q"], domain="com.microsoft", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1, channels_last=0)
        c.node("DequantizeLinear", ["y_q"] + yp, ["y"])
    with S.case("dynamicquantizelinear", "DynamicQuantizeLinear", 13, "x [3,5]: uint8 y, scale and zero point") as c:
        c.input("x", c.randn(3, 5) + 0.5)
        c.node("DynamicQuantizeLinear", ["x"], ["y", "y_scale", "y_zero_point"])
        c.output_types = {"y": TensorProto.UINT8, "y_zero_point": TensorProto.UINT8}
    with S.case("dynamicquantizelinear_negative", "DynamicQuantizeLinear", 11, "all-negative x: the range widened to 0, zero point 255") as c:
        c.input("x", -c.pos(4, 3))
        c.node("DynamicQuantizeLinear", ["x"], ["y", "y_scale", "y_zero_point"])
        c.output_types = {"y": TensorProto.UINT8, "y_zero_point": TensorProto.UINT8}
    with S.case("matmulinteger_dynamic", "MatMulInteger", 13, "DynamicQuantizeLinear(x) [3,8] x int8 [8,5] with per-column zero points -> int32") as c:
        c.input("x", c.randn(3, 8))
        c.init("W", c.rng.integers(-127, 128, size=(8, 5)).astype(np.int8))
        c.init("W_zero", c.rng.integers(-3, 4, size=5).astype(np.int8))
        c.node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"])
        c.node("MatMulInteger", ["xq", "W", "xz", "W_zero"], ["y"])
        c.output_types = {"y": TensorProto.INT32}
    with S.case("convinteger_dynamic", "ConvInteger", 13, "DynamicQuantizeLinear(x) [1,3,5,5], int8 W [4,3,3,3] with zero point 2 (onnxruntime takes one per tensor), stride 2 -> int32") as c:
        c.input("x", c.randn(1, 3, 5, 5))
        c.init("W", c.rng.integers(-127, 128, size=(4, 3, 3, 3)).astype(np.int8))
        c.init("W_zero", np.array(2, dtype=np.int8))
        c.node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"])
        c.node("ConvInteger", ["xq", "W", "xz", "W_zero"], ["y"], kernel_shape=[3, 3], strides=[2, 2])
        c.output_types = {"y": TensorProto.INT32}
    with S.case("dynamic_quantized_linear", "MatMulInteger", 13,
                "quantize_dynamic's pattern: DynamicQuantizeLinear, MatMulInteger, Cast, Mul by x_scale * w_scale, Add bias") as c:
        c.input("x", c.randn(2, 6))
        wq, ws, wz = quantize_weights(c.w(6, 4))
        c.init("W", wq); c.init("W_scale", ws); c.init("W_zero", wz); c.init("B", c.w(4))
        c.node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"])
        c.node("Mul", ["xs", "W_scale"], ["scale"])
        c.node("MatMulInteger", ["xq", "W", "xz", "W_zero"], ["product"])
        c.node("Cast", ["product"], ["product_float"], to=TensorProto.FLOAT)
        c.node("Mul", ["product_float", "scale"], ["scaled"])
        c.node("Add", ["scaled", "B"], ["y"])


def einsum_cases(S):
    """Einsum in the forms PyTorch and transformers export: batched products (attention as
    transformers writes it), permutations, outer products, sums and broadcast products, a weight
    without a batch; edgec runs them as Transpose, Reshape, ReduceSum, MatMul and Mul."""
    def einsum(name, opset, equation, note, *shapes, weights=()):
        with S.case(name, "Einsum", opset, note) as c:
            names = []
            for index, shape in enumerate(shapes):
                names.append(c.input("x" if index == 0 else "x%d" % (index + 1), c.randn(*shape)))
            for index, shape in enumerate(weights):
                names.append(c.init("W" if index == 0 else "W%d" % (index + 1), c.w(*shape)))
            c.node("Einsum", names, ["y"], equation=equation)

    einsum("einsum_batched_matmul", 12, "bij,bjk->bik", "bij,bjk->bik: [2,3,4] x [2,4,5]", (2, 3, 4), (2, 4, 5))
    einsum("einsum_ellipsis_matmul", 13, "...ij,...jk->...ik", "...ij,...jk->...ik: [2,3,4,5] x [2,3,5,2]", (2, 3, 4, 5), (2, 3, 5, 2))
    einsum("einsum_attention_scores", 13, "bhqd,bhkd->bhqk", "bhqd,bhkd->bhqk as transformers write attention: q [1,2,4,8], k [1,2,6,8]",
           (1, 2, 4, 8), (1, 2, 6, 8))
    einsum("einsum_transpose", 12, "ij->ji", "ij->ji: [3,5]", (3, 5))
    einsum("einsum_permute", 13, "bhwc->bchw", "bhwc->bchw: NHWC [2,4,5,3] to NCHW", (2, 4, 5, 3))
    einsum("einsum_outer", 13, "i,j->ij", "i,j->ij: outer product of [4] and [6] (a broadcast Mul)", (4,), (6,))
    einsum("einsum_row_sum", 12, "ij->i", "ij->i: [4,7] summed along j", (4, 7))
    einsum("einsum_total", 13, "ij->", "ij->: every element of [3,4] summed to a scalar", (3, 4))
    einsum("einsum_elementwise", 13, "ij,ij->ij", "ij,ij->ij: [3,4] times [3,4]", (3, 4), (3, 4))
    einsum("einsum_broadcast_product", 13, "bij,bij->bij", "bij,bij->bij: [2,3,4] times [2,1,4], the size-1 j broadcast", (2, 3, 4), (2, 1, 4))
    einsum("einsum_weight", 13, "bij,jk->bik", "bij,jk->bik: [2,3,6] x weight [6,4] without batch (a MatMul with a 2-D constant)",
           (2, 3, 6), weights=[(6, 4)])
    with S.case("einsum_linear_weight_first", "Einsum", 13, "oi,bsi->bso: a [5,6] weight in Linear's layout written first, x [2,3,6]") as c:
        c.init("W", c.w(5, 6))
        c.input("x", c.randn(2, 3, 6))
        c.node("Einsum", ["W", "x"], ["y"], equation="oi,bsi->bso")
    einsum("einsum_implicit_output", 12, "ij,jk", "ij,jk (implicit output ik): [3,4] x [4,2]", (3, 4), (4, 2))
    einsum("einsum_two_contracted", 13, "abc,cbd->ad", "abc,cbd->ad: b and c contracted together, [2,3,4] x [4,3,5]", (2, 3, 4), (4, 3, 5))
    einsum("einsum_sum_own_label", 13, "ij,jk->k", "ij,jk->k: i summed from the first operand alone, [3,4] x [4,5]", (3, 4), (4, 5))
    einsum("einsum_ellipsis_inside", 13, "i...j,j->i...", "i...j,j->i...: the ellipsis between labels, [2,3,4,5] x [5]", (2, 3, 4, 5), (5,))
    with S.case("einsum_attention", "Einsum", 13, "attention written with two Einsums: softmax(bhqd,bhkd->bhqk / sqrt(d)), then bhqk,bhkd->bhqd; "
                "q [1,2,4,8], k and v [1,2,6,8]") as c:
        c.input("q", c.randn(1, 2, 4, 8)); c.input("k", c.randn(1, 2, 6, 8)); c.input("v", c.randn(1, 2, 6, 8))
        c.init("scale", np.array(1 / math.sqrt(8), dtype=np.float32))
        c.node("Einsum", ["q", "k"], ["scores"], equation="bhqd,bhkd->bhqk")
        c.node("Mul", ["scores", "scale"], ["scaled"])
        c.node("Softmax", ["scaled"], ["weights"], axis=-1)
        c.node("Einsum", ["weights", "v"], ["y"], equation="bhqk,bhkd->bhqd")


def nonzero_cases(S):
    """NonZero on values known at compile time, which edgec folds to a constant: an initializer,
    and a mask computed from the input's shape."""
    with S.case("nonzero_constant_mask", "NonZero", 13, "NonZero of a [6] mask initializer gives the columns of x [2,6] to gather") as c:
        c.input("x", c.randn(2, 6))
        c.init("mask", np.array([0, 1, 1, 0, 0, 1], dtype=np.float32))
        c.init("flat", i64([-1]))
        c.node("NonZero", ["mask"], ["where"])
        c.node("Reshape", ["where", "flat"], ["columns"])
        c.node("Gather", ["x", "columns"], ["y"], axis=1)
    with S.case("nonzero_2d_positions", "NonZero", 9, "NonZero of a [3,4] int64 initializer: [2, count] positions in row-major order, "
                "cast and added to x [2,4]") as c:
        c.input("x", c.randn(2, 4))
        c.init("values", i64([[0, 3, 0, 0], [-1, 0, 0, 2], [0, 0, 7, 0]]))
        c.node("NonZero", ["values"], ["where"])
        c.node("Cast", ["where"], ["positions"], to=TensorProto.FLOAT)
        c.node("Add", ["x", "positions"], ["y"])
    with S.case("nonzero_from_shape", "NonZero", 13, "the axes of x [1,3,1,4] longer than 1 from NonZero(Greater(Shape(x), 1)), "
                "the sizes gathered there make the Reshape target [3,4]") as c:
        c.input("x", c.randn(1, 3, 1, 4))
        c.init("one", i64(1))
        c.init("flat", i64([-1]))
        c.node("Shape", ["x"], ["shape"])
        c.node("Greater", ["shape", "one"], ["long"])
        c.node("NonZero", ["long"], ["where"])
        c.node("Reshape", ["where", "flat"], ["axes"])
        c.node("Gather", ["shape", "axes"], ["sizes"], axis=0)
        c.node("Reshape", ["x", "sizes"], ["y"])


def if_cases(S):
    """If whose condition is known at compile time, inlined by edgec: a constant condition, and
    one computed from the input's shape (Shape -> Gather -> Equal) as exporters write a branch on
    the input size; the branch not taken may hold what edgec cannot run. One If nests another."""
    def branch(name, nodes, outputs, inits=()):
        return helper.make_graph(nodes, name, [], [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
                                 initializer=[numpy_helper.from_array(a, n) for n, a in inits])

    with S.case("if_constant_condition", "If", 13, "condition an initializer (true): the then branch scales x [2,3] by its own "
                "initializer and adds a Constant and the outer bias; the else branch negates x") as c:
        c.input("x", c.randn(2, 3))
        c.init("condition", np.array(True))
        c.init("bias", c.w(3))
        then_branch = branch("then", [
            helper.make_node("Constant", [], ["half"], value=numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half"), name="half"),
            helper.make_node("Mul", ["x", "weight"], ["scaled"], name="scale"),
            helper.make_node("Add", ["scaled", "half"], ["shifted"], name="shift"),
            helper.make_node("Add", ["shifted", "bias"], ["then_y"], name="bias")], ["then_y"], inits=[("weight", c.w(2, 3))])
        else_branch = branch("else", [helper.make_node("Neg", ["x"], ["else_y"], name="negate")], ["else_y"])
        c.node("If", ["condition"], ["y"], then_branch=then_branch, else_branch=else_branch)
    with S.case("if_from_shape", "If", 13, "condition Equal(Gather(Shape(x), 2), 5) on x [2,3,4] (false): the else branch flattens x "
                "to [2,12] with a target it computes from Shape; the then branch holds a Hardmax, which edgec does not run; then Relu") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("axis2", i64(2)); c.init("five", i64(5))
        c.node("Shape", ["x"], ["shape"])
        c.node("Gather", ["shape", "axis2"], ["width"], axis=0)
        c.node("Equal", ["width", "five"], ["is_five"])
        then_branch = branch("then", [
            helper.make_node("Hardmax", ["x"], ["hard"], axis=-1, name="hardmax"),
            helper.make_node("Flatten", ["hard"], ["then_y"], axis=1, name="flatten")], ["then_y"])
        else_branch = branch("else", [
            helper.make_node("Constant", [], ["first"], value=numpy_helper.from_array(i64([0]), "first"), name="first"),
            helper.make_node("Constant", [], ["minus_one"], value=numpy_helper.from_array(i64([-1]), "minus_one"), name="minus_one"),
            helper.make_node("Slice", ["shape", "first", "first_end"], ["batch"], name="batch"),
            helper.make_node("Concat", ["batch", "minus_one"], ["target"], axis=0, name="target"),
            helper.make_node("Reshape", ["x", "target"], ["else_y"], name="flatten")], ["else_y"], inits=[("first_end", i64([1]))])
        c.node("If", ["is_five"], ["flat"], then_branch=then_branch, else_branch=else_branch)
        c.node("Relu", ["flat"], ["y"])
    with S.case("if_nested", "If", 13, "an If in the then branch of an If: the outer condition from Shape(x) of x [3,4] (true), "
                "the inner an initializer (false); the inner branch reads x from the outermost graph; its "
                "Sigmoid and Tanh pass through the outer branch") as c:
        c.input("x", c.randn(3, 4))
        c.init("rows", i64(0)); c.init("three", i64(3)); c.init("inner_condition", np.array(False))
        c.node("Shape", ["x"], ["shape"])
        c.node("Gather", ["shape", "rows"], ["height"], axis=0)
        c.node("Equal", ["height", "three"], ["is_three"])
        inner_then = branch("inner_then", [helper.make_node("Abs", ["x"], ["a"], name="abs"),
                                           helper.make_node("Identity", ["x"], ["x_copy"], name="copy")], ["a", "x_copy"])
        inner_else = branch("inner_else", [helper.make_node("Sigmoid", ["x"], ["s"], name="sigmoid"),
                                           helper.make_node("Tanh", ["x"], ["t"], name="tanh")], ["s", "t"])
        outer_then = branch("outer_then", [
            helper.make_node("If", ["inner_condition"], ["picked", "passed"], then_branch=inner_then, else_branch=inner_else, name="inner")],
            ["picked", "passed"])
        outer_else = branch("outer_else", [helper.make_node("Neg", ["x"], ["n"], name="negate"),
                                           helper.make_node("Abs", ["x"], ["m"], name="abs")], ["n", "m"])
        c.node("If", ["is_three"], ["y", "y_again"], then_branch=outer_then, else_branch=outer_else)
        c.output("y"); c.output("y_again")


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".onnx", ".npz")) or f == "cases.json":
            os.remove(os.path.join(OUT, f))
    S = Suite()
    conv_cases(S)
    conv_transpose_cases(S)
    conv_transpose_padding_cases(S)
    gemm_matmul_cases(S)
    binary_cases(S)
    unary_cases(S)
    pool_cases(S)
    volumetric_cases(S)
    one_dimensional_window_cases(S)
    norm_cases(S)
    shape_cases(S)
    pad_cases(S)
    resize_cases(S)
    cubic_resize_cases(S)
    slice_split_gather_cases(S)
    reduce_cases(S)
    misc_cases(S)
    pattern_cases(S)
    recent_opset_cases(S)
    prelu_range_cases(S)
    activation_math_cases(S)
    transformer_cases(S)
    recurrent_cases(S)
    more_reduction_cases(S)
    group_norm_indexing_cases(S)
    index_layout_cases(S)
    prequantized_cases(S)
    einsum_cases(S)
    nonzero_cases(S)
    if_cases(S)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(S.cases, f, indent=1)
        f.write("\n")
    ops = sorted({c["op"] for c in S.cases})
    opsets = sorted({c["opset"] for c in S.cases})
    print("%d cases, %d distinct ops, opsets %s" % (len(S.cases), len(ops), opsets))


if __name__ == "__main__":
    main()
