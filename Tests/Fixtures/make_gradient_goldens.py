#!/usr/bin/env python3
"""Gradient goldens: tiny ONNX models built with onnx.helper, each holding one
operator (or a short chain where the operator needs one), with vector-Jacobian
products computed by PyTorch autograd in float64, for the backward tests of
the training engine.

For every case this writes
    gradients/<case>.onnx   the model (opset 17 unless the case says otherwise)
    gradients/<case>.npz    float32 arrays keyed
        <input>                 every graph input, by its ONNX name
        upstream:<output>       for every graph output: the upstream gradient
                                (the vector of the vector-Jacobian product)
        output:<output>         for every graph output: the forward result
                                torch computed (the train-mode result for
                                the BatchNormalization cases)
        grad:<name>             d(sum over outputs of output * upstream)/d(name)
                                for every graph input and every float
                                initializer with a gradient (see below)
        running_mean:<mean>     BatchNormalization cases only: the updated
        running_var:<var>       running statistics, keyed by the names of the
                                node's mean and var initializers
and gradients/cases.json lists {"case", "op", "opset", "mode", "note"}.

Float inputs are graph inputs; weights, biases, BatchNormalization
scale/bias/mean/var, PRelu slopes, the constant operands of binary operators,
Clip bounds, Resize scales and all int64 parameters (shapes, starts/ends/axes/
steps, pads, indices, split sizes) are initializers. Every float initializer
has a gradient (`grad:<name>`; the constant operands of binary operators too,
e.g. Pow's exponent, the epsilon of the LayerNorm chain, GELU's 0.5) except
Clip's min/max (bounds), BatchNormalization's mean/var (the train-mode output
does not read them), Resize's scales and the exponent of the LayerNorm chain's
Pow (its base x - mean is negative too, where d^e has no derivative in e).

Mode "inference" (all but BatchNormalization): the golden is the gradient of
the model as it stands. Mode "train" (BatchNormalization): the model is the
ordinary inference form with one output, but the golden is computed the way
training runs it: x is normalized with the batch's own mean and biased
variance over (N, spatial) per channel, epsilon from the node; the running
statistics are updated with the node's momentum m (0.9) as
running = running * m + batch * (1 - m), using the unbiased batch variance for
the running variance, as PyTorch does.

The torch side is a small interpreter of the ONNX graph (one torch function
per operator, written from the ONNX spec). Data are float32; the gradients
are computed from the same values cast to float64 and cast back to float32.
Inputs of operators with kinks keep |x - kink| > 0.05 (Relu, LeakyRelu, Abs,
PRelu at 0; Clip at 0 and 6; HardSigmoid at +-2.5; HardSwish at +-3); Min/Max
operands differ by more than 0.05; max-type reductions see distinct values.
Every case has its own generator np.random.default_rng([0, crc32(case_name)]),
so adding or removing a case does not change the data of the others.

Checks made while generating (a failing case stops the script):
  * onnx.checker (full check) on every model;
  * onnxruntime (CPU, graph optimizations disabled) runs the model in float32
    and must match the torch float64 forward (rtol 1e-4); for the train-mode
    cases the model is run with mean/var replaced by the batch statistics,
    and torch's own F.batch_norm(training=True) must give the same output and
    running statistics;
  * a central finite difference in float64 along a random direction of all
    differentiated tensors must match the autograd gradients (rel. 1e-6).

Run from the repo root:  python3 Tests/Fixtures/make_gradient_goldens.py
"""
import json
import math
import os
import zlib

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "gradients")

INT64_MAX = int(np.iinfo(np.int64).max)

NP_TO_ONNX = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.int64): TensorProto.INT64,
}

KINK_MARGIN = 0.05


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


# ============================================================================
# Torch interpreter of the ONNX operators used here (float64, differentiable)
# ============================================================================

def attrs_of(node):
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def torch_pads(pads, rank):
    """ONNX pads [b_0..b_{r-1}, e_0..e_{r-1}] -> F.pad order (last axis first),
    leaving out leading axes without padding (reflect pads only trailing axes)."""
    first = 0
    while first < rank and pads[first] == 0 and pads[rank + first] == 0:
        first += 1
    tp = []
    for i in reversed(range(first, rank)):
        tp += [pads[i], pads[rank + i]]
    return tp


def op_conv(ins, a):
    x, W = ins[0], ins[1]
    B = ins[2] if len(ins) > 2 else None
    k = W.dim() - 2
    assert "auto_pad" not in a or a["auto_pad"] == "NOTSET"
    strides = a.get("strides", [1] * k)
    dil = a.get("dilations", [1] * k)
    pads = list(a.get("pads", [0] * 2 * k))
    if pads[:k] != pads[k:]:
        x = F.pad(x, torch_pads([0, 0] + pads[:k] + [0, 0] + pads[k:], k + 2))
        pads = [0] * 2 * k
    conv = {1: F.conv1d, 2: F.conv2d}[k]
    return [conv(x, W, B, stride=strides, padding=pads[:k], dilation=dil, groups=a.get("group", 1))]


def op_conv_transpose(ins, a):
    x, W = ins[0], ins[1]
    B = ins[2] if len(ins) > 2 else None
    k = W.dim() - 2
    assert "auto_pad" not in a and "output_shape" not in a
    pads = list(a.get("pads", [0] * 2 * k))
    assert pads[:k] == pads[k:], "asymmetric ConvTranspose pads not supported here"
    conv = {1: F.conv_transpose1d, 2: F.conv_transpose2d}[k]
    return [conv(x, W, B, stride=a.get("strides", [1] * k), padding=pads[:k],
                 output_padding=a.get("output_padding", [0] * k), groups=a.get("group", 1),
                 dilation=a.get("dilations", [1] * k))]


def op_gemm(ins, a):
    A = ins[0].t() if a.get("transA", 0) else ins[0]
    B = ins[1].t() if a.get("transB", 0) else ins[1]
    y = a.get("alpha", 1.0) * (A @ B)
    if len(ins) > 2:
        y = y + a.get("beta", 1.0) * ins[2]
    return [y]


def op_batchnorm(ins, a, train, stats, node):
    x, scale, bias, mean, var = ins
    eps = a.get("epsilon", 1e-5)
    shape = [1, -1] + [1] * (x.dim() - 2)
    if train:
        dims = [0] + list(range(2, x.dim()))
        n = x.numel() // x.shape[1]
        bmean = x.mean(dim=dims)
        bvar = ((x - bmean.reshape(shape)) ** 2).mean(dim=dims)
        m = a.get("momentum", 0.9)
        stats["batch_mean"] = bmean.detach()
        stats["batch_var"] = bvar.detach()
        stats["running_mean:" + node.input[3]] = (mean * m + bmean * (1 - m)).detach()
        stats["running_var:" + node.input[4]] = (var * m + bvar * (n / (n - 1)) * (1 - m)).detach()
        mean, var = bmean, bvar
    y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    return [y * scale.reshape(shape) + bias.reshape(shape)]


def op_slice(ins, a):
    x = ins[0]
    starts, ends = ints(ins[1]), ints(ins[2])
    axes = ints(ins[3]) if len(ins) > 3 else list(range(len(starts)))
    steps = ints(ins[4]) if len(ins) > 4 else [1] * len(starts)
    index = [slice(None)] * x.dim()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        assert st > 0, "negative Slice steps not supported here"
        dim = x.shape[ax]
        s = max(0, min(dim, s + dim if s < 0 else s))
        e = max(0, min(dim, e + dim if e < 0 else e))
        index[ax % x.dim()] = slice(s, e, st)
    return [x[tuple(index)]]


def op_gather(ins, a):
    x, idx = ins
    axis = a.get("axis", 0) % x.dim()
    idx = torch.where(idx < 0, idx + x.shape[axis], idx)
    y = torch.index_select(x, axis, idx.reshape(-1))
    return [y.reshape(list(x.shape[:axis]) + list(idx.shape) + list(x.shape[axis + 1:]))]


def op_reshape(ins, a):
    x, shape = ins[0], ints(ins[1])
    assert not a.get("allowzero", 0)
    shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [x.reshape(shape)]


def op_unsqueeze(ins, a):
    x, axes = ins[0], ints(ins[1])
    rank = x.dim() + len(axes)
    for ax in sorted(ax % rank for ax in axes):
        x = x.unsqueeze(ax)
    return [x]


def op_pad(ins, a):
    x, pads = ins[0], ints(ins[1])
    mode = a.get("mode", "constant")
    value = float(ins[2]) if len(ins) > 2 and ins[2] is not None else 0.0
    tp = torch_pads(pads, x.dim())
    if mode == "constant":
        return [F.pad(x, tp, mode="constant", value=value)]
    return [F.pad(x, tp, mode=mode)]


def op_resize(ins, a):
    x, scales = ins[0], [float(s) for s in ins[2].reshape(-1).tolist()]
    assert scales[:2] == [1.0, 1.0]
    mode = a.get("mode", "nearest")
    ctm = a.get("coordinate_transformation_mode", "half_pixel")
    if mode == "nearest":
        assert ctm == "asymmetric" and a.get("nearest_mode", "round_prefer_floor") == "floor"
        return [F.interpolate(x, scale_factor=scales[2:], mode="nearest")]
    assert mode == "linear" and ctm == "half_pixel" and x.dim() == 4
    return [F.interpolate(x, scale_factor=scales[2:], mode="bilinear", align_corners=False)]


def reduce_axes(ins, a):
    if len(ins) > 1:
        return ints(ins[1])
    return list(a["axes"])


def op_reduce(fn):
    def run(ins, a):
        return [fn(ins[0], dim=reduce_axes(ins, a), keepdim=bool(a.get("keepdims", 1)))]
    return run


def hard_sigmoid(x, alpha, beta):
    return torch.clamp(alpha * x + beta, 0.0, 1.0)


def op_depth_to_space(x, b, mode):
    n, c, h, w = x.shape
    if mode == "CRD":
        return F.pixel_shuffle(x, b)
    return x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c // (b * b), h * b, w * b)


def op_space_to_depth(x, b):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4).reshape(n, c * b * b, h // b, w // b)


def op_cumsum(ins, a):
    x, axis = ins[0], ints(ins[1])[0]
    if a.get("reverse", 0):
        x = x.flip(axis)
    y = torch.cumsum(x, dim=axis)
    if a.get("exclusive", 0):
        y = y - x
    return [y.flip(axis) if a.get("reverse", 0) else y]


OPS = {
    "Conv": op_conv,
    "ConvTranspose": op_conv_transpose,
    "Gemm": op_gemm,
    "MatMul": lambda ins, a: [torch.matmul(ins[0], ins[1])],
    "Add": lambda ins, a: [ins[0] + ins[1]],
    "Sub": lambda ins, a: [ins[0] - ins[1]],
    "Mul": lambda ins, a: [ins[0] * ins[1]],
    "Div": lambda ins, a: [ins[0] / ins[1]],
    "Pow": lambda ins, a: [torch.pow(ins[0], ins[1])],
    "Min": lambda ins, a: [torch.minimum(ins[0], ins[1])],
    "Max": lambda ins, a: [torch.maximum(ins[0], ins[1])],
    "Relu": lambda ins, a: [torch.relu(ins[0])],
    "LeakyRelu": lambda ins, a: [torch.where(ins[0] < 0, a.get("alpha", 0.01) * ins[0], ins[0])],
    "Clip": lambda ins, a: [torch.clamp(ins[0], ins[1], ins[2])],
    "Sigmoid": lambda ins, a: [torch.sigmoid(ins[0])],
    "HardSigmoid": lambda ins, a: [hard_sigmoid(ins[0], a.get("alpha", 0.2), a.get("beta", 0.5))],
    "HardSwish": lambda ins, a: [ins[0] * hard_sigmoid(ins[0], 1.0 / 6.0, 0.5)],
    "Tanh": lambda ins, a: [torch.tanh(ins[0])],
    "Sqrt": lambda ins, a: [torch.sqrt(ins[0])],
    "Exp": lambda ins, a: [torch.exp(ins[0])],
    "Erf": lambda ins, a: [torch.erf(ins[0])],
    "Neg": lambda ins, a: [-ins[0]],
    "Abs": lambda ins, a: [torch.abs(ins[0])],
    "Softmax": lambda ins, a: [torch.softmax(ins[0], dim=a.get("axis", -1))],
    "PRelu": lambda ins, a: [torch.where(ins[0] < 0, ins[1] * ins[0], ins[0])],
    "MaxPool": lambda ins, a: [F.max_pool2d(ins[0], a["kernel_shape"], a.get("strides", 1),
                                            sym_pads(a))],
    "AveragePool": lambda ins, a: [F.avg_pool2d(ins[0], a["kernel_shape"], a.get("strides", 1),
                                                sym_pads(a),
                                                count_include_pad=bool(a.get("count_include_pad", 0)))],
    "GlobalAveragePool": lambda ins, a: [ins[0].mean(dim=list(range(2, ins[0].dim())), keepdim=True)],
    "GlobalMaxPool": lambda ins, a: [ins[0].amax(dim=list(range(2, ins[0].dim())), keepdim=True)],
    "Concat": lambda ins, a: [torch.cat(ins, dim=a["axis"])],
    "Split": lambda ins, a: list(torch.split(ins[0], ints(ins[1]), dim=a.get("axis", 0))),
    "Slice": op_slice,
    "Gather": op_gather,
    "Reshape": op_reshape,
    "Flatten": lambda ins, a: [ins[0].reshape(math.prod(ins[0].shape[:a.get("axis", 1)]), -1)],
    "Transpose": lambda ins, a: [ins[0].permute(a.get("perm", list(reversed(range(ins[0].dim())))))],
    "Squeeze": lambda ins, a: [ins[0].squeeze(tuple(ax % ins[0].dim() for ax in ints(ins[1])))],
    "Unsqueeze": op_unsqueeze,
    "Pad": op_pad,
    "Expand": lambda ins, a: [ins[0].expand(torch.broadcast_shapes(tuple(ins[0].shape), tuple(ints(ins[1]))))],
    "Resize": op_resize,
    "ReduceMean": op_reduce(torch.mean),
    "ReduceSum": op_reduce(torch.sum),
    "ReduceMax": op_reduce(torch.amax),
    "DepthToSpace": lambda ins, a: [op_depth_to_space(ins[0], a["blocksize"], a.get("mode", "DCR"))],
    "SpaceToDepth": lambda ins, a: [op_space_to_depth(ins[0], a["blocksize"])],
    "Tile": lambda ins, a: [ins[0].repeat(*ints(ins[1]))],
    "Trilu": lambda ins, a: [(torch.triu if a.get("upper", 1) else torch.tril)(ins[0], ints(ins[1])[0] if len(ins) > 1 and ins[1] is not None else 0)],
    "CumSum": op_cumsum,
    "TopK": lambda ins, a: list(torch.topk(ins[0], ints(ins[1])[0], dim=a.get("axis", -1), largest=bool(a.get("largest", 1)), sorted=True)),
}



def sym_pads(a):
    k = len(a["kernel_shape"])
    pads = list(a.get("pads", [0] * 2 * k))
    assert pads[:k] == pads[k:] and not a.get("ceil_mode", 0)
    return pads[:k]


def run_torch(nodes, env, train):
    """Runs the nodes on env (name -> tensor); returns (env, stats)."""
    env = dict(env)
    stats = {}
    for node in nodes:
        ins = [env[n] if n else None for n in node.input]
        a = attrs_of(node)
        if node.op_type == "BatchNormalization":
            outs = op_batchnorm(ins, a, train, stats, node)
        else:
            outs = OPS[node.op_type](ins, a)
        assert len(outs) == len(node.output), node.op_type
        for name, t in zip(node.output, outs):
            env[name] = t
    return env, stats


# ============================================================================
# Cases
# ============================================================================

class Case:
    def __init__(self, suite, name, op, opset, note, mode):
        self.suite = suite
        self.name = name
        self.op = op
        self.opset = opset
        self.note = note
        self.mode = mode
        self.rng = np.random.default_rng([0, zlib.crc32(name.encode())])
        self.inputs = []        # (name, array)
        self.inits = []         # (name, array, has_grad)
        self.nodes = []
        self.outputs = []       # names

    # ---- data --------------------------------------------------------------
    def randn(self, *shape, scale=1.0):
        """Input data, N(0, scale^2)."""
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def w(self, *shape, scale=0.5):
        """Weights, N(0, scale^2)."""
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def pos(self, *shape, lo=0.5):
        """Strictly positive data: |N(0,1)| + lo."""
        return (np.abs(self.rng.standard_normal(shape)) + lo).astype(np.float32)

    def away(self, *shape, kinks=(0.0,), scale=1.0, shift=0.0, margin=KINK_MARGIN):
        """N(shift, scale^2) with every value more than margin away from the kinks
        (values too close are drawn again)."""
        x = (self.rng.standard_normal(shape) * scale + shift).astype(np.float32)
        while True:
            bad = np.zeros(x.shape, dtype=bool)
            for k in kinks:
                bad |= np.abs(x.astype(np.float64) - k) <= margin
            if not bad.any():
                return x
            x[bad] = (self.rng.standard_normal(int(bad.sum())) * scale + shift).astype(np.float32)

    def apart(self, a, b, margin=KINK_MARGIN):
        """a redrawn where it comes within margin of b (broadcast against a), so
        Min/Max have no ties."""
        a = a.copy()
        while True:
            bb = np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape))
            assert bb.shape == a.shape
            bad = np.abs(a.astype(np.float64) - bb) <= margin
            if not bad.any():
                return a
            a[bad] = self.rng.standard_normal(int(bad.sum())).astype(np.float32)

    def distinct(self, x):
        assert np.unique(x).size == x.size, "%s: values not distinct" % self.name
        return x

    # ---- graph -------------------------------------------------------------
    def input(self, name, array):
        assert array.dtype == np.float32
        self.inputs.append((name, np.ascontiguousarray(array)))
        return name

    def init(self, name, array, grad=None):
        arr = np.asarray(array)
        if grad is None:
            grad = arr.dtype == np.float32
        assert not (grad and arr.dtype != np.float32)
        self.inits.append((name, arr, grad))
        return name

    def node(self, op, inputs, outputs, **attrs):
        n = helper.make_node(op, list(inputs), list(outputs),
                             name="%s_%d" % (op, len(self.nodes)), **attrs)
        self.nodes.append(n)
        return n

    def output(self, name):
        self.outputs.append(name)
        return name

    # ---- context manager: finalize on exit --------------------------------
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.suite.finish(self)
        return False


def make_model(case, output_shapes, inits=None):
    g_inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, list(arr.shape))
                for name, arr in case.inputs]
    g_outputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
                 for name, shape in zip(case.outputs, output_shapes)]
    inits = inits if inits is not None else {name: arr for name, arr, _ in case.inits}
    tensors = [numpy_helper.from_array(inits[name], name) for name, _, _ in case.inits]
    graph = helper.make_graph(case.nodes, case.name, g_inputs, g_outputs, initializer=tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", case.opset)],
                              producer_name="edgec-fixtures")
    model.ir_version = ir_version_for(case.opset)
    return model


def run_ort(model_bytes, feeds):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.log_severity_level = 3
    sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


def max_rel_excess(got, ref, rtol=1e-4, atol_scale=1e-5):
    """max |got-ref| / (rtol |ref| + atol); <= 1 means within tolerance."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        return float("inf")
    atol = atol_scale * max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
    return float(np.max(np.abs(got - ref) / (rtol * np.abs(ref) + atol))) if ref.size else 0.0


class Suite:
    def __init__(self):
        self.cases = []
        self.names = set()

    def case(self, name, op, note, opset=17, mode="inference"):
        if name in self.names:
            raise SystemExit("duplicate case name " + name)
        self.names.add(name)
        return Case(self, name, op, opset, note, mode)

    def finish(self, c):
        if not c.outputs:
            for o in c.nodes[-1].output:
                c.output(o)
        train = c.mode == "train"

        def leaves(requires_grad):
            env, diff = {}, []
            for name, arr in c.inputs:
                env[name] = torch.from_numpy(arr.astype(np.float64)).requires_grad_(requires_grad)
                diff.append(name)
            for name, arr, grad in c.inits:
                t = torch.from_numpy(arr.astype(np.float64) if arr.dtype == np.float32 else arr.copy())
                if grad:
                    t.requires_grad_(requires_grad)
                    diff.append(name)
                env[name] = t
            return env, diff

        # Forward and vector-Jacobian product in float64.
        env, diff = leaves(True)
        res, stats = run_torch(c.nodes, env, train)
        outs = {n: res[n] for n in c.outputs}
        upstream = {n: c.randn(*outs[n].shape) for n in c.outputs}
        loss = sum((outs[n] * torch.from_numpy(upstream[n].astype(np.float64))).sum() for n in c.outputs)
        grads = dict(zip(diff, torch.autograd.grad(loss, [env[n] for n in diff])))

        # Central finite difference along a random direction (its own generator).
        drng = np.random.default_rng([1, zlib.crc32(c.name.encode())])
        direction = {n: torch.from_numpy(drng.standard_normal(tuple(env[n].shape))) for n in diff}
        h = 1e-6

        def loss_at(sign):
            e, _ = leaves(False)
            for n in diff:
                e[n] = e[n] + sign * h * direction[n]
            r, _ = run_torch(c.nodes, e, train)
            return sum(float((r[n] * torch.from_numpy(upstream[n].astype(np.float64))).sum())
                       for n in c.outputs)
        with torch.no_grad():
            fd = (loss_at(1.0) - loss_at(-1.0)) / (2 * h)
        ad = sum(float((grads[n] * direction[n]).sum()) for n in diff)
        fd_rel = abs(fd - ad) / max(1.0, abs(ad))
        if fd_rel > 1e-6:
            raise SystemExit("%s: finite difference %.10g vs autograd %.10g (rel %.2g)" % (c.name, fd, ad, fd_rel))

        # The model, checked and run by onnxruntime.
        shapes = [list(outs[n].shape) for n in c.outputs]
        model = make_model(c, shapes)
        onnx.checker.check_model(model, full_check=True)
        data = model.SerializeToString()
        feeds = {name: arr for name, arr in c.inputs}
        if train:
            # Inference form with the batch statistics in place of mean/var.
            bn = [n for n in c.nodes if n.op_type == "BatchNormalization"]
            assert len(bn) == 1
            inits = {name: arr for name, arr, _ in c.inits}
            inits[bn[0].input[3]] = stats["batch_mean"].numpy().astype(np.float32)
            inits[bn[0].input[4]] = stats["batch_var"].numpy().astype(np.float32)
            got = run_ort(make_model(c, shapes, inits).SerializeToString(), feeds)
            # torch's own training-mode batch norm: output and running statistics.
            a = attrs_of(bn[0])
            x, scale, bias, mean, var = [env[n].detach() for n in bn[0].input]
            rm, rv = mean.clone(), var.clone()
            y_ref = F.batch_norm(x, rm, rv, scale, bias, training=True,
                                 momentum=1.0 - a["momentum"], eps=a["epsilon"])
            tdiff = max(float((y_ref - outs[c.outputs[0]].detach()).abs().max()),
                        float((rm - stats["running_mean:" + bn[0].input[3]]).abs().max()),
                        float((rv - stats["running_var:" + bn[0].input[4]]).abs().max()))
            if tdiff > 1e-12:
                raise SystemExit("%s: F.batch_norm(training=True) differs by %.3g" % (c.name, tdiff))
        else:
            got = run_ort(data, feeds)
        excess = max(max_rel_excess(got[n], outs[n].detach().numpy()) for n in c.outputs)
        ort_diff = max(float(np.max(np.abs(got[n].astype(np.float64) - outs[n].detach().numpy())))
                       for n in c.outputs)
        if excess > 1.0:
            raise SystemExit("%s: onnxruntime disagrees with torch (max |diff| %.3g)" % (c.name, ort_diff))

        arrays = {}
        for name, arr in c.inputs:
            arrays[name] = arr
        for n in c.outputs:
            arrays["upstream:" + n] = upstream[n]
            arrays["output:" + n] = outs[n].detach().numpy().astype(np.float32)
        for n in diff:
            arrays["grad:" + n] = grads[n].numpy().astype(np.float32)
        for k, v in stats.items():
            if k.startswith("running_"):
                arrays[k] = v.numpy().astype(np.float32)
        for k, v in arrays.items():
            assert v.dtype == np.float32 and np.all(np.isfinite(v)), (c.name, k)
            assert v.size <= 512, "%s: %s has %d elements" % (c.name, k, v.size)

        with open(os.path.join(OUT, c.name + ".onnx"), "wb") as f:
            f.write(data)
        np.savez(os.path.join(OUT, c.name + ".npz"), **arrays)
        self.cases.append({"case": c.name, "op": c.op, "opset": c.opset, "mode": c.mode, "note": c.note})
        ins = " ".join("%s%s" % (n, list(a.shape)) for n, a in c.inputs)
        outs_s = " ".join("%s%s" % (n, s) for n, s in zip(c.outputs, shapes))
        gmax = max(float(np.max(np.abs(arrays["grad:" + n]))) for n in diff)
        print("%-28s %-18s opset %-2d %-9s %s -> %s  ort-diff %.2g  fd-rel %.1g  grads %s  max|grad| %.3g"
              % (c.name, c.op, c.opset, c.mode, ins, outs_s, ort_diff, fd_rel, ",".join(diff), gmax))


def conv_cases(S):
    with S.case("conv_bias", "Conv", "3x3, pads 1, bias") as c:
        c.input("x", c.randn(1, 3, 6, 6))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    with S.case("conv_stride2", "Conv", "3x3, strides 2, pads 1, bias, odd input") as c:
        c.input("x", c.randn(1, 3, 7, 7))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], strides=[2, 2], pads=[1, 1, 1, 1])
    with S.case("conv_dilation2", "Conv", "3x3, dilations 2, pads 2, bias") as c:
        c.input("x", c.randn(1, 2, 7, 7))
        c.init("W", c.w(3, 2, 3, 3)); c.init("B", c.w(3))
        c.node("Conv", ["x", "W", "B"], ["y"], dilations=[2, 2], pads=[2, 2, 2, 2])
    with S.case("conv_group2", "Conv", "group 2 (4 -> 6 channels), 3x3, pads 1, bias") as c:
        c.input("x", c.randn(1, 4, 5, 5))
        c.init("W", c.w(6, 2, 3, 3)); c.init("B", c.w(6))
        c.node("Conv", ["x", "W", "B"], ["y"], group=2, pads=[1, 1, 1, 1])
    with S.case("conv_depthwise_stride2", "Conv", "depthwise: group = C = 4, 3x3, strides 2, pads 1, bias") as c:
        c.input("x", c.randn(1, 4, 7, 7))
        c.init("W", c.w(4, 1, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], group=4, strides=[2, 2], pads=[1, 1, 1, 1])
    with S.case("conv_pointwise_nobias", "Conv", "1x1 pointwise, 6 -> 4 channels, no bias") as c:
        c.input("x", c.randn(2, 6, 4, 4))
        c.init("W", c.w(4, 6, 1, 1))
        c.node("Conv", ["x", "W"], ["y"])
    with S.case("conv_pads_asym", "Conv", "3x3, asymmetric pads [top 0, left 1, bottom 2, right 1], bias") as c:
        c.input("x", c.randn(1, 3, 5, 6))
        c.init("W", c.w(4, 3, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], pads=[0, 1, 2, 1])
    with S.case("conv1d", "Conv", "1-D: [N,C,L] = [2,3,10], kernel 3, pads 1, bias") as c:
        c.input("x", c.randn(2, 3, 10))
        c.init("W", c.w(4, 3, 3)); c.init("B", c.w(4))
        c.node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1])


def conv_transpose_cases(S):
    with S.case("convtranspose_stride2_outpad", "ConvTranspose",
                "3x3, strides 2, pads 1, output_padding 1 (exact 2x upsampling), bias") as c:
        c.input("x", c.randn(1, 3, 4, 4))
        c.init("W", c.w(3, 2, 3, 3)); c.init("B", c.w(2))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
               pads=[1, 1, 1, 1], output_padding=[1, 1])
    with S.case("convtranspose_group2", "ConvTranspose",
                "group 2 (W [Cin, Cout/group, kh, kw] = [4,2,3,3], 4 -> 4 channels), strides 2, pads 1, bias") as c:
        c.input("x", c.randn(1, 4, 4, 4))
        c.init("W", c.w(4, 2, 3, 3)); c.init("B", c.w(4))
        c.node("ConvTranspose", ["x", "W", "B"], ["y"], group=2, strides=[2, 2], pads=[1, 1, 1, 1])


def gemm_matmul_cases(S):
    with S.case("gemm", "Gemm", "plain: A [3,4] input, B [4,5], C [3,5]") as c:
        c.input("x", c.randn(3, 4))
        c.init("W", c.w(4, 5)); c.init("C", c.w(3, 5))
        c.node("Gemm", ["x", "W", "C"], ["y"])
    with S.case("gemm_transB_bias", "Gemm", "transB=1 (W [5,4]), C [5] broadcast over rows (torch Linear form)") as c:
        c.input("x", c.randn(3, 4))
        c.init("W", c.w(5, 4)); c.init("C", c.w(5))
        c.node("Gemm", ["x", "W", "C"], ["y"], transB=1)
    with S.case("gemm_alpha_beta", "Gemm", "alpha 0.5, beta 2.0, C [3,1] broadcast over columns") as c:
        c.input("x", c.randn(3, 4))
        c.init("W", c.w(4, 5)); c.init("C", c.w(3, 1))
        c.node("Gemm", ["x", "W", "C"], ["y"], alpha=0.5, beta=2.0)
    with S.case("gemm_transA", "Gemm", "transA=1: A [4,3] input, B [4,5], no C") as c:
        c.input("x", c.randn(4, 3))
        c.init("W", c.w(4, 5))
        c.node("Gemm", ["x", "W"], ["y"], transA=1)
    with S.case("matmul_2d", "MatMul", "[3,4] x [4,5], both graph inputs") as c:
        c.input("x", c.randn(3, 4)); c.input("x2", c.randn(4, 5))
        c.node("MatMul", ["x", "x2"], ["y"])
    with S.case("matmul_3d_weight", "MatMul", "batched [2,3,4] x weight initializer [4,5]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("W", c.w(4, 5))
        c.node("MatMul", ["x", "W"], ["y"])
    with S.case("matmul_4d", "MatMul", "attention-style [2,2,3,4] x [2,2,4,3], both graph inputs") as c:
        c.input("x", c.randn(2, 2, 3, 4)); c.input("x2", c.randn(2, 2, 4, 3))
        c.node("MatMul", ["x", "x2"], ["y"])


def binary_cases(S):
    with S.case("add_broadcast", "Add", "[2,3,4,5] + [3,1,1] (per-channel)") as c:
        c.input("x", c.randn(2, 3, 4, 5)); c.input("x2", c.randn(3, 1, 1))
        c.node("Add", ["x", "x2"], ["y"])
    with S.case("sub_broadcast_both", "Sub", "[4,1] - [1,5] -> [4,5] (both operands broadcast)") as c:
        c.input("x", c.randn(4, 1)); c.input("x2", c.randn(1, 5))
        c.node("Sub", ["x", "x2"], ["y"])
    with S.case("mul_broadcast_both", "Mul", "[2,3,1,5] * [3,4,1] -> [2,3,4,5] (both operands broadcast)") as c:
        c.input("x", c.randn(2, 3, 1, 5)); c.input("x2", c.randn(3, 4, 1))
        c.node("Mul", ["x", "x2"], ["y"])
    with S.case("div_broadcast", "Div", "[2,3,4,5] / [1,5], divisor |N(0,1)| + 0.5 with random signs") as c:
        c.input("x", c.randn(2, 3, 4, 5))
        c.input("x2", c.pos(1, 5) * np.where(c.rng.random((1, 5)) < 0.5, -1, 1).astype(np.float32))
        c.node("Div", ["x", "x2"], ["y"])
    with S.case("add_const", "Add", "x [2,3,4] + constant initializer k [4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("k", c.w(4))
        c.node("Add", ["x", "k"], ["y"])
    with S.case("sub_const_first", "Sub", "constant initializer k [3,1] - x [2,3,4] (constant on the left)") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("k", c.w(3, 1))
        c.node("Sub", ["k", "x"], ["y"])
    with S.case("mul_const", "Mul", "x [2,3,4] * constant initializer k [3,4]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("k", c.w(3, 4))
        c.node("Mul", ["x", "k"], ["y"])
    with S.case("div_const", "Div", "x [2,3,4] / constant initializer k [] (scalar 1.7)") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("k", np.array(1.7, dtype=np.float32))
        c.node("Div", ["x", "k"], ["y"])
    with S.case("pow_2", "Pow", "x^2, x positive [2,3,4], constant exponent initializer [] = 2") as c:
        c.input("x", c.pos(2, 3, 4))
        c.init("e", np.array(2.0, dtype=np.float32))
        c.node("Pow", ["x", "e"], ["y"])
    with S.case("pow_3", "Pow", "x^3, x positive [2,3,4], constant exponent initializer [] = 3") as c:
        c.input("x", c.pos(2, 3, 4))
        c.init("e", np.array(3.0, dtype=np.float32))
        c.node("Pow", ["x", "e"], ["y"])
    with S.case("min", "Min", "Min of two [3,4,5] inputs, no ties (|x - x2| > 0.05)") as c:
        x2 = c.randn(3, 4, 5)
        c.input("x", c.apart(c.randn(3, 4, 5), x2)); c.input("x2", x2)
        c.node("Min", ["x", "x2"], ["y"])
    with S.case("max_broadcast", "Max", "Max of [3,4,5] and [4,5] (broadcast), no ties (|x - x2| > 0.05)") as c:
        x2 = c.randn(4, 5)
        c.input("x", c.apart(c.randn(3, 4, 5), x2)); c.input("x2", x2)
        c.node("Max", ["x", "x2"], ["y"])


def activation_cases(S):
    with S.case("relu", "Relu", "x [2,3,4,5] ~ N(0,1), |x| > 0.05") as c:
        c.input("x", c.away(2, 3, 4, 5))
        c.node("Relu", ["x"], ["y"])
    with S.case("leakyrelu", "LeakyRelu", "alpha 0.1, x [2,3,4,5] ~ N(0,1), |x| > 0.05") as c:
        c.input("x", c.away(2, 3, 4, 5))
        c.node("LeakyRelu", ["x"], ["y"], alpha=0.1)
    with S.case("clip_0_6", "Clip", "Clip(0, 6), min/max initializers [] (opset 13), x ~ N(3, 4^2) away from 0 and 6",
                opset=13) as c:
        c.input("x", c.away(2, 3, 4, 5, kinks=(0.0, 6.0), scale=4.0, shift=3.0))
        c.init("min", np.array(0.0, dtype=np.float32), grad=False)
        c.init("max", np.array(6.0, dtype=np.float32), grad=False)
        c.node("Clip", ["x", "min", "max"], ["y"])
    with S.case("sigmoid", "Sigmoid", "x [2,3,4,5] ~ N(0, 2^2)") as c:
        c.input("x", c.randn(2, 3, 4, 5, scale=2.0))
        c.node("Sigmoid", ["x"], ["y"])
    with S.case("hardsigmoid", "HardSigmoid", "alpha 0.2, beta 0.5; x ~ N(0, 3^2) away from +-2.5") as c:
        c.input("x", c.away(2, 3, 4, 5, kinks=(-2.5, 2.5), scale=3.0))
        c.node("HardSigmoid", ["x"], ["y"], alpha=0.2, beta=0.5)
    with S.case("hardswish", "HardSwish", "x ~ N(0, 3^2) away from +-3") as c:
        c.input("x", c.away(2, 3, 4, 5, kinks=(-3.0, 3.0), scale=3.0))
        c.node("HardSwish", ["x"], ["y"])
    with S.case("tanh", "Tanh", "x [2,3,4,5] ~ N(0, 1.5^2)") as c:
        c.input("x", c.randn(2, 3, 4, 5, scale=1.5))
        c.node("Tanh", ["x"], ["y"])
    with S.case("sqrt", "Sqrt", "x [2,3,4,5] = |N(0,1)| + 0.1 (positive)") as c:
        c.input("x", c.pos(2, 3, 4, 5, lo=0.1))
        c.node("Sqrt", ["x"], ["y"])
    with S.case("exp", "Exp", "x [2,3,4,5] ~ N(0,1)") as c:
        c.input("x", c.randn(2, 3, 4, 5))
        c.node("Exp", ["x"], ["y"])
    with S.case("erf", "Erf", "x [2,3,4,5] ~ N(0, 1.5^2)") as c:
        c.input("x", c.randn(2, 3, 4, 5, scale=1.5))
        c.node("Erf", ["x"], ["y"])
    with S.case("neg", "Neg", "x [2,3,4,5] ~ N(0,1)") as c:
        c.input("x", c.randn(2, 3, 4, 5))
        c.node("Neg", ["x"], ["y"])
    with S.case("abs", "Abs", "x [2,3,4,5] ~ N(0,1), |x| > 0.05") as c:
        c.input("x", c.away(2, 3, 4, 5))
        c.node("Abs", ["x"], ["y"])
    with S.case("softmax_last", "Softmax", "axis -1 on [2,3,6], x ~ N(0, 2^2)") as c:
        c.input("x", c.randn(2, 3, 6, scale=2.0))
        c.node("Softmax", ["x"], ["y"], axis=-1)
    with S.case("softmax_axis1", "Softmax", "axis 1 (channels) on [2,4,3,3], x ~ N(0, 2^2)") as c:
        c.input("x", c.randn(2, 4, 3, 3, scale=2.0))
        c.node("Softmax", ["x"], ["y"], axis=1)
    with S.case("prelu_per_channel", "PRelu", "slope [C,1,1] = [3,1,1] on x [2,3,4,5], |x| > 0.05") as c:
        c.input("x", c.away(2, 3, 4, 5))
        c.init("slope", c.w(3, 1, 1))
        c.node("PRelu", ["x", "slope"], ["y"])


def pool_cases(S):
    with S.case("maxpool_2x2_s2", "MaxPool", "2x2, strides 2 on [1,3,6,6] (distinct values)") as c:
        c.input("x", c.distinct(c.randn(1, 3, 6, 6)))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])
    with S.case("maxpool_3x3_s2_p1", "MaxPool",
                "3x3, strides 2, pads 1 on [1,2,7,7] (overlapping windows, distinct values)") as c:
        c.input("x", c.distinct(c.randn(1, 2, 7, 7)))
        c.node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    with S.case("avgpool_3x3_p1_exclude_pad", "AveragePool",
                "3x3, strides 1, pads 1, count_include_pad 0 on [1,2,5,5]") as c:
        c.input("x", c.randn(1, 2, 5, 5))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
               count_include_pad=0)
    with S.case("avgpool_3x3_p1_include_pad", "AveragePool",
                "3x3, strides 1, pads 1, count_include_pad 1 on [1,2,5,5]") as c:
        c.input("x", c.randn(1, 2, 5, 5))
        c.node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
               count_include_pad=1)
    with S.case("globalaveragepool", "GlobalAveragePool", "[2,3,4,4] -> [2,3,1,1]") as c:
        c.input("x", c.randn(2, 3, 4, 4))
        c.node("GlobalAveragePool", ["x"], ["y"])
    with S.case("globalmaxpool", "GlobalMaxPool", "[2,3,4,4] -> [2,3,1,1] (distinct values)") as c:
        c.input("x", c.distinct(c.randn(2, 3, 4, 4)))
        c.node("GlobalMaxPool", ["x"], ["y"])


def batchnorm_cases(S):
    with S.case("batchnorm_train_4d", "BatchNormalization",
                "train mode: x [4,3,3,3] (N=4), batch statistics over (N,H,W), epsilon 1e-5, momentum 0.9",
                mode="train") as c:
        c.input("x", c.randn(4, 3, 3, 3, scale=2.0) + f32([0.5, -1.0, 2.0]).reshape(1, 3, 1, 1))
        c.init("scale", 1.0 + c.w(3)); c.init("B", c.w(3))
        c.init("mean", c.w(3), grad=False); c.init("var", c.pos(3), grad=False)
        c.node("BatchNormalization", ["x", "scale", "B", "mean", "var"], ["y"], epsilon=1e-5, momentum=0.9)
    with S.case("batchnorm_train_2d", "BatchNormalization",
                "train mode: x [8,5] ([N,C], BatchNorm1d), batch statistics over N, epsilon 1e-3, momentum 0.9",
                mode="train") as c:
        c.input("x", c.randn(8, 5, scale=1.5))
        c.init("scale", 1.0 + c.w(5)); c.init("B", c.w(5))
        c.init("mean", c.w(5), grad=False); c.init("var", c.pos(5), grad=False)
        c.node("BatchNormalization", ["x", "scale", "B", "mean", "var"], ["y"], epsilon=1e-3, momentum=0.9)


def layout_cases(S):
    with S.case("concat_axis1", "Concat", "axis 1: [1,2,3,3] ++ [1,1,3,3] ++ [1,3,3,3]") as c:
        c.input("x", c.randn(1, 2, 3, 3)); c.input("x2", c.randn(1, 1, 3, 3)); c.input("x3", c.randn(1, 3, 3, 3))
        c.node("Concat", ["x", "x2", "x3"], ["y"], axis=1)
    with S.case("split_axis1", "Split", "axis 1, split sizes [2,3] (initializer) on [2,5,3]: two outputs y, y2") as c:
        c.input("x", c.randn(2, 5, 3))
        c.init("split", i64([2, 3]))
        c.node("Split", ["x", "split"], ["y", "y2"], axis=1)
    with S.case("slice_steps_negative_starts", "Slice",
                "x [2,7,8]: starts [-6,1], ends [INT64_MAX,-1], axes [1,2], steps [2,2] -> x[:, 1::2, 1:7:2]") as c:
        c.input("x", c.randn(2, 7, 8))
        c.init("starts", i64([-6, 1])); c.init("ends", i64([INT64_MAX, -1]))
        c.init("axes", i64([1, 2])); c.init("steps", i64([2, 2]))
        c.node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])
    with S.case("gather_axis0", "Gather", "axis 0: data x [5,4], indices [3,2] = [[0,2],[2,4],[0,0]] (repeats)") as c:
        c.input("x", c.randn(5, 4))
        c.init("indices", i64([[0, 2], [2, 4], [0, 0]]))
        c.node("Gather", ["x", "indices"], ["y"], axis=0)
    with S.case("gather_axis1", "Gather", "axis 1: data x [2,5,3], indices [4,-1,0,1,1] (negative index, repeats)") as c:
        c.input("x", c.randn(2, 5, 3))
        c.init("indices", i64([4, -1, 0, 1, 1]))
        c.node("Gather", ["x", "indices"], ["y"], axis=1)
    with S.case("reshape", "Reshape", "[2,3,4] -> shape [0,-1,2] = [2,6,2]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("shape", i64([0, -1, 2]))
        c.node("Reshape", ["x", "shape"], ["y"])
    with S.case("flatten", "Flatten", "axis 1: [2,3,2,2] -> [2,12]") as c:
        c.input("x", c.randn(2, 3, 2, 2))
        c.node("Flatten", ["x"], ["y"], axis=1)
    with S.case("transpose_nhwc", "Transpose", "perm [0,2,3,1]: [1,3,4,5] -> [1,4,5,3]") as c:
        c.input("x", c.randn(1, 3, 4, 5))
        c.node("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])
    with S.case("squeeze", "Squeeze", "axes [1,-1] (initializer): [2,1,3,1] -> [2,3]") as c:
        c.input("x", c.randn(2, 1, 3, 1))
        c.init("axes", i64([1, -1]))
        c.node("Squeeze", ["x", "axes"], ["y"])
    with S.case("unsqueeze", "Unsqueeze", "axes [0,2] (initializer): [2,3] -> [1,2,1,3]") as c:
        c.input("x", c.randn(2, 3))
        c.init("axes", i64([0, 2]))
        c.node("Unsqueeze", ["x", "axes"], ["y"])
    with S.case("pad_constant", "Pad",
                "constant 0, pads [0,0,1,2, 0,0,2,1] (spatial only): [1,2,3,4] -> [1,2,6,7]") as c:
        c.input("x", c.randn(1, 2, 3, 4))
        c.init("pads", i64([0, 0, 1, 2, 0, 0, 2, 1]))
        c.node("Pad", ["x", "pads"], ["y"], mode="constant")
    with S.case("pad_reflect", "Pad", "reflect, pads [0,0,1,2, 0,0,2,1]: [1,2,4,5] -> [1,2,7,8]") as c:
        c.input("x", c.randn(1, 2, 4, 5))
        c.init("pads", i64([0, 0, 1, 2, 0, 0, 2, 1]))
        c.node("Pad", ["x", "pads"], ["y"], mode="reflect")
    with S.case("expand", "Expand", "[3,1] expanded to shape [2,3,4]") as c:
        c.input("x", c.randn(3, 1))
        c.init("shape", i64([2, 3, 4]))
        c.node("Expand", ["x", "shape"], ["y"])
    with S.case("resize_nearest_2x", "Resize",
                "nearest, asymmetric, floor, scales [1,1,2,2] (initializer; roi empty): [1,2,3,3] -> [1,2,6,6]",
                opset=13) as c:
        c.input("x", c.randn(1, 2, 3, 3))
        c.init("scales", f32([1, 1, 2, 2]), grad=False)
        c.node("Resize", ["x", "", "scales"], ["y"], mode="nearest",
               coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    with S.case("resize_linear_2x", "Resize",
                "linear, half_pixel, scales [1,1,2,2] (initializer; roi empty): [1,2,3,4] -> [1,2,6,8]") as c:
        c.input("x", c.randn(1, 2, 3, 4))
        c.init("scales", f32([1, 1, 2, 2]), grad=False)
        c.node("Resize", ["x", "", "scales"], ["y"], mode="linear",
               coordinate_transformation_mode="half_pixel")


def reduce_cases(S):
    with S.case("reducemean_keepdims", "ReduceMean", "axes [1,2] (input), keepdims 1: [2,3,4] -> [2,1,1]",
                opset=18) as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("axes", i64([1, 2]))
        c.node("ReduceMean", ["x", "axes"], ["y"], keepdims=1)
    with S.case("reducemean_nokeepdims", "ReduceMean", "axes [-1] (input), keepdims 0: [2,3,4] -> [2,3]",
                opset=18) as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("axes", i64([-1]))
        c.node("ReduceMean", ["x", "axes"], ["y"], keepdims=0)
    with S.case("reducesum", "ReduceSum", "axes [0,2] (input), keepdims 1: [2,3,4] -> [1,3,1]") as c:
        c.input("x", c.randn(2, 3, 4))
        c.init("axes", i64([0, 2]))
        c.node("ReduceSum", ["x", "axes"], ["y"], keepdims=1)
    with S.case("reducemax", "ReduceMax", "axes [1] (input), keepdims 0: [2,5,3] -> [2,3] (distinct values)",
                opset=18) as c:
        c.input("x", c.distinct(c.randn(2, 5, 3)))
        c.init("axes", i64([1]))
        c.node("ReduceMax", ["x", "axes"], ["y"], keepdims=0)


def index_layout_cases(S):
    """DepthToSpace, SpaceToDepth, Tile and Trilu (their backward scatters through the forward's own
    index map), CumSum (a running sum the other way) and TopK (the values back to their positions)."""
    with S.case("depth_to_space_crd", "DepthToSpace", "CRD (PixelShuffle), [1,8,2,3] blocksize 2") as c:
        c.input("x", c.randn(1, 8, 2, 3))
        c.node("DepthToSpace", ["x"], ["y"], blocksize=2, mode="CRD")
    with S.case("depth_to_space_dcr", "DepthToSpace", "DCR, [1,8,2,3] blocksize 2") as c:
        c.input("x", c.randn(1, 8, 2, 3))
        c.node("DepthToSpace", ["x"], ["y"], blocksize=2, mode="DCR")
    with S.case("space_to_depth", "SpaceToDepth", "[1,2,4,6] blocksize 2") as c:
        c.input("x", c.randn(1, 2, 4, 6))
        c.node("SpaceToDepth", ["x"], ["y"], blocksize=2)
    with S.case("tile", "Tile", "[2,3] repeated [2,2]: each element's gradient is the sum of its four copies'") as c:
        c.input("x", c.randn(2, 3))
        c.init("repeats", i64([2, 2]))
        c.node("Tile", ["x", "repeats"], ["y"])
    with S.case("trilu_lower", "Trilu", "[2,4,5] lower, k=1", opset=14) as c:
        c.input("x", c.randn(2, 4, 5))
        c.init("k", i64(1))
        c.node("Trilu", ["x", "k"], ["y"], upper=0)
    with S.case("cumsum_exclusive_reverse", "CumSum", "[3,5] along axis 1, exclusive and reverse", opset=14) as c:
        c.input("x", c.randn(3, 5))
        c.init("axis", i64(1))
        c.node("CumSum", ["x", "axis"], ["y"], exclusive=1, reverse=1)
    with S.case("cumsum", "CumSum", "[4,3] along axis 0", opset=14) as c:
        c.input("x", c.randn(4, 3))
        c.init("axis", i64(0))
        c.node("CumSum", ["x", "axis"], ["y"])
    with S.case("topk", "TopK", "[3,6] k=2 along axis 1 (distinct values); values only") as c:
        c.input("x", c.distinct(c.randn(3, 6)))
        c.init("k", i64([2]))
        c.node("TopK", ["x", "k"], ["y", "indices"], axis=1)
        c.output("y")


def chain_cases(S):
    with S.case("layernorm_chain", "LayerNormChain",
                "torch-style LayerNorm over the last axis of [2,3,8]: d = x - ReduceMean(x); "
                "d / Sqrt(ReduceMean(Pow(d, 2)) + 1e-5) * weight [8] + bias [8]") as c:
        c.input("x", c.randn(2, 3, 8, scale=1.5))
        c.init("two", np.array(2.0, dtype=np.float32), grad=False)  # d(d^e)/de = d^e ln d: d < 0
        c.init("eps", np.array(1e-5, dtype=np.float32))
        c.init("weight", 1.0 + c.w(8)); c.init("bias", c.w(8))
        c.node("ReduceMean", ["x"], ["mu"], axes=[-1], keepdims=1)
        c.node("Sub", ["x", "mu"], ["d"])
        c.node("Pow", ["d", "two"], ["d2"])
        c.node("ReduceMean", ["d2"], ["var"], axes=[-1], keepdims=1)
        c.node("Add", ["var", "eps"], ["var_eps"])
        c.node("Sqrt", ["var_eps"], ["std"])
        c.node("Div", ["d", "std"], ["normed"])
        c.node("Mul", ["normed", "weight"], ["scaled"])
        c.node("Add", ["scaled", "bias"], ["y"])
    with S.case("attention_chain", "AttentionChain",
                "single head on x [2,4,6], d = 6: Softmax(MatMul(x Wq, Transpose(x Wk)) / sqrt(d)) MatMul x Wv") as c:
        c.input("x", c.randn(2, 4, 6))
        c.init("Wq", c.w(6, 6)); c.init("Wk", c.w(6, 6)); c.init("Wv", c.w(6, 6))
        c.init("sqrt_d", np.array(math.sqrt(6.0), dtype=np.float32))
        c.node("MatMul", ["x", "Wq"], ["q"])
        c.node("MatMul", ["x", "Wk"], ["k"])
        c.node("MatMul", ["x", "Wv"], ["v"])
        c.node("Transpose", ["k"], ["kt"], perm=[0, 2, 1])
        c.node("MatMul", ["q", "kt"], ["scores"])
        c.node("Div", ["scores", "sqrt_d"], ["scaled"])
        c.node("Softmax", ["scaled"], ["probs"], axis=-1)
        c.node("MatMul", ["probs", "v"], ["y"])
    with S.case("gelu_chain", "GeluChain", "exact GELU on [2,3,4,5]: x * 0.5 * (1 + Erf(x / sqrt 2))") as c:
        c.input("x", c.randn(2, 3, 4, 5, scale=1.5))
        c.init("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
        c.init("one", np.array(1.0, dtype=np.float32))
        c.init("half", np.array(0.5, dtype=np.float32))
        c.node("Div", ["x", "sqrt2"], ["xs"])
        c.node("Erf", ["xs"], ["e"])
        c.node("Add", ["e", "one"], ["e1"])
        c.node("Mul", ["x", "half"], ["xh"])
        c.node("Mul", ["xh", "e1"], ["y"])


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".onnx", ".npz")) or f == "cases.json":
            os.remove(os.path.join(OUT, f))
    S = Suite()
    conv_cases(S)
    conv_transpose_cases(S)
    gemm_matmul_cases(S)
    binary_cases(S)
    activation_cases(S)
    pool_cases(S)
    batchnorm_cases(S)
    layout_cases(S)
    reduce_cases(S)
    chain_cases(S)
    index_layout_cases(S)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(S.cases, f, indent=1)
        f.write("\n")
    ops = sorted({c["op"] for c in S.cases})
    print("%d cases, %d distinct ops" % (len(S.cases), len(ops)))


if __name__ == "__main__":
    main()
