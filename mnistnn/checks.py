"""Checks on what goes into mnistnn: each mistake is caught where it enters.

A wrong input to a neural network rarely fails loudly. Raw 0-255 pixels train
badly, one-hot labels index the wrong rows, a typo in "adma" might fall back
to a default: the code runs and the numbers are quietly wrong. So every public
function of mnistnn checks its arguments with the small functions below and
raises an error that names the argument, says what was expected and what was
found, and what to do about it. Each check returns the argument (as a NumPy
array where one is expected), so a function's first lines read as a list:

    X = check_images(X, "X")
    y = check_labels(y, "y", n=len(X))
    check_number(lr, "lr", positive=True)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any, NoReturn

import numpy as np


def fail(name: str, expected: str, found: str, fix: str = "", error: type[Exception] = ValueError) -> NoReturn:
    """Raise `error` with the one message format used everywhere:
    "<name>: expected <expected>, found <found>. <fix>"."""
    raise error(f"{name}: expected {expected}, found {found}." + (f" {fix}" if fix else ""))


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{value!r} ({type(value).__name__})"


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """`value` must be one of `choices`; a near miss gets "did you mean ...?"."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1)
        fix = f"Did you mean {close[0]!r}?" if close else ""
        fail(name, f"one of {choices}", _describe(value), fix)
    return value


def check_int(value: Any, name: str, low: int = 0, high: int | None = None) -> int:
    """`value` must be a whole number (not a float or a bool) from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        fail(name, "a whole number", _describe(value), error=TypeError)
    if value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        fail(name, f"a whole number {span}", repr(int(value)))
    return int(value)


def check_number(
    value: Any, name: str, *, low: float | None = None, high: float | None = None, positive: bool = False
) -> float:
    """`value` must be a finite real number; `positive`: above 0; in [low, high) when given."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        fail(name, "a number", _describe(value), error=TypeError)
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0):
        fail(name, "a positive finite number" if positive else "a finite number", repr(value))
    if (low is not None and value < low) or (high is not None and value >= high):
        fail(name, f"a number in [{low}, {high})" if high is not None else f"a number of at least {low}", repr(value))
    return value


DIM = 0.05  # a largest pixel below this is not an image in [0, 1]: 1/255 is what X / 255 / 255 gives


def check_images(X: Any, name: str = "X", width: int = 784, values: bool = True) -> np.ndarray:
    """Images, one per row: a float array (m, width) of values in [0, 1].

    Catches the usual slips: images still shaped (m, 28, 28), integer pixels,
    raw 0-255 values, images divided by 255 twice, NaN or infinite values. `values=False` checks only the
    shape and dtype, which costs nothing; the value checks read the whole array
    once, so functions that run on every batch leave them to the caller.
    A pandas DataFrame is taken by its values.
    """
    X = np.asarray(X)
    if X.ndim == 3 and X.shape[1:] == (28, 28) and width == 784:
        fail(name, "one image per row, shape (m, 784)", f"shape {X.shape}", f"Use {name}.reshape(len({name}), 784).")
    if X.ndim == 1 and X.size == width:
        fix = f"Use {name}.reshape(1, {width}) for a batch of one."
        fail(name, f"one image per row, shape (m, {width})", f"one image, shape {X.shape}", fix)
    if X.ndim != 2 or X.shape[1] != width:
        fail(name, f"one image per row, shape (m, {width})", f"shape {X.shape}")
    if len(X) == 0:
        fail(name, "at least one image", f"none (shape {X.shape})")
    if not np.issubdtype(X.dtype, np.floating):
        fix = f"Use {name} / 255 (raw pixels 0-255 become 0-1)." if np.issubdtype(X.dtype, np.number) else ""
        fail(name, "floating-point pixel values in [0, 1]", f"dtype {X.dtype}", fix, error=TypeError)
    if values:
        low, high = X.min(), X.max()  # NaN makes both NaN, so two passes find it too
        if not (np.isfinite(low) and np.isfinite(high)):
            bad = np.argwhere(~np.isfinite(X))[0]
            fail(name, "finite numbers", f"{X[tuple(bad)]} at row {bad[0]}, column {bad[1]}", "Remove or fix that row.")
        if high > 1 or low < 0:
            fix = f"Raw 0-255 pixels? Use {name} / 255." if high > 1 else "load_mnist() gives pixels scaled to [0, 1]."
            fail(name, "pixel values in [0, 1]", f"values from {low:g} to {high:g}", fix)
        if 0 < high < DIM:  # ink is near 1 in every MNIST digit; blank images (all 0) are allowed
            fix = "Divided by 255 twice? load_mnist() gives pixels already scaled to [0, 1]: use them as they are."
            fail(
                name, "pixel values in [0, 1] with the ink near 1", f"images almost all black (largest {high:.3g})", fix
            )
    return X


def check_labels(y: Any, name: str = "y", n: int | None = None, num_classes: int = 10) -> np.ndarray:
    """Integer labels 0-9, one per image: shape (m,). Returns them as int64.

    One-hot labels (m, 10) are refused with the fix (`argmax`), labels stored as
    whole floats (3.0) are accepted, and `n` checks there is one label per image.
    A pandas Series is taken by its values, never by its index labels.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == num_classes:
        fail(
            name,
            "one integer label per image, shape (m,)",
            f"shape {y.shape} (one-hot labels?)",
            f"Use {name}.argmax(axis=1) to turn them into labels 0-{num_classes - 1}.",
        )
    if y.ndim != 1:
        fail(name, "one integer label per image, shape (m,)", f"shape {y.shape}")
    if y.dtype == bool or not np.issubdtype(y.dtype, np.number):
        fail(name, f"integer labels 0-{num_classes - 1}", f"dtype {y.dtype}", error=TypeError)
    whole = np.issubdtype(y.dtype, np.integer) or np.array_equal(y, np.round(y))
    if len(y) and (y.min() < 0 or y.max() > num_classes - 1 or not whole):
        bad = y[(y < 0) | (y > num_classes - 1) | (y != np.round(y))][0]
        fail(name, f"integer labels 0-{num_classes - 1}", f"{bad.item()!r}")
    if n is not None and len(y) != n:
        fail(name, f"one label per image: {n} labels", f"{len(y)}", "Pass the labels that belong to the images.")
    return y.astype(np.int64, copy=False)


def check_params(params: Any, name: str = "params") -> dict[str, np.ndarray]:
    """A parameter dict as `init_params` makes it: W1, b1, W2, b2, ... whose shapes chain.

    W{l} is (n_in, n_out) and b{l} (n_out,), and each layer's n_in is the
    previous layer's n_out.
    """
    if not isinstance(params, dict):
        fail(name, "a dict of arrays W1, b1, W2, b2, ... (from init_params)", _describe(params), error=TypeError)
    # the number of layers is the highest l of any key W{l} or b{l}; anything else is unexpected
    numbered = [int(k[1:]) for k in params if isinstance(k, str) and k[:1] in ("W", "b") and k[1:].isdecimal()]
    L = max(numbered, default=0)
    expected = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    if L == 0 or sorted(map(str, params)) != sorted(expected):
        missing = sorted(set(expected) - set(params), key=expected.index) if L else ["W1", "b1"]
        extra = sorted(str(key) for key in params if key not in expected)
        problems = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else [])
        fail(name, "keys W1, b1, W2, b2, ...", f"keys {sorted(map(str, params))} ({', '.join(problems)})")
    n_in = None
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        if not (isinstance(W, np.ndarray) and isinstance(b, np.ndarray)):
            fail(name, f"W{l} and b{l} as NumPy arrays", f"{type(W).__name__} and {type(b).__name__}", error=TypeError)
        if W.ndim != 2 or b.shape != (W.shape[1],) or (n_in is not None and W.shape[0] != n_in):
            fits = f"W{l} of shape ({n_in if n_in is not None else 'n_in'}, n_out) and b{l} of shape (n_out,)"
            fail(name, fits, f"W{l} {W.shape} and b{l} {b.shape}", "Make params with init_params(layer_sizes).")
        n_in = W.shape[1]
    return params


def check_labels_fit(params: dict[str, np.ndarray], y: Any, name: str = "y", n: int | None = None) -> np.ndarray:
    """Labels that the network can be trained or scored on: check_labels, and a network with
    one output per class. A network on MNIST's 784 pixels must end in 10 outputs; a mistake in
    the layer sizes is named as the network's, not the labels' fault. Returns the labels (int64)."""
    L = max(int(key[1:]) for key in params if key.startswith("W"))
    n_in, n_out = params["W1"].shape[0], params[f"W{L}"].shape[1]
    sizes = (n_in,) + tuple(params[f"W{l}"].shape[1] for l in range(1, L + 1))
    fix = f"End the layer sizes with one output per class, e.g. init_params(({n_in}, 256, 10))."
    if n_in == 784 and n_out != 10:
        fail("params", "a network with 10 outputs, one per digit", f"{n_out} outputs (layer sizes {sizes})", fix)
    y = check_labels(y, name, n=n, num_classes=max(n_out, 10))
    if len(y) and y.max() >= n_out:
        found = f"{n_out} outputs (layer sizes {sizes}) for labels up to {y.max()}"
        fail("params", f"a network with at least {y.max() + 1} outputs, one per class", found, fix)
    return y


def check_probabilities(probs: Any, name: str = "probs", n: int | None = None, num_classes: int = 10) -> np.ndarray:
    """Probabilities, one row per image: (m, 10) numbers >= 0 whose rows sum to 1.

    Predicted digits (m,) are refused with the fix, and so are scores (a network's
    outputs before softmax), which have negative values or rows that do not sum to 1.
    `n` checks there is one row per image. A pandas DataFrame is taken by its values.
    """
    probs = np.asarray(probs)
    fix = f"Pass probabilities, e.g. {name}, _ = forward(params, X), or model.predict_proba(X)."
    shape = f"one row of {num_classes} probabilities per image, shape (m, {num_classes})"
    if probs.ndim == 1:
        fail(name, shape, f"shape {probs.shape} (digits, not probabilities?)", fix)
    if probs.ndim != 2 or probs.shape[1] != num_classes:
        fail(name, shape, f"shape {probs.shape}", fix)
    if len(probs) == 0:
        fail(name, "probabilities for at least one image", f"none (shape {probs.shape})")
    if probs.dtype == bool or not np.issubdtype(probs.dtype, np.number):
        fail(name, "probabilities, numbers from 0 to 1", f"dtype {probs.dtype}", error=TypeError)
    if not np.isfinite(probs).all():
        row = int(np.argwhere(~np.isfinite(probs))[0, 0])
        fail(name, "finite probabilities", f"NaN or infinity in row {row}", "A diverged network? Retrain it.")
    sums = probs.sum(axis=1)
    if probs.min() < 0 or not np.allclose(sums, 1, atol=1e-3):  # float32 softmax sums to 1 within 1e-6
        row = int(np.argmax((probs < 0).any(axis=1) | ~np.isclose(sums, 1, atol=1e-3)))
        found = f"row {row} with values from {probs[row].min():g} to {probs[row].max():g}, summing to {sums[row]:g}"
        expected = "probabilities: rows of numbers >= 0 that sum to 1"
        fail(name, expected, found + " (scores?)", "Use mnistnn.softmax(scores).")
    if n is not None and len(probs) != n:
        fail(name, f"one row of probabilities per image: {n} rows", f"{len(probs)}", "Pass the rows of these images.")
    return probs
