"""The grader: checks a network written by a learner against mnistnn's own, and names what is wrong.

A grader must never pass a wrong answer. So each check here tests values, not
only consistency: `check_forward` compares the learner's probabilities with
those of mnistnn's `forward` on the same small problems, and `check_gradients`
first checks forward, then compares every gradient of the learner's `backward`
with a numerical gradient. The test problems are built so that every true
gradient is clearly non-zero and every hidden unit is on for some examples and
off for others: a placeholder that returns zeros, a network without its ReLU
or a forgotten bias cannot match by luck.

A failed check raises `GradingError`, an AssertionError raised explicitly (so it
holds under `python -O`, and pytest and nbgrader count it as a failed test). Its
message names the function (forward or backward), the test problem's sizes,
the parameter, and the likely slip with its fix.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from . import network
from .checks import check_int, check_number, fail
from .gradcheck import numerical_gradient, rel_error

Shape = tuple[int, int, int, int]  # (m examples, n_in inputs, n_hidden units, n_out classes)
SHAPES: tuple[Shape, ...] = ((5, 7, 6, 10), (3, 4, 9, 10))
KEYS = ("W1", "b1", "W2", "b2")
LARGE_SCORE = 1000.0  # added to every score in the stability problem: e^1000 overflows float64


class GradingError(AssertionError):
    """A check of the learner's code failed; the message says which function, where and why."""


# ----------------------------------------------------------------------------------------------
# the test problems


def _problem(sizes: Shape, rng: np.random.Generator) -> tuple[dict, np.ndarray, np.ndarray]:
    """Random float64 params, X (m, n_in) and y (m,), built so that nothing can pass by luck:
    every hidden unit is on for some examples and off for others (for m >= 2), no score sits
    within 1e-3 of ReLU's kink (where a nudge could cross it), and every true gradient is clearly
    non-zero."""
    m, n_in, n_hidden, n_out = sizes
    for _ in range(1000):
        X = rng.standard_normal((m, n_in))
        params = {
            "W1": rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in),
            "b1": 0.5 * rng.standard_normal(n_hidden),
            "W2": rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden),
            "b2": 0.5 * rng.standard_normal(n_out),
        }
        y = rng.integers(0, n_out, size=m)
        Z1 = X @ params["W1"] + params["b1"]
        on, off = (Z1 > 0).any(axis=0), (Z1 < 0).any(axis=0)
        if not (on.all() and (off.all() or m == 1) and np.abs(Z1).min() > 1e-3):
            continue
        probs, cache = network.forward(params, X)
        grads = network.backward(params, cache, y)
        if all(np.abs(grads[key]).max() > 1e-3 for key in KEYS):
            return params, X, y
    fail(
        "shapes",
        "sizes from which a test problem can be built",
        repr(sizes),
        "Use smaller sizes, such as (5, 7, 6, 10).",
    )


def _describe(sizes: Shape) -> str:
    m, n_in, n_hidden, n_out = sizes
    return (
        f"test problem: m = {m} examples, layers {n_in}-{n_hidden}-{n_out}; X {(m, n_in)}, W1 {(n_in, n_hidden)}, "
        f"b1 {(n_hidden,)}, W2 {(n_hidden, n_out)}, b2 {(n_out,)}"
    )


SIZES_HINT = (
    "The test problems are small on purpose. If your code assumes 784 inputs, 10 classes or a batch of a "
    "certain size, take the sizes from X.shape and the parameters' shapes instead."
)


def _check_shapes(shapes: object) -> list[Shape]:
    """A non-empty list of (m, n_in, n_hidden, n_out) tuples of whole numbers."""
    if isinstance(shapes, tuple) and len(shapes) == 4 and all(isinstance(n, (int, np.integer)) for n in shapes):
        fail(
            "shapes", "a list of problem sizes, such as [(5, 7, 6, 10)]", f"one tuple {shapes!r}", f"Use [{shapes!r}]."
        )
    if not isinstance(shapes, (list, tuple)) or len(shapes) == 0:
        fail(
            "shapes",
            "a non-empty list of (m, n_in, n_hidden, n_out) tuples",
            repr(shapes),
            "Leave it out to use the defaults.",
        )
    checked = []
    for i, sizes in enumerate(shapes):
        if not isinstance(sizes, (list, tuple)) or len(sizes) != 4:
            fail(f"shapes[{i}]", "a tuple (m, n_in, n_hidden, n_out)", repr(sizes))
        lows = (1, 1, 1, 2)  # at least two classes: with one, softmax is always 1 and every gradient 0
        checked.append(tuple(check_int(n, f"shapes[{i}][{j}]", low=lows[j]) for j, n in enumerate(sizes)))
    return checked


# ----------------------------------------------------------------------------------------------
# calling the learner's functions


def _positional(fn: Callable) -> list[str] | None:
    """The names of fn's positional parameters, or None if Python cannot tell (or fn takes *args)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return None
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _check_contracts(forward: Callable, backward: Callable | None) -> None:
    """forward(params, X) and backward(params, cache, y): catch swapped functions or arguments early."""
    for name, fn in (("forward", forward), ("backward", backward)):
        if fn is not None and not callable(fn):
            contract = "forward(params, X) -> (probs, cache)" if name == "forward" else "backward(params, cache, y)"
            fail(name, f"a function {contract}", f"{type(fn).__name__}", error=TypeError)
    f_args = _positional(forward)
    b_args = _positional(backward) if backward is not None else None
    if f_args is not None and b_args is not None and len(f_args) == 3 and len(b_args) == 2:
        raise GradingError(
            "check_gradients(forward, backward): the two functions look swapped: the first takes 3 arguments "
            f"({', '.join(f_args)}) and the second 2 ({', '.join(b_args)}). Call check_gradients(forward, backward)."
        )
    if f_args is not None and len(f_args) >= 2 and f_args[0].lower() in ("x", "images") and "param" in f_args[1]:
        raise GradingError(
            f"forward takes ({f_args[0]}, {f_args[1]}): the contract is forward(params, X), params first. "
            f"Write def forward(params, X)."
        )
    if b_args is not None and len(b_args) >= 3 and b_args[0] == "cache":
        raise GradingError(
            f"backward takes ({', '.join(b_args[:3])}): the contract is backward(params, cache, y), params first."
        )


def _call(name: str, fn: Callable, sizes: Shape, *args):
    """fn(*args) on a test problem; an error inside it is reported with the problem's sizes."""
    try:
        with np.errstate(all="ignore"):  # overflow in an unstable softmax is reported by the value check
            return fn(*args)
    except NotImplementedError as e:
        raise NotImplementedError(
            f"{name} is not written yet (it raises NotImplementedError: {e}). Replace the raise in its cell with "
            f"your code, run that cell, then run this check again."
        ) from None
    except Exception as e:  # a learner's bug: say where it happened, keep the traceback below
        raise GradingError(f"{name} raised {type(e).__name__}: {e}\n  ({_describe(sizes)})\n  {SIZES_HINT}") from e


def _snapshot(params: dict) -> dict:
    return {key: np.array(value, copy=True) for key, value in params.items()}


def _changed(before: dict, params: dict) -> list[str]:
    return [key for key in before if key not in params or not np.array_equal(before[key], params[key])]


# ----------------------------------------------------------------------------------------------
# forward


def _softmax(Z: np.ndarray, axis: int = 1) -> np.ndarray:
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _forward_slips(params: dict, X: np.ndarray) -> dict[str, np.ndarray]:
    """What forward returns with each common slip, to name the one a learner made."""
    W1, b1, W2, b2 = (params[key] for key in KEYS)
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2 + b2
    with np.errstate(all="ignore"):
        return {
            "the ReLU is missing: Z1 goes on to the output layer as it is. Use A1 = np.maximum(Z1, 0)": _softmax(
                Z1 @ W2 + b2
            ),
            "b1 is not added: Z1 = X @ W1 + b1": _softmax(np.maximum(X @ W1, 0) @ W2 + b2),
            "b2 is not added: Z2 = A1 @ W2 + b2": _softmax(A1 @ W2),
            "softmax over the wrong axis: each column sums to 1, not each row. Use axis=1, keepdims=True": _softmax(
                Z2, axis=0
            ),
            "the scores are not normalised: divide np.exp(Z2 - row max) by its row sum, "
            "E.sum(axis=1, keepdims=True)": np.exp(Z2 - Z2.max(axis=1, keepdims=True)),
            "the scores are not normalised: softmax divides by each row's sum": np.exp(Z2),
            "softmax divides by the sum over the whole batch; divide each row by its own sum, "
            "E.sum(axis=1, keepdims=True)": np.exp(Z2) / np.exp(Z2).sum(),
            "softmax is missing: probs = softmax(Z2), not the scores Z2": Z2,
            "the hidden activation is sigmoid, not ReLU: A1 = np.maximum(Z1, 0)": _softmax(
                1 / (1 + np.exp(-Z1)) @ W2 + b2
            ),
            "the hidden activation is tanh, not ReLU: A1 = np.maximum(Z1, 0)": _softmax(np.tanh(Z1) @ W2 + b2),
            "ReLU is applied to the output scores too: softmax takes Z2 itself": _softmax(np.maximum(Z2, 0)),
        }


FLOAT64_HINT = (
    "a gradient check needs float64 (in float32 rounding swamps the tiny nudges). "
    "Let forward keep the dtype it is given: no astype(np.float32)"
)


def _forward_problem(forward: Callable, params: dict, X: np.ndarray, sizes: Shape, stability: bool = False):
    """Run the learner's forward on one problem and compare with mnistnn's; return (probs, cache, difference)."""
    where = _describe(sizes) + (", 1000 added to every score" if stability else "")
    before = _snapshot(params)
    out = _call("forward", forward, sizes, params, X)
    if _changed(before, params):
        raise GradingError(f"forward changed params {_changed(before, params)} ({where}): forward only computes.")
    if isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[0], dict) and not isinstance(out[1], dict):
        raise GradingError("forward returns (cache, probs): the contract is `return probs, cache`, probs first.")
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        found = f"a {type(out).__name__}" + (f" of shape {np.shape(out)}" if isinstance(out, np.ndarray) else "")
        raise GradingError(
            f"forward should return probs, cache (two values); found {found}. End with: return probs, cache"
        )
    probs, cache = out
    m, _, _, n_out = sizes
    if not isinstance(probs, np.ndarray):
        raise GradingError(
            f"forward's probs: expected a NumPy array of shape {(m, n_out)}, found {type(probs).__name__}"
        )
    if probs.shape == (n_out, m) and m != n_out:
        raise GradingError(
            f"forward's probs have shape {probs.shape}, one column per example ({where}): the contract is one row "
            f"per example, shape {(m, n_out)}. Compute Z2 = A1 @ W2 + b2 (not W2.T @ A1.T)."
        )
    if probs.shape != (m, n_out):
        raise GradingError(f"forward's probs: expected shape {(m, n_out)}, found {probs.shape} ({where}). {SIZES_HINT}")
    if probs.dtype != np.float64:
        raise GradingError(f"forward's probs are {probs.dtype} for float64 params and X: " + FLOAT64_HINT)
    right, _ = network.forward(params, X)
    if not np.isfinite(probs).all():
        if stability:
            raise GradingError(
                f"forward's probs hold NaN or infinity when the scores are large ({where}): e^1000 overflows. "
                "A stable softmax subtracts each row's largest score first: np.exp(Z2 - Z2.max(axis=1, keepdims=True))"
            )
        raise GradingError(f"forward's probs hold NaN or infinite values ({where}).")
    difference = float(np.abs(probs - right).max())
    if difference > 1e-6:
        slips = [slip for slip, wrong in _forward_slips(params, X).items() if np.allclose(probs, wrong, atol=1e-9)]
        i, k = np.unravel_index(np.abs(probs - right).argmax(), probs.shape)
        cause = (
            slips[0]
            if slips
            else (
                "compare each line with Z1 = X @ W1 + b1, A1 = np.maximum(Z1, 0), Z2 = A1 @ W2 + b2, "
                "probs = softmax of each row of Z2"
            )
        )
        sums = probs.sum(axis=1)
        row_note = "" if np.allclose(sums, 1) else f" Its rows sum to {sums.min():.4g}..{sums.max():.4g}, not 1."
        raise GradingError(
            f"forward is wrong ({where}): its probs differ from the right ones by up to {difference:.3g} "
            f"(example {i}, class {k}: {probs[i, k]:.4g} instead of {right[i, k]:.4g}).{row_note}\n"
            f"  Likely slip: {cause}"
        )
    return probs, cache, difference


def check_forward(forward: Callable, *, shapes: Sequence[Shape] = SHAPES, seed: int = 0, verbose: bool = True) -> float:
    """Grade a two-layer network's `forward(params, X) -> (probs, cache)` against mnistnn's own.

    params is a dict W1 (n_in, n_hidden), b1 (n_hidden,), W2 (n_hidden, n_out), b2 (n_out,);
    X (m, n_in) holds one example per row; probs (m, n_out) one row of probabilities per
    example. Each problem in `shapes`, (m, n_in, n_hidden, n_out), gets random float64 values,
    and one more problem adds 1000 to every score, where an unstable softmax overflows.

    Returns the largest difference from mnistnn's probabilities (about 1e-16 for a right
    forward); raises GradingError naming the likely slip (ReLU missing, a bias not added,
    softmax over the wrong axis or not normalised, overflow) when they differ by more than 1e-6.
    """
    _check_contracts(forward, None)
    shapes, seed = _check_shapes(shapes), check_int(seed, "seed")
    worst = 0.0
    for i, sizes in enumerate(shapes):
        params, X, _ = _problem(sizes, np.random.default_rng([seed, i]))
        worst = max(worst, _forward_problem(forward, params, X, sizes)[2])
    # the stability problem: the first problem with 1000 added to every score. Softmax is the same (the
    # shift cancels in the fraction), but e^1000 overflows: only a stable softmax gets it right.
    params, X, _ = _problem(shapes[0], np.random.default_rng([seed, 0]))
    params = params | {"b2": params["b2"] + LARGE_SCORE}
    worst = max(worst, _forward_problem(forward, params, X, shapes[0], stability=True)[2])
    if verbose:
        print(f"forward is right on {len(shapes) + 1} test problems (largest difference from mnistnn's: {worst:.1e})")
    return worst


# ----------------------------------------------------------------------------------------------
# backward


def _backward_slips(key: str, params: dict, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The gradient of `key` that backward gives with each common slip (values of the right shape)."""
    m = len(y)
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.maximum(Z1, 0)
    probs = _softmax(A1 @ params["W2"] + params["b2"])
    dZ2 = probs.copy()
    dZ2[np.arange(m), y] -= 1
    dZ2 /= m
    no_y = probs / m
    slips = {}
    if key in ("W1", "b1"):
        unmasked = dZ2 @ params["W2"].T
        slips["the ReLU mask is missing on the way back: dZ1 = (dZ2 @ W2.T) * (Z1 > 0)"] = unmasked
        slips["the mask multiplies by Z1 itself, not by ReLU's slope: use (Z1 > 0)"] = unmasked * Z1
        slips["the mask multiplies by A1, not by ReLU's slope: use (Z1 > 0)"] = unmasked * A1
        slips["dZ2 lacks the - Y: dZ2 = (probs - Y) / m"] = (no_y @ params["W2"].T) * (Z1 > 0)
        dZs = {name: dZ for name, dZ in slips.items()}
        slips = {name: (X.T @ dZ if key == "W1" else dZ.sum(axis=0)) for name, dZ in dZs.items()}
    else:
        slips["dZ2 lacks the - Y: dZ2 = (probs - Y) / m"] = A1.T @ no_y if key == "W2" else no_y.sum(axis=0)
        if key == "W2":
            slips["dW2 uses Z1, before the ReLU: dW2 = A1.T @ dZ2"] = Z1.T @ dZ2
    return slips


def _diagnose(key: str, g: object, num: np.ndarray, slips: dict, m: int, tolerance: float) -> tuple[float, str | None]:
    """The relative error of grads[key] = g, and the likely cause when it is wrong (None when right)."""
    if not isinstance(g, (int, float, np.number, np.ndarray)):
        return float("nan"), f"it is {'None' if g is None else type(g).__name__}, not an array of shape {num.shape}"
    if np.ndim(g) == 0:
        cause = f"a single number ({float(g):.3g}), expected an array of shape {num.shape}, one slope per entry"
        if key.startswith("b"):
            cause += ". np.sum(dZ) with no axis adds over the units too, so every unit gets the same number"
            cause += " (for b2 always 0: each row of A2 - Y sums to 0). Sum over the examples only: dZ.sum(axis=0)"
        return rel_error(np.full(num.shape, float(g)), num), cause
    g = np.asarray(g)
    if g.shape != num.shape:
        cause = f"wrong shape: expected {num.shape} (the shape of params[{key!r}]), found {g.shape}"
        if g.shape == num.shape[::-1] and len(num.shape) == 2:
            cause += f"; its transpose would be right (relative error {rel_error(g.T, num):.1e}): dW = A_prev.T @ dZ"
        elif key.startswith("b") and g.size == num.size:
            cause += "; sum with axis=0 and no keepdims"
        elif key.startswith("b") and g.shape == (m,):
            cause += "; that is one number per example: sum over the examples, axis=0, not axis=1"
        return float("nan"), cause
    if not np.all(np.isfinite(g)):
        return float("nan"), "it holds NaN or infinite values"
    error = rel_error(g, num)
    if error <= tolerance:
        return error, None
    if not np.any(g):
        return (
            error,
            f"all zeros, but the true gradient is not zero here (its largest entry is {np.abs(num).max():.3g})",
        )
    for factor, cause in (
        (m, f"it is m = {m} times the numerical gradient: the 1/m of the mean loss is missing"),
        (1 / m, f"it is 1/m = 1/{m} of the numerical gradient: it is divided by m twice"),
        (-1, "it is minus the numerical gradient: dZ2 = A2 - Y, not Y - A2"),
    ):
        if rel_error(g, factor * num) <= tolerance:
            return error, cause
    for cause, wrong in slips.items():
        if rel_error(g, wrong) <= tolerance:
            return error, cause
    return error, "the values are wrong"


HIDDEN_HINT = (
    "W2 and b2 are right, so look at the way back through the hidden layer:\n  dA1 = dZ2 @ W2.T, then "
    "dZ1 = dA1 * (Z1 > 0), ReLU's slope; dW1 = X.T @ dZ1, db1 = dZ1.sum(axis=0)"
)


def _backward_problem(forward, backward, params, X, y, sizes, tolerance) -> dict[str, float]:
    """Check backward on one problem whose forward is known to be right; return {key: relative error}."""
    where = _describe(sizes)
    _, cache, _ = _forward_problem(forward, params, X, sizes)
    before = _snapshot(params)
    grads = _call("backward", backward, sizes, params, cache, y)
    changed = _changed(before, params)
    if changed:
        raise GradingError(
            f"backward changed params {changed} ({where}): it should only compute the gradients and return them. "
            "Taking the step (params[key] -= lr * grad) is update's job."
        )
    if not isinstance(grads, dict):
        raise GradingError(f"backward should return a dict of gradients W1, b1, W2, b2; found {type(grads).__name__}")
    errors: dict[str, float] = {}
    wrong: dict[str, str] = {}
    for key in params:
        if key not in grads:
            errors[key], wrong[key] = float("nan"), f"missing: backward's grads have keys {sorted(map(str, grads))}"
            continue
        num = numerical_gradient(lambda: network.cross_entropy(forward(params, X)[0], y), params[key])
        slips = _backward_slips(key, params, X, y)
        errors[key], cause = _diagnose(key, grads[key], num, slips, len(y), tolerance)
        if cause is not None:
            wrong[key] = cause if np.isnan(errors[key]) else f"relative error {errors[key]:.2g}: {cause}"
    extra = sorted(map(str, set(grads) - set(params)))
    if wrong or extra:
        lines = [f"{key}: {text}" for key, text in wrong.items()]
        if extra:
            lines.append(f"unexpected keys {extra}: grads has exactly the keys of params")
        if any(wrong.get(k, "").endswith("values are wrong") for k in ("W1", "b1")) and not {"W2", "b2"} & wrong.keys():
            lines.append(HIDDEN_HINT)
        right = ", ".join(f"{key} {errors[key]:.1e}" for key in params if key not in wrong)
        count = f"{len(wrong)} of {len(params)} gradients are wrong" if wrong else "the gradients have extra keys"
        message = f"backward: {count} ({where}):\n  " + "\n  ".join(lines)
        raise GradingError(message + (f"\nright: {right}" if right else ""))
    return errors


def check_gradients(
    forward: Callable,
    backward: Callable,
    *,
    shapes: Sequence[Shape] = SHAPES,
    seed: int = 0,
    tolerance: float = 1e-6,
    verbose: bool = True,
) -> dict[str, float]:
    """Grade a two-layer network written by hand: `forward` against mnistnn's, then `backward`
    against numerical gradients.

    `forward(params, X) -> (probs, cache)`, `backward(params, cache, y) -> grads`: params and
    grads are dicts W1, b1, W2, b2 (W (n_in, n_out), b (n_out,)), X (m, n_in) has one example
    per row, probs (m, n_out) one probability per class, y (m,) the integer labels.

    Forward is checked first (`check_forward`): a backward can only be the gradient of the
    right loss if forward computes the right loss. Then a gradient check asks the same question
    twice. `backward` answers it with the chain rule: fast, and easy to get subtly wrong.
    `numerical_gradient` nudges each weight up and down and watches the loss (the mean
    cross-entropy of probs): slow, but hard to get wrong. Each problem in `shapes`,
    (m, n_in, n_hidden, n_out), gets random float64 weights and data, and the two answers are
    compared for every parameter with `rel_error`. Reading the numbers: a right backward gives
    about 1e-10 (they agree up to rounding); 1e-2 to 1 means the gradient is wrong (a missing
    1/m with m = 5 gives 0.67, a gradient of all zeros 1).

    Returns {key: relative error, the worst over the problems} if all are below `tolerance`,
    else raises GradingError naming forward or backward, the test problem's sizes, each wrong
    parameter with its error and likely cause.
    """
    _check_contracts(forward, backward)
    shapes, seed = _check_shapes(shapes), check_int(seed, "seed")
    tolerance = check_number(tolerance, "tolerance", positive=True)
    check_forward(forward, shapes=shapes, seed=seed, verbose=False)
    worst: dict[str, float] = {}
    for i, sizes in enumerate(shapes):
        params, X, y = _problem(sizes, np.random.default_rng([seed, i]))
        errors = _backward_problem(forward, backward, params, X, y, sizes, tolerance)
        worst = {key: max(worst.get(key, 0.0), error) for key, error in errors.items()}
    if verbose:
        summary = ", ".join(f"{key} {error:.1e}" for key, error in worst.items())
        print(f"forward and backward are right on {len(shapes)} test problems (worst relative errors: {summary})")
    return worst
