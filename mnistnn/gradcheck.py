"""Numerical gradient checking: is `backward` right?

The derivative of a function f at x is the slope of f there. We can measure
that slope without any calculus by nudging one number of x a little up and a
little down and watching f:

    df/dx_i  ~=  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

("central differences": the error shrinks like eps^2). Doing this for every
entry of every parameter is far too slow to train with, but it is the perfect
referee for the fast, hand-derived gradients of `backward`; `mnistnn.grading`
uses it to grade networks written by learners.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from numbers import Real

import numpy as np

from .checks import check_number, fail


def _value(f: Callable[[], float]) -> float:
    """f(), which must be one real number (a loss), as a float."""
    value = f()
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        found = "None (a missing return?)" if value is None else f"{type(value).__name__} {np.shape(value)}"
        fail("f", "a function that returns one number, such as the mean loss", found, error=TypeError)
    return float(value)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Estimate the gradient of f with respect to the array x by central differences.

    f takes no arguments and reads x (which is changed in place and restored),
    so f can close over a whole network: `lambda: loss(params)` and x = params["W1"].
    Returns an array shaped like x. Use float64 arrays: in float32, rounding
    errors in f swamp the differences for small eps; integer arrays cannot hold
    a nudge at all, so they are refused.
    """
    if not callable(f):
        fail("f", "a function of no arguments that returns a number", f"{type(f).__name__}", error=TypeError)
    if not isinstance(x, np.ndarray):
        fail("x", "a NumPy array that f reads (it is nudged in place)", type(x).__name__, error=TypeError)
    if not np.issubdtype(x.dtype, np.floating):
        fix = "Check float64 copies, e.g. params = {k: v.astype(np.float64) for k, v in params.items()}."
        fail("x", "a floating-point array (float64 for a gradient check)", f"dtype {x.dtype}", fix, TypeError)
    if not x.flags.writeable:
        fail("x", "a writable array (it is nudged in place)", "a read-only array", "Pass x.copy().")
    eps = check_number(eps, "eps", positive=True)
    if x.dtype != np.float64:  # in float32, rounding in f (about 1e-7 of it) swamps a difference over 2 eps
        warnings.warn(f"numerical_gradient: x is {x.dtype}; use float64 for a gradient check", RuntimeWarning, 2)
    grad = np.zeros_like(x)
    changed = False  # did f ever notice a nudge?
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:  # one entry of x at a time: slow, but only used on small networks
        i = it.multi_index
        original = x[i]
        x[i] = original + eps
        f_plus = _value(f)
        x[i] = original - eps
        f_minus = _value(f)
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
        changed = changed or f_plus != f_minus
    if not changed:  # a true gradient can be 0 (dead ReLU units), but a copy is the usual cause
        warnings.warn(
            f"numerical_gradient: f returned the same value for every nudge of all {x.size} entries of x, so every "
            "entry of the gradient is 0. Does f read this very array? A copy made before the call (x.copy(), "
            "x.astype(...)) is never nudged.",
            RuntimeWarning,
            stacklevel=2,
        )
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Relative difference of two gradients: ||a - b|| / (||a|| + ||b||).

    Relative, so it means the same for large and small gradients, and measured
    over the whole array, so a few entries that are almost 0 (whose own relative
    error is dominated by rounding) do not swamp it. Rough scale, in float64:
    below 1e-7 the two agree up to rounding; around 1e-5 deserves a look (or a
    kink such as ReLU at 0 was crossed); above 1e-3 the gradient is wrong.
    The two must have the same shape: broadcasting one against the other would
    compare numbers that do not belong together.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        fail("rel_error", "two arrays of the same shape", f"shapes {a.shape} and {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))
