#!/usr/bin/env python3
"""Image folders for `--calib-images` / `--data-images` and their expected preprocessed tensors,
with PIL's decoding and resizing and NumPy's arithmetic as the independent reference.

- images/digits/<class>/NNN.png: 5 samples per class of digits_test.npz as 8x8 grayscale PNGs
  whose pixel values are the sklearn digit values 0..16, so (pixel - 0) / 16 gives back the
  float32 input exactly; images/digits.npz holds the same samples (and labels) in the order
  torchvision's ImageFolder lists them.
- images/mixed/: small RGB, RGBA, palette and gray PNGs and RGB and gray JPEGs;
  images/mixed_expected.npz: for each case in CASES, the batch PIL + NumPy make of them
  (convert to the colour, resize with Image.BILINEAR, (x - mean) / std in float32, layout).

Run from the repo root:  python3 Tests/Fixtures/make_images.py   (needs pillow and numpy)
"""
import os
import shutil

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "images")

# name: (color, layout, (height, width), mean, std) -- mean and std in pixel units 0..255.
CASES = {
    "rgb_nchw_down": ("rgb", "nchw", (5, 6), [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]),
    "bgr_nhwc_up": ("bgr", "nhwc", (16, 20), [103.53, 116.28, 123.675], [57.375, 57.12, 58.395]),
    "gray_nchw_same": ("gray", "nchw", (9, 13), [0.0], [255.0]),
    "gray_nhwc_down": ("gray", "nhwc", (4, 3), [127.5], [127.5]),
}


def preprocess(path, color, layout, size, mean, std):
    image = Image.open(path)
    image = image.convert("L" if color == "gray" else "RGB")
    height, width = size
    image = image.resize((width, height), Image.BILINEAR)
    pixels = np.asarray(image, dtype=np.uint8)
    if color == "gray":
        pixels = pixels[:, :, None]
    elif color == "bgr":
        pixels = pixels[:, :, ::-1]
    values = (pixels.astype(np.float32) - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return values.transpose(2, 0, 1) if layout == "nchw" else values


def make_digits():
    folder = os.path.join(OUT, "digits")
    shutil.rmtree(folder, ignore_errors=True)
    test = np.load(os.path.join(HERE, "digits", "digits_test.npz"))
    inputs, labels = test["input"], test["labels"]
    chosen = []
    for label in range(10):
        for index in np.flatnonzero(labels == label)[:5]:
            chosen.append((label, int(index)))
    for label, index in chosen:
        values = np.rint(inputs[index, 0] * 16).astype(np.uint8)
        assert np.array_equal(values.astype(np.float32) / np.float32(16), inputs[index, 0])
        os.makedirs(os.path.join(folder, str(label)), exist_ok=True)
        Image.fromarray(values, mode="L").save(os.path.join(folder, str(label), f"{index:03d}.png"))
    # ImageFolder's order: classes sorted by name, files sorted within each (here all 0..9, NNN).
    order = sorted(chosen, key=lambda c: (str(c[0]), f"{c[1]:03d}.png"))
    np.savez(os.path.join(OUT, "digits.npz"),
             input=np.stack([inputs[i] for _, i in order]).astype(np.float32),
             labels=np.array([label for label, _ in order], dtype=np.int64))


def make_mixed():
    folder = os.path.join(OUT, "mixed")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    rng = np.random.default_rng(13)
    height, width = 9, 13
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    # A smooth gradient as well, so JPEG's loss stays small next to the content.
    yy, xx = np.mgrid[0:height, 0:width]
    smooth = np.stack([xx * 19, yy * 28, (xx + yy) * 11], axis=-1).clip(0, 255).astype(np.uint8)
    Image.fromarray(rgb, mode="RGB").save(os.path.join(folder, "a_rgb.png"))
    rgba = np.concatenate([rgb[:, ::-1], rng.integers(0, 256, (height, width, 1), dtype=np.uint8)], axis=-1)
    Image.fromarray(rgba, mode="RGBA").save(os.path.join(folder, "b_rgba.png"))
    Image.fromarray(smooth, mode="RGB").save(os.path.join(folder, "c_rgb.jpg"), quality=95)
    Image.fromarray(rgb[:, :, 1], mode="L").save(os.path.join(folder, "d_gray.png"))
    Image.fromarray(smooth[:, :, 0], mode="L").save(os.path.join(folder, "e_gray.jpg"), quality=95)
    Image.fromarray(rgb, mode="RGB").quantize(colors=16).save(os.path.join(folder, "f_palette.png"))
    files = sorted(os.listdir(folder))
    expected = {}
    for name, (color, layout, size, mean, std) in CASES.items():
        expected[name] = np.stack([preprocess(os.path.join(folder, f), color, layout, size, mean, std) for f in files])
    np.savez(os.path.join(OUT, "mixed_expected.npz"), **expected)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_digits()
    make_mixed()
