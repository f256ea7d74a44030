#!/usr/bin/env python3
"""The training split of the digits data set, for the training engine's tests and examples:
the same split as make_digits.py (scikit-learn's bundled 8x8 digits, 75/25, random_state 0,
stratified), so digits_test.npz stays the held-out set.

Writes digits/digits_train.npz: 'input' [1347, 1, 8, 8] float32 in [0, 1] and 'labels' int64.

Run from the repo root:  python3 Tests/Fixtures/make_digits_train.py
"""
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "digits")


def main():
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y)
    committed = np.load(os.path.join(OUT, "digits_test.npz"))
    assert np.array_equal(committed["input"], X_test) and np.array_equal(committed["labels"], y_test), \
        "the split no longer matches digits_test.npz"
    np.savez_compressed(os.path.join(OUT, "digits_train.npz"), input=X_train, labels=y_train)
    print("digits_train.npz: %d samples" % len(X_train))


if __name__ == "__main__":
    main()
