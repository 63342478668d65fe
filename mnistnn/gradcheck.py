"""Numerical gradient checking: is `backward` right?

The derivative of a function f at x is the slope of f there. We can measure
that slope without any calculus by nudging one number of x a little up and a
little down and watching f:

    df/dx_i  ~=  (f(x + h e_i) - f(x - h e_i)) / (2 h)

("central differences": the error shrinks like h^2). Doing this for every
entry of every parameter is far too slow to train with, but it is the perfect
referee for the fast, hand-derived gradients of `backward`, and `check_gradients`
uses it to grade a two-layer network written by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .checks import check_int, check_number
from .network import cross_entropy


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


def _diagnose(key: str, g: object, num: np.ndarray, m: int, tolerance: float) -> tuple[float, str | None]:
    """The relative error of grads[key] = g, and the likely cause when it is wrong (None when right)."""
    if not isinstance(g, (int, float, np.number, np.ndarray)):
        return float("nan"), f"it is {'None' if g is None else type(g).__name__}, not an array of shape {num.shape}"
    if np.ndim(g) == 0:
        cause = f"a single number ({float(g):.3g}), expected an array of shape {num.shape}, one slope per entry"
        if key.startswith("b"):
            cause += ". np.sum(dZ) with no axis adds over the output units too, so every unit gets the same number"
            cause += " (for b2 always 0: each row of A2 - Y sums to 0). Sum over the examples only: dZ.sum(axis=0)"
        return rel_error(np.full(num.shape, float(g)), num), cause
    if g.shape != num.shape:
        cause = f"wrong shape: expected {num.shape} (the shape of params[{key!r}]), found {g.shape}"
        if g.shape == num.shape[::-1]:
            cause += f"; its transpose would be right (relative error {rel_error(g.T, num):.1e}): dW = A_prev.T @ dZ"
        elif key.startswith("b") and g.size == num.size:
            cause += "; sum with axis=0 and no keepdims"
        return float("nan"), cause
    if not np.all(np.isfinite(g)):
        return float("nan"), "it holds NaN or infinite values"
    for factor, cause in (
        (1, None),
        (m, f"it is m = {m} times the numerical gradient: the 1/m of the mean loss is missing"),
        (-1, "it is minus the numerical gradient: dZ2 = A2 - Y, not Y - A2"),
    ):
        if rel_error(g, factor * num) <= tolerance:
            return rel_error(g, num), cause
    return rel_error(g, num), "the values are wrong" if np.any(g) else "all zeros"


FLOAT64_HINT = "a gradient check needs float64 (in float32 rounding swamps the tiny nudges). "
FLOAT64_HINT += "Let forward keep the dtype it is given: no astype(np.float32)"
HIDDEN_HINT = "W2 and b2 are right, so look at the way back through the hidden layer:\n  dA1 = dZ2 @ W2.T, then "
HIDDEN_HINT += "dZ1 = dA1 * (Z1 > 0), ReLU's slope"


def _check_problem(forward: Callable, backward: Callable, sizes: tuple, rng: np.random.Generator, tolerance: float):
    """Check one random problem, sizes = (m, n_in, n_hidden, n_out); return {key: relative error}."""
    m, n_in, n_hidden, n_out = sizes
    params = {}
    for l, (a, b) in enumerate([(n_in, n_hidden), (n_hidden, n_out)], start=1):
        params[f"W{l}"], params[f"b{l}"] = rng.standard_normal((a, b)) / np.sqrt(a), 0.1 * rng.standard_normal(b)
    X, y = rng.standard_normal((m, n_in)), rng.integers(0, n_out, size=m)
    problem = f"m = {m} examples, layers {n_in}-{n_hidden}-{n_out}"
    out = forward(params, X)
    assert isinstance(out, (tuple, list)) and len(out) == 2, f"forward should return probs, cache; found {out!r:.40}"
    probs = np.asarray(out[0])
    assert probs.shape == (m, n_out), f"forward's probs ({problem}): expected shape {(m, n_out)}, found {probs.shape}"
    sums = probs.sum(axis=1)
    assert np.allclose(sums, 1), (
        f"forward's probs: every row (one example) should sum to 1, found row sums from {sums.min():.4g} to"
        f" {sums.max():.4g}. Softmax divides each row by its own sum: E.sum(axis=1, keepdims=True)"
    )
    assert probs.dtype == np.float64, f"forward's probs are {probs.dtype} for float64 params and X: " + FLOAT64_HINT
    grads = backward(params, out[1], y)
    assert isinstance(grads, dict), f"backward should return a dict W1, b1, W2, b2, found {type(grads).__name__}"
    errors, wrong = {}, {}
    for key in params:
        if key not in grads:
            errors[key], wrong[key] = float("nan"), f"missing: backward's grads have keys {sorted(grads)}"
            continue
        num = numerical_gradient(lambda: cross_entropy(forward(params, X)[0], y), params[key])
        errors[key], cause = _diagnose(key, grads[key], num, m, tolerance)
        if cause is not None:
            wrong[key] = cause if np.isnan(errors[key]) else f"relative error {errors[key]:.2g}: {cause}"
    if wrong:
        lines = [f"{key}: {text}" for key, text in wrong.items()]
        if any(wrong.get(k, "").endswith("values are wrong") for k in ("W1", "b1")) and not {"W2", "b2"} & wrong.keys():
            lines.append(HIDDEN_HINT)
        right = ", ".join(f"{key} {errors[key]:.1e}" for key in params if key not in wrong)
        message = f"{len(wrong)} of {len(params)} gradients are wrong ({problem}):\n  " + "\n  ".join(lines)
        raise AssertionError(message + (f"\nright: {right}" if right else ""))
    return errors


def check_gradients(
    forward: Callable,
    backward: Callable,
    *,
    shapes: Sequence[tuple[int, int, int, int]] = ((5, 7, 6, 10), (3, 4, 9, 10)),
    seed: int = 0,
    tolerance: float = 1e-6,
) -> dict[str, float]:
    """Grade a two-layer network written by hand: is `backward` the gradient of `forward`'s loss?

    `forward(params, X) -> (probs, cache)`, `backward(params, cache, y) -> grads`: params and
    grads are dicts W1, b1, W2, b2 (W (n_in, n_out), b (n_out,)), X (m, n_in) has one example
    per row, probs (m, n_out) one probability per class, y (m,) the integer labels.

    A gradient check asks the same question twice. `backward` answers it with the chain rule:
    fast, and easy to get subtly wrong. `numerical_gradient` nudges each weight up and down and
    watches the loss (the mean cross-entropy of probs): slow, but hard to get wrong. Each
    problem in `shapes`, (m, n_in, n_hidden, n_out), gets random float64 weights and data, and
    the two answers are compared for every parameter with `rel_error`. Reading the numbers:
    a right backward gives about 1e-10 (they agree up to rounding); 1e-2 to 1 means the
    gradient is wrong (a missing 1/m with m = 5 gives 0.67, a gradient of all zeros 1).

    Returns {key: relative error, the worst over the problems} if all are below `tolerance`,
    else raises AssertionError naming each wrong parameter, its error and likely cause.
    """
    seed, tolerance = check_int(seed, "seed"), check_number(tolerance, "tolerance", positive=True)
    worst: dict[str, float] = {}
    for i, sizes in enumerate(shapes):
        errors = _check_problem(forward, backward, tuple(sizes), np.random.default_rng([seed, i]), tolerance)
        worst = {key: max(worst.get(key, 0.0), error) for key, error in errors.items()}
    return worst
