#!/usr/bin/env python3
"""Small PyTorch models (random init, seed 0, eval mode) exported with
torch's TorchScript-based ONNX exporter, with onnxruntime goldens.

Writes torch/<name>.onnx and torch/<name>.npz (graph inputs keyed by input
name, graph outputs keyed by output name), for
  tiny_detector     YOLOv5-style focus + conv/BN/SiLU + Hardswish + depthwise
                    ReLU6 + nearest upsample + concat + 1x1 head + Sigmoid,
                    input [1,3,32,32], opset 14
  tiny_transformer  hand-written equivalent of nn.TransformerEncoderLayer(
                    d_model=32, nhead=2, dim_feedforward=64, batch_first=True,
                    dropout=0.0, activation="gelu") sharing its weights,
                    input [1,8,32], opset 13 (LayerNorm -> ReduceMean/Pow/Sqrt/
                    Div, GELU -> Erf)
  tiny_transformer_nn
                    the stock nn.TransformerEncoderLayer itself (same weights
                    and input), opset 14: its attention goes through
                    aten::scaled_dot_product_attention, which the exporter
                    supports only from opset 14
  tiny_mobilenet    MobileNetV3-style: stride-2 stem + Hardswish, inverted
                    residuals with depthwise 3x3 and 5x5 at strides 1 and 2,
                    squeeze-and-excitation (Hardsigmoid, per-channel Mul),
                    a residual Add, global pooling and a linear head; input
                    [1,3,32,32], opset 14 (the int8 depthwise kernels across
                    targets)

Run from the repo root:  python3 Tests/Fixtures/make_torch_models.py
"""
import collections
import math
import os
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn

D_MODEL, N_HEAD, D_FF = 32, 2, 64

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "torch")

# Operators exercised by the ops/ conformance suite (make_op_cases.py); any
# other op emitted by the exporter is reported.
SUPPORTED = {
    "Abs", "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant",
    "ConstantOfShape", "Conv", "ConvTranspose", "Div", "Dropout", "Erf", "Exp", "Flatten",
    "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid", "HardSwish",
    "Identity", "LRN", "LeakyRelu", "MatMul", "Max", "MaxPool", "Min", "Mul", "Neg", "Pad",
    "Pow", "ReduceMax", "ReduceMean", "ReduceSum", "Relu", "Reshape", "Resize", "Shape",
    "Sigmoid", "Slice", "Softmax", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh",
    "Transpose", "Unsqueeze",
}


class SqueezeExcite(nn.Module):
    def __init__(self, channels, squeezed):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.fc2 = nn.Conv2d(squeezed, channels, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        return x * self.gate(self.fc2(torch.relu(self.fc1(self.pool(x)))))


def conv_bn(cin, cout, k, stride=1, groups=1, act=None):
    layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*(layers + ([act] if act is not None else [])))


class TinyMobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 16, 3, stride=2, act=nn.Hardswish())                      # 16x16
        self.block1 = nn.Sequential(conv_bn(16, 16, 3, groups=16, act=nn.ReLU()), SqueezeExcite(16, 8),
                                    conv_bn(16, 16, 1))                                     # residual
        self.block2 = nn.Sequential(conv_bn(16, 48, 1, act=nn.Hardswish()),
                                    conv_bn(48, 48, 5, stride=2, groups=48, act=nn.Hardswish()),
                                    SqueezeExcite(48, 16), conv_bn(48, 24, 1))             # 8x8
        self.block3 = nn.Sequential(conv_bn(24, 72, 1, act=nn.Hardswish()),
                                    conv_bn(72, 72, 3, stride=2, groups=72, act=nn.Hardswish()),
                                    conv_bn(72, 32, 1))                                     # 4x4
        self.block4 = nn.Sequential(conv_bn(32, 64, 1, act=nn.Hardswish()),
                                    conv_bn(64, 64, 5, groups=64, act=nn.Hardswish()),
                                    conv_bn(64, 32, 1))                                     # residual
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.block1(x)
        x = self.block3(self.block2(x))
        x = x + self.block4(x)
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class TinyDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(12, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.act1 = nn.SiLU()
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.act2 = nn.Hardswish()
        self.dw = nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.act3 = nn.ReLU6()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.head = nn.Conv2d(32 + 16, 8, 1)

    def forward(self, x):
        # YOLOv5 Focus: space-to-depth by strided slicing.
        x = torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]], 1)
        f1 = self.act1(self.bn1(self.conv1(x)))          # [1,16,16,16]
        f2 = self.act2(self.bn2(self.conv2(f1)))         # [1,32,8,8]
        f3 = self.act3(self.dw(f2))                      # [1,32,8,8]
        u = self.up(f3)                                  # [1,32,16,16]
        return torch.sigmoid(self.head(torch.cat([u, f1], 1)))  # [1,8,16,16]


class EncoderLayerNN(nn.Module):
    """The stock nn.TransformerEncoderLayer (post-norm, GELU)."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(d_model=D_MODEL, nhead=N_HEAD, dim_feedforward=D_FF,
                                                batch_first=True, dropout=0.0, activation="gelu")

    def forward(self, x):
        return self.layer(x)


class TinyTransformer(nn.Module):
    """Hand-written equivalent of nn.TransformerEncoderLayer(d_model=32, nhead=2,
    dim_feedforward=64, batch_first=True, dropout=0.0, activation="gelu")
    (post-norm), sharing its weights. Written with plain MatMul/Softmax because
    the stock layer goes through aten::scaled_dot_product_attention, which the
    TorchScript exporter only supports from opset 14."""

    def __init__(self, ref):
        super().__init__()
        layer = ref.layer
        w_q, w_k, w_v = layer.self_attn.in_proj_weight.detach().chunk(3)
        b_q, b_k, b_v = layer.self_attn.in_proj_bias.detach().chunk(3)
        self.q = nn.Linear(D_MODEL, D_MODEL)
        self.k = nn.Linear(D_MODEL, D_MODEL)
        self.v = nn.Linear(D_MODEL, D_MODEL)
        with torch.no_grad():
            for lin, w, b in ((self.q, w_q, b_q), (self.k, w_k, b_k), (self.v, w_v, b_v)):
                lin.weight.copy_(w)
                lin.bias.copy_(b)
        self.out = layer.self_attn.out_proj
        self.norm1, self.norm2 = layer.norm1, layer.norm2
        self.linear1, self.linear2 = layer.linear1, layer.linear2

    def forward(self, x):
        b, t, d = x.shape
        dh = d // N_HEAD

        def heads(y):  # [B,T,D] -> [B,H,T,Dh]
            return y.reshape(b, t, N_HEAD, dh).transpose(1, 2)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        s = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(dh)
        a = torch.matmul(torch.softmax(s, dim=-1), v)           # [B,H,T,Dh]
        a = self.out(a.transpose(1, 2).reshape(b, t, d))
        x = self.norm1(x + a)
        f = self.linear2(nn.functional.gelu(self.linear1(x)))   # exact (erf) GELU
        return self.norm2(x + f)


def randomize_norms(model):
    """Give BatchNorm/LayerNorm non-trivial parameters and running statistics,
    and attention biases (zero-initialized by torch) non-zero values, so none
    of them is an identity (seeded by the caller)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
                m.weight.copy_(1.0 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.2 * torch.randn_like(m.bias))
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(0.2 * torch.randn_like(m.running_mean))
                m.running_var.copy_(0.5 + torch.rand_like(m.running_var))
            if isinstance(m, nn.MultiheadAttention):
                m.in_proj_bias.copy_(0.2 * torch.randn_like(m.in_proj_bias))
                m.out_proj.bias.copy_(0.2 * torch.randn_like(m.out_proj.bias))


def op_histogram(model):
    return dict(sorted(collections.Counter(n.op_type for n in model.graph.node).items(),
                       key=lambda kv: (-kv[1], kv[0])))


def export(name, model, x, opset):
    torch.manual_seed(0)
    model.eval()
    path = os.path.join(OUT, name + ".onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), path, dynamo=False, opset_version=opset,
                          input_names=["input"], output_names=["output"],
                          do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {"input": x.numpy()}
    names = [o.name for o in sess.get_outputs()]
    outs = dict(zip(names, sess.run(names, feeds)))
    with torch.no_grad():
        ref = model(x).numpy()
    arrays = dict(feeds)
    arrays.update(outs)
    np.savez(os.path.join(OUT, name + ".npz"), **arrays)
    hist = op_histogram(m)
    extra = sorted(set(hist) - SUPPORTED)
    print("== %s  (opset %d, %d initializers, %d bytes)" % (
        name, opset, len(m.graph.initializer), os.path.getsize(path)))
    print("   input  %s -> output %s" % (list(x.shape), [list(v.shape) for v in outs.values()]))
    print("   ops: %s" % hist)
    print("   ops outside the supported list: %s" % (extra or "none"))
    print("   max|ort - torch| = %.3g   max|out| = %.4g" % (
        np.abs(outs["output"] - ref).max(), np.abs(outs["output"]).max()))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)

    torch.manual_seed(0)
    det = TinyDetector()
    randomize_norms(det)
    x = torch.randn(1, 3, 32, 32)
    export("tiny_detector", det, x, opset=14)

    torch.manual_seed(0)
    ref = EncoderLayerNN()
    randomize_norms(ref)
    ref.eval()
    tr = TinyTransformer(ref).eval()
    x = torch.randn(1, 8, 32)
    with torch.no_grad():
        print("hand-written vs nn.TransformerEncoderLayer: max diff %.3g" % (tr(x) - ref(x)).abs().max())
    export("tiny_transformer", tr, x, opset=13)
    # The stock layer itself, at the lowest opset its exporter supports (14).
    export("tiny_transformer_nn", ref, x, opset=14)

    export_tiny_mobilenet()


def export_tiny_mobilenet():
    torch.manual_seed(0)
    mobile = TinyMobileNet()
    randomize_norms(mobile)
    x = torch.randn(1, 3, 32, 32)
    export("tiny_mobilenet", mobile, x, opset=14)


if __name__ == "__main__":
    main()
