"""Numerical gradient checking: is `backward` right?

The derivative of a function f at x is the slope of f there. We can measure
that slope without any calculus by nudging one number of x a little up and a
little down and watching f:

    df/dx_i  ~=  (f(x + h e_i) - f(x - h e_i)) / (2 h)

("central differences": the error shrinks like h^2). Doing this for every
entry of every parameter is far too slow to train with, but it is the perfect
referee for the fast, hand-derived gradients of `backward`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Estimate the gradient of f with respect to the array x by central differences.

    f takes no arguments and reads x (which is changed in place and restored),
    so f can close over a whole network: `lambda: loss(params)` and x = params["W1"].
    Returns an array shaped like x. Use float64 arrays: in float32, rounding
    errors in f swamp the differences for small h.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:  # one entry of x at a time: slow, but only used on small networks
        i = it.multi_index
        original = x[i]
        x[i] = original + h
        f_plus = f()
        x[i] = original - h
        f_minus = f()
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Relative difference of two gradients: ||a - b|| / (||a|| + ||b||).

    Relative, so it means the same for large and small gradients, and measured
    over the whole array, so a few entries that are almost 0 (whose own relative
    error is dominated by rounding) do not swamp it. Rough scale, in float64:
    below 1e-7 the two agree up to rounding; around 1e-5 deserves a look (or a
    kink such as ReLU at 0 was crossed); above 1e-3 the gradient is wrong.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))
