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

import contextlib
import functools
import importlib
import inspect
import io
import signal
import sys
import threading
import types
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

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


if __name__ != "mnistnn.grading" and isinstance(
    getattr(sys.modules.get("mnistnn.grading"), "GradingError", None), type
):
    GradingError = sys.modules["mnistnn.grading"].GradingError  # noqa: F811 (fresh()'s copies raise the package's)


class _TimeUp(GradingError):
    """A learner's function did not return within the check's time limit."""


# ----------------------------------------------------------------------------------------------
# grading an assignment: a fresh copy of the checks, the course's own code refused, quiet, limited in time

ASSIGNMENT = False  # True in the copies that fresh() makes for the assignments' check cells

# What each graded function may not call, or be: the course's own implementation of it (module, function).
# A learner may read mnistnn; a check cell grades the learner's code, not the package's.
_LOADERS = (("models", "load_params"), ("models", "load_model"), ("models", "_read_npz"), ("numpy", "load"))
_FORWARD = (("network", "forward"), ("network", "_forward"), ("network", "softmax"))
_BACKWARD = (("network", "backward"), ("network", "_backward"))
COURSE_CODE: dict[str, tuple[tuple[str, str], ...]] = {
    "forward": _FORWARD,
    "backward": _BACKWARD + _FORWARD[:2],
    "update": (("network", "update"), ("optim", "sgd")),
    "softmax": (("network", "softmax"),),
    "cross_entropy": (("network", "cross_entropy"), ("network", "_cross_entropy")),
    "loss_and_gradients": _FORWARD + _BACKWARD + (("network", "cross_entropy"), ("network", "_cross_entropy")),
    "numerical_gradient": (("gradcheck", "numerical_gradient"),),
    "momentum_step": (("optim", "momentum"),),
    "adam_step": (("optim", "adam"), ("optim", "adam_update")),
    "dropout_mask": (("network", "dropout_mask"),),
    "train_network": (("training", "train"),) + _LOADERS,
    "train_softmax_regression": (("training", "train"),) + _LOADERS,
    "train_with_early_stopping": (("training", "train"),) + _LOADERS,
    "standardise_backward": (),
}

# Time limits, in seconds, for one whole check (every call of the learner's code in it). Each is at least
# 20 s and more than 15 times the check's time for the solution on a 2-core machine (at most 3.7 s, early
# stopping's): a loaded grading machine was measured 15 times slower than a quiet one.
TIME_LIMITS: dict[str, float] = {
    "check_softmax": 20,
    "check_cross_entropy": 20,
    "check_softmax_regression": 20,
    "check_numerical_gradient": 20,
    "check_gradient_check": 20,
    "check_training": 60,
    "check_forward": 20,
    "check_gradients": 20,
    "check_backward": 20,
    "check_update": 20,
    "check_train_network": 60,
    "check_search": 60,
    "check_standardise": 20,
    "check_momentum": 20,
    "check_adam": 20,
    "check_dropout_mask": 20,
    "check_dropout": 20,
    "check_early_stopping": 120,
    "check_final": 60,
}


def fresh() -> types.ModuleType:
    """A new copy of these checks for an assignment's check cell, loaded from the package's files.

    A notebook can redefine `check_forward`, or patch `mnistnn.grading` or `mnistnn.network`; the
    copy is made from the files, with its own copies of the modules it uses, so neither reaches it.
    In the copy the course's own implementation of a graded function (the function itself, or code
    that calls it) gets no points, and each check keeps what the learner's code writes to stderr
    and every warning out of the cell (nbgrader scores a check cell that writes to stderr 0) and
    stops it after its time limit (TIME_LIMITS).
    """
    name = f"_mnistnn_graded_{uuid.uuid4().hex}"
    package = types.ModuleType(name)
    package.__path__ = [str(Path(__file__).resolve().parent)]
    package.__package__ = name
    sys.modules[name] = package
    copy = importlib.import_module(f"{name}.grading")
    copy.ASSIGNMENT = True
    copy._HUNG = _HUNG  # a function that hung in one check cell is not run again in the next
    return copy


def _course_functions(name: str) -> dict:
    """{code object: "mnistnn.module.function"} of the course's own implementation of `name`, as a notebook
    imports it (from sys.modules, not from this module's copies)."""
    found = {}
    for module, function in COURSE_CODE.get(name, ()):
        loaded = sys.modules.get(module if module == "numpy" else f"mnistnn.{module}")
        fn = inspect.unwrap(getattr(loaded, function, None) or (lambda: None))
        code = getattr(fn, "__code__", None)
        if code is not None and loaded is not None:
            found[code] = f"{loaded.__name__}.{function}"
    return found


def _not_the_course_s(name: str, fn: object) -> None:
    """When grading, `fn` may not be the course's own implementation of `name`."""
    if not ASSIGNMENT:
        return
    code = getattr(inspect.unwrap(fn), "__code__", None) if callable(fn) else None
    module = getattr(fn, "__module__", None) or ""
    course = _course_functions(name)
    if code in course or module == "mnistnn" or module.startswith("mnistnn."):
        what = course.get(code) or f"{module}.{getattr(fn, '__qualname__', type(fn).__name__)}"
        raise GradingError(
            f"{name} is {what}, the course's own implementation, not yours: this part gets no points. "
            f"Write {name} in its cell (and do not import it from mnistnn afterwards)."
        )


@contextlib.contextmanager
def _tripwires(name: str) -> Iterator[None]:
    """When grading, a call of the course's own implementation of `name` inside the block fails the check."""
    course = _course_functions(name) if ASSIGNMENT else {}
    if not course:
        yield
        return
    hits: list[str] = []

    def watch(frame, event, arg):
        if event == "call" and frame.f_code in course:
            hits.append(course[frame.f_code])

    before = sys.getprofile()
    sys.setprofile(watch)
    try:
        yield
    finally:
        sys.setprofile(before)
        if hits and hits[0].rsplit(".", 1)[-1] in {function for _, function in _LOADERS}:
            raise GradingError(
                f"{name} loads a saved model (it calls {hits[0]}): this part is about training, so it gets no "
                "points. Train the params you are given."
            )
        if hits:
            raise GradingError(
                f"{name} calls {hits[0]}, the course's own implementation: this part gets no points. "
                f"Write {name} with your own code."
            )


_active = threading.local()
_HUNG: set = set()  # the learner's functions that ran out of time (their code objects), shared by fresh() copies


@contextlib.contextmanager
def _time_limit(check: str, seconds: float) -> Iterator[None]:
    """Stop the check after `seconds` (in the main thread, where a kernel runs a cell; elsewhere no limit)."""
    if getattr(_active, "limit", False) or threading.current_thread() is not threading.main_thread():
        yield
        return
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def stop(signum, frame):
        raise _TimeUp(
            f"{check} stopped after {seconds:g} s: the code it grades did not return in time (the solution needs "
            f"well under a second per check, {seconds:g} s leaves a wide margin). Look for a loop that never ends, "
            "or work that grows with the data much faster than it should."
        )

    before = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _active.limit = True
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
        _active.limit = False


@contextlib.contextmanager
def _quiet() -> Iterator[tuple[io.StringIO, list]]:
    """Keep stderr and warnings of the learner's code out of the cell: nbgrader scores any stderr 0."""
    err = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        yield err, caught


def _graded(check: Callable) -> Callable:
    """A check's entry point: in an assignment's copy, quiet, limited in time, and returning nothing."""

    @functools.wraps(check)
    def run(*args, **kwargs):
        if not ASSIGNMENT or getattr(_active, "limit", False):
            return check(*args, **kwargs)
        seconds = TIME_LIMITS.get(check.__name__, 60)
        with _quiet() as (err, caught), _time_limit(check.__name__, seconds):
            result = check(*args, **kwargs)
        if err.getvalue() or caught:
            kinds = sorted({w.category.__name__ for w in caught})
            note = ", ".join(filter(None, [f"{len(err.getvalue())} characters on stderr" if err.getvalue() else "",
                                           f"warnings ({', '.join(kinds)})" if kinds else ""]))  # fmt: skip
            print(f"(while checking, your code wrote {note}: kept out of this cell, they cost nothing)")
        del result  # a check cell ends without a value: nbgrader would read one as the cell's score

    return run


@contextlib.contextmanager
def _given(fn: Callable, names: dict[str, Callable]) -> Iterator[None]:
    """Run `fn` with these names of its globals bound to the reference (the functions it calls by name,
    written in earlier parts), so that a slip in an earlier part is not charged again here."""
    space = getattr(fn, "__globals__", None)
    used = set(getattr(getattr(fn, "__code__", None), "co_names", ()))
    swapped = {name: space[name] for name in names if space is not None and name in space and name in used}
    for name in swapped:
        space[name] = names[name]
    try:
        yield
    finally:
        for name, value in swapped.items():
            space[name] = value


def _notebook(name: str) -> object:
    """A name defined in the notebook (IPython runs cells in __main__), or None."""
    return getattr(sys.modules.get("__main__"), name, None)


def _failing(parts: Sequence[tuple[str, Callable[[], object]]]) -> list[str]:
    """The earlier parts whose own checks fail now (each run silently), to name a cascade."""
    failing = []
    for label, run in parts:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                run()
        except _TimeUp:
            failing.append(f"{label} (it did not return in time)")
        except Exception:  # noqa: BLE001 (any failure of an earlier part is named, whatever it is)
            failing.append(label)
    return failing


def _cascade(failing: list[str]) -> str:
    if not failing:
        return ""
    return (
        f"\n  This part uses your earlier code, and {' and '.join(failing)} fail{'s' if len(failing) == 1 else ''} "
        "its own check: fix that first, it may be why this part fails."
    )


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
        # at least two examples (with one, every hidden unit is on for all of them and ReLU is never tested)
        # and two classes (with one, softmax is always 1 and every gradient 0)
        lows = (2, 1, 1, 2)
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


def _check_contracts(
    forward: Callable, backward: Callable | None = None, mine: Sequence[str] = ("forward", "backward")
) -> None:
    """forward(params, X) and backward(params, cache, y): catch swapped functions or arguments early."""
    for name, fn in (("forward", forward), ("backward", backward)):
        if (name == "forward" or fn is not None) and not callable(fn):
            contract = "forward(params, X) -> (probs, cache)" if name == "forward" else "backward(params, cache, y)"
            fail(name, f"a function {contract}", f"{type(fn).__name__}", error=TypeError)
        if fn is not None and name in mine:
            _not_the_course_s(name, fn)
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


def _call(name: str, fn: Callable, sizes: Shape | str, *args, **kwargs):
    """fn(*args, **kwargs) on a test problem; an error inside it is reported with the problem's sizes.
    When grading an assignment, a call into the course's own implementation of `name` fails the check."""
    where = sizes if isinstance(sizes, str) else _describe(sizes)
    key = getattr(fn, "__code__", None) or id(fn)
    if key in _HUNG:
        raise _TimeUp(
            f"{name} did not return in time in an earlier check, so it is not run again. Once you have fixed it, "
            "run its cell again, then this check."
        )
    try:
        with np.errstate(all="ignore"), _tripwires(name):  # overflow in an unstable softmax: the value check says it
            return fn(*args, **kwargs)
    except _TimeUp:
        _HUNG.add(key)
        raise
    except NotImplementedError as e:
        raise NotImplementedError(
            f"{name} is not written yet (it raises NotImplementedError: {e}). Replace the raise in its cell with "
            f"your code, run that cell, then run this check again."
        ) from None
    except GradingError:
        raise
    except Exception as e:  # a learner's bug: say where it happened, keep the traceback below
        hint = f"\n  {SIZES_HINT}" if name in ("forward", "backward") else ""
        if isinstance(e, TypeError) and "positional argument" in str(e):
            hint = f"\n  Check the contract in {name}'s docstring: the arguments it takes and the ones it passes on."
        raise GradingError(f"{name} raised {type(e).__name__}: {e}\n  ({where}){hint}") from e


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
    before, X_before = _snapshot(params), X.copy()
    out = _call("forward", forward, sizes, params, X)
    if _changed(before, params):
        raise GradingError(f"forward changed params {_changed(before, params)} ({where}): forward only computes.")
    if not np.array_equal(X, X_before):
        raise GradingError(
            f"forward changed X in place ({where}): the caller's images would change too (X /= ..., X -= ... "
            "or out=X). Compute new arrays: Z1 = X @ W1 + b1."
        )
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


@_graded
def check_forward(forward: Callable, *, shapes: Sequence[Shape] = SHAPES, seed: int = 0, verbose: bool = True) -> None:
    """Grade a two-layer network's `forward(params, X) -> (probs, cache)` against mnistnn's own.

    params is a dict W1 (n_in, n_hidden), b1 (n_hidden,), W2 (n_hidden, n_out), b2 (n_out,);
    X (m, n_in) holds one example per row; probs (m, n_out) one row of probabilities per
    example. Each problem in `shapes`, (m, n_in, n_hidden, n_out), gets random float64 values,
    and one more problem adds 1000 to every score, where an unstable softmax overflows.

    Prints the largest difference from mnistnn's probabilities (about 1e-16 for a right
    forward); raises GradingError naming the likely slip (ReLU missing, a bias not added,
    softmax over the wrong axis or not normalised, overflow) when they differ by more than 1e-6.
    Like every check here it returns nothing, so that nbgrader gives a passing test cell its
    full points (a number as a cell's last value would be taken as its score).
    """
    worst = _forward_checks(forward, shapes, seed)
    if verbose:
        print(f"forward is right on {len(shapes) + 1} test problems (largest difference from mnistnn's: {worst:.1e})")


def _forward_checks(forward: Callable, shapes: Sequence[Shape], seed: int) -> float:
    """check_forward's work: the largest difference from mnistnn's probabilities over the problems."""
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
    return max(worst, _forward_problem(forward, params, X, shapes[0], stability=True)[2])


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


def _backward_problem(forward, backward, params, X, y, sizes, tolerance, cache=None) -> dict[str, float]:
    """Check backward on one problem, with forward's cache (forward known to be right) or the cache
    given; the numerical gradients are of mnistnn's loss. Return {key: relative error}."""
    where = _describe(sizes)
    if cache is None:
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
        num = numerical_gradient(lambda: network.cross_entropy(network.forward(params, X)[0], y), params[key])
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


@_graded
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
    if tolerance > 1e-3:  # a missing 1/m gives 0.67 and all zeros 1: a tolerance that large passes bugs
        fail("tolerance", "at most 1e-3 (a wrong gradient gives 1e-3 to 1)", f"{tolerance:g}")
    _forward_checks(forward, shapes, seed)
    worst: dict[str, float] = {}
    for i, sizes in enumerate(shapes):
        params, X, y = _problem(sizes, np.random.default_rng([seed, i]))
        errors = _backward_problem(forward, backward, params, X, y, sizes, tolerance)
        worst = {key: max(worst.get(key, 0.0), error) for key, error in errors.items()}
    if verbose:
        summary = ", ".join(f"{key} {error:.1e}" for key, error in worst.items())
        print(f"forward and backward are right on {len(shapes)} test problems (worst relative errors: {summary})")
    return worst


# ----------------------------------------------------------------------------------------------
# the other pieces the assignments ask for: each checked against values computed here


def _expect(name: str, got: object, want: np.ndarray, where: str, slips: dict | None = None, rtol=1e-6) -> float:
    """`got` must equal `want` (shape and values, within rtol); else name the slip that matches."""
    if not isinstance(got, (np.ndarray, float, int, np.number)):
        found = "None (a missing return?)" if got is None else type(got).__name__
        raise GradingError(f"{name}: expected an array of shape {np.shape(want)}, found {found} ({where}).")
    got = np.asarray(got, dtype=np.float64)
    if got.shape != np.shape(want):
        hint = "; its transpose would be right" if got.shape == np.shape(want)[::-1] and got.ndim == 2 else ""
        raise GradingError(f"{name}: expected shape {np.shape(want)}, found {got.shape}{hint} ({where}).")
    if not np.isfinite(got).all():
        raise GradingError(f"{name}: expected finite numbers, found NaN or infinity ({where}).")
    error = rel_error(got, want) if np.ndim(want) else abs(float(got) - float(want)) / max(abs(float(want)), 1e-300)
    if error <= rtol:
        return error
    cause = next((c for c, wrong in (slips or {}).items() if np.allclose(got, wrong, rtol=1e-6, atol=1e-12)), None)
    detail = f"relative error {error:.2g}" + (
        "" if np.ndim(want) else f": {float(got):.6g} instead of {float(want):.6g}"
    )
    raise GradingError(
        f"{name} is wrong ({where}): {detail}.\n  Likely slip: {cause or 'compare it line by line with the formula'}"
    )


def _function(fn: object, name: str, contract: str) -> None:
    if not callable(fn):
        fail(name, f"a function {contract}", "None" if fn is None else type(fn).__name__, error=TypeError)
    _not_the_course_s(name, fn)


def _one_number(name: str, got: object, where: str) -> np.ndarray:
    """A loss: one number (a float, or an array of one entry)."""
    if got is None:
        raise GradingError(f"{name}: expected one number, the mean loss, found None (a missing return?) ({where}).")
    if isinstance(got, str) or np.size(got) != 1:
        found = f"a {type(got).__name__}" + (f" of shape {np.shape(got)}" if not isinstance(got, str) else "")
        fix = "Take the mean over the examples: one number for the batch." if np.size(got) > 1 else ""
        raise GradingError(f"{name}: expected one number, the mean loss, found {found} ({where}). {fix}")
    return np.asarray(got, dtype=np.float64).reshape(())


def _unchanged(name: str, before: dict, after: dict) -> None:
    """The learner's function must leave its inputs as they were: a caller may use them again."""
    changed = [key for key in before if not np.array_equal(before[key], after[key])]
    if changed:
        raise GradingError(f"{name} changed its input {', '.join(changed)} in place; compute new arrays instead.")


@_graded
def check_softmax(softmax: Callable, *, seed: int = 0, verbose: bool = True) -> None:
    """Grade `softmax(Z) -> probs`: Z (m, k) scores, probs (m, k), each row e^z / sum e^z.

    Checked on random scores and on the same scores plus 1000 and minus 1000 (softmax does not
    change when a constant is added to a row, but e^1000 overflows and e^-1000 underflows to 0:
    only a stable softmax, which subtracts each row's largest score first, gets them right).
    Raises GradingError naming the slip.
    """
    _function(softmax, "softmax", "softmax(Z) -> probs")
    rng = np.random.default_rng(check_int(seed, "seed"))
    Z = 3 * rng.standard_normal((6, 4))
    want = _softmax(Z)
    slips = {
        "each column sums to 1, not each row: sum with axis=1, keepdims=True": _softmax(Z, axis=0),
        "not normalised: divide by each row's sum": np.exp(Z - Z.max(axis=1, keepdims=True)),
        "divided by the sum over the whole array: use each row's own sum, axis=1": np.exp(Z) / np.exp(Z).sum(),
    }
    worst = 0.0
    for shift, label in (
        (0, "scores of about ±5"),
        (1000, "the same scores + 1000"),
        (-1000, "the same scores - 1000"),
    ):
        where = f"Z of shape {Z.shape}, {label}"
        scores = Z + shift
        before = {"Z": scores.copy()}
        got = _call("softmax", softmax, where, scores)
        _unchanged("softmax", before, {"Z": scores})
        if shift and isinstance(got, np.ndarray) and not np.isfinite(got).all():
            raise GradingError(
                f"softmax gives NaN or infinity for {label}: e^1000 overflows (and e^-1000 is 0, so 0 / 0). "
                "Subtract each row's largest score first: np.exp(Z - Z.max(axis=1, keepdims=True))"
            )
        worst = max(worst, _expect("softmax", got, want, where, slips))
    if verbose:
        print(f"softmax is right, and stable for scores of ±1000 (largest relative error {worst:.1e})")


@_graded
def check_cross_entropy(cross_entropy: Callable, *, seed: int = 0, verbose: bool = True) -> None:
    """Grade `cross_entropy(probs, y) -> loss`: probs (m, k), y (m,) labels; the mean over the
    examples of -log(probability of the true class), one number."""
    _function(cross_entropy, "cross_entropy", "cross_entropy(probs, y) -> loss")
    rng = np.random.default_rng(check_int(seed, "seed"))
    probs, y = _softmax(rng.standard_normal((6, 4))), rng.integers(0, 4, size=6)
    p_true = probs[np.arange(6), y]
    want = -np.log(p_true).mean()
    slips = {
        "a sum, not a mean over the examples: divide by m": -np.log(p_true).sum(),
        "the minus sign is missing: the loss is -log(p), a positive number": np.log(p_true).mean(),
        "log10: use the natural logarithm, np.log": -np.log10(p_true).mean(),
        "averaged over every entry of the one-hot Y, m x k of them: divide by m only": -np.log(p_true).sum() / 24,
        "it adds -log of every class's probability: take only the true class's, probs[np.arange(m), y]": -np.log(
            probs
        ).sum()
        / 6,
    }
    where = "probs of shape (6, 4), labels 0-3"
    before = {"probs": probs.copy()}
    got = _call("cross_entropy", cross_entropy, where, probs, y)
    _unchanged("cross_entropy", before, {"probs": probs})
    error = _expect("cross_entropy", _one_number("cross_entropy", got, where), want, where, slips)
    if verbose:
        print(f"cross_entropy is right (relative error {error:.1e})")


@_graded
def check_softmax_regression(
    loss_and_gradients: Callable, *, seed: int = 0, tolerance: float = 1e-6, verbose: bool = True
) -> dict[str, float]:
    """Grade `loss_and_gradients(W, b, X, y) -> (loss, dW, db)` of softmax regression:
    probs = softmax(X W + b), loss = their mean cross-entropy, dW = X^T (probs - Y) / m, db its
    column sums. W (n, k), b (k,), X (m, n). Returns the relative error of each."""
    _function(loss_and_gradients, "loss_and_gradients", "loss_and_gradients(W, b, X, y) -> (loss, dW, db)")
    rng = np.random.default_rng(check_int(seed, "seed"))
    errors = {}
    for m, n, k in ((6, 5, 4), (3, 7, 10)):
        W, b, X = rng.standard_normal((n, k)) / np.sqrt(n), 0.5 * rng.standard_normal(k), rng.standard_normal((m, n))
        y = rng.integers(0, k, size=m)
        where = f"test problem: m = {m} examples, {n} inputs, {k} classes; X {X.shape}, W {W.shape}, b {b.shape}"
        P = _softmax(X @ W + b)
        dZ = P.copy()
        dZ[np.arange(m), y] -= 1
        want = {"loss": -np.log(P[np.arange(m), y]).mean(), "dW": X.T @ dZ / m, "db": dZ.sum(axis=0) / m}
        before = {"W": W.copy(), "b": b.copy(), "X": X.copy()}
        with _given(loss_and_gradients, _reference_softmax_regression()):  # parts 1 and 2 are graded on their own
            out = _call("loss_and_gradients", loss_and_gradients, where, W, b, X, y)
        _unchanged("loss_and_gradients", before, {"W": W, "b": b, "X": X})
        if not (isinstance(out, (tuple, list)) and len(out) == 3):
            raise GradingError(f"loss_and_gradients should return (loss, dW, db); found {type(out).__name__}.")
        loss, dW, db = out
        loss = _one_number("loss_and_gradients' loss (the first of loss, dW, db)", loss, where)
        errors["loss"] = max(errors.get("loss", 0.0), _expect("loss", loss, want["loss"], where))
        for key, got in (("dW", dW), ("db", db)):
            slips = {
                f"it is m = {m} times the right {key}: the 1/m of the mean loss is missing": m * want[key],
                f"it is minus the right {key}: (probs - Y), not (Y - probs)": -want[key],
            }
            if key == "dW":
                slips["probs - Y is missing its - Y: dZ = (probs - Y) / m"] = X.T @ P / m
            else:
                slips["probs - Y is missing its - Y: dZ = (probs - Y) / m"] = P.sum(axis=0) / m
            if key == "db" and np.ndim(got) == 0:
                raise GradingError(
                    f"db is a single number ({where}); expected shape {(k,)}, one per class. Sum over the examples "
                    "only: dZ.sum(axis=0)"
                )
            errors[key] = max(errors.get(key, 0.0), _expect(key, got, want[key], where, slips, rtol=tolerance))
    if verbose:
        print("loss_and_gradients is right: " + ", ".join(f"{k} {v:.1e}" for k, v in errors.items()))
    return errors


@_graded
def check_numerical_gradient(numerical_gradient: Callable, *, verbose: bool = True) -> None:
    """Grade `numerical_gradient(f, x, eps=1e-5) -> grad`: the centred difference
    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i of x, where f() reads x (nudged
    in place, then restored). Checked on functions whose gradients are known exactly."""
    _function(numerical_gradient, "numerical_gradient", "numerical_gradient(f, x, eps=1e-5) -> grad")
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, size=(3, 4))
    C = rng.standard_normal((3, 4))
    cases = [
        ("f = sum(x**3), gradient 3 x**2", lambda: float(np.sum(x**3)), lambda: 3 * x**2),
        ("f = sum(C * sin(x)), gradient C cos(x)", lambda: float(np.sum(C * np.sin(x))), lambda: C * np.cos(x)),
        ("f = x[0, 1] * x[2, 3], two entries", lambda: float(x[0, 1] * x[2, 3]), lambda: _cross(x)),
    ]
    worst = 0.0
    for label, f, gradient in cases:
        where = f"{label}, x of shape {x.shape}"
        before = x.copy()
        eps = 1e-5
        one_sided = np.zeros_like(x)
        for i in np.ndindex(x.shape):  # the slips, computed entry by entry on a copy of x (12 entries)
            x[i] += eps
            up = f()
            x[i] -= eps
            one_sided[i] = (up - f()) / eps
        together = (_shifted(f, x, eps) - _shifted(f, x, -eps)) / (2 * eps)
        slips = {
            "a one-sided difference: (f(x + eps) - f(x)) / eps is off by about eps times the curvature; "
            "use (f(x + eps) - f(x - eps)) / (2 eps)": one_sided,
            "divided by eps, not 2 eps": 2 * gradient(),
            "every entry nudged at once: nudge one entry at a time, x[i] += eps, and put it back": np.full(
                x.shape, together
            ),
        }
        got = _call("numerical_gradient", numerical_gradient, where, f, x)
        if not np.allclose(x, before, rtol=1e-12, atol=0):  # put back by x[i] = original or by += and -=
            raise GradingError(
                f"numerical_gradient left x changed ({where}): put every entry back after its nudge, x[i] = original."
            )
        worst = max(worst, _expect("numerical_gradient", got, gradient(), where, slips, rtol=1e-8))
    if verbose:
        print(f"numerical_gradient is right on {len(cases)} functions (largest relative error {worst:.1e})")


def _cross(x: np.ndarray) -> np.ndarray:
    grad = np.zeros_like(x)
    grad[0, 1], grad[2, 3] = x[2, 3], x[0, 1]
    return grad


def _shifted(f: Callable, x: np.ndarray, eps: float) -> float:
    x += eps
    value = f()
    x -= eps
    return value


@_graded
def check_update(update: Callable, *, verbose: bool = True) -> None:
    """Grade `update(params, grads, lr) -> params`: W <- W - lr dW for every parameter, in place."""
    _function(update, "update", "update(params, grads, lr) -> params")
    rng = np.random.default_rng(0)
    shapes = (("W1", (4, 3)), ("b1", (3,)), ("W2", (3, 2)), ("b2", (2,)))
    for lr in (0.1, 0.03):  # two learning rates, so that one written into the code cannot pass
        params = {key: rng.standard_normal(shape) for key, shape in shapes}
        grads = {key: rng.standard_normal(value.shape) for key, value in params.items()}
        before, arrays, g = _snapshot(params), dict(params), _snapshot(grads)
        where = f"params W1 (4, 3), b1 (3,), W2 (3, 2), b2 (2,), lr = {lr}"
        out = _call("update", update, where, params, grads, lr)
        for key in before:
            if params[key] is not arrays[key]:
                fix = "change it in place, params[key] -= lr * grads[key]"
                raise GradingError(f"update made a new array for {key}: {fix}")
            slips = {
                "a step up the gradient: W - lr * dW, not W + lr * dW": before[key] + lr * g[key],
                "the learning rate is missing: W - lr * dW": before[key] - g[key],
            }
            _expect(f"update of {key}", params[key], before[key] - lr * g[key], where, slips)
        if out is not params:
            raise GradingError("update should return params (the same dict), so that params = update(...) works too.")
    if verbose:
        print("update is right: every parameter moved by -lr x its gradient, in place, at two learning rates")


def _run_steps(name: str, step: Callable, lr: float, n_steps: int = 4, **settings) -> tuple[list[dict], list[dict]]:
    """Run the learner's optimiser step on a fixed sequence of gradients; return the params after each
    step and the gradients used."""
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    sequence = [{key: rng.standard_normal(v.shape) * scale for key, v in params.items()} for scale in (1, 0.1, 2, 0.5)]
    state: dict = {}
    after = []
    for t, grads in enumerate(sequence[:n_steps], start=1):
        given = _snapshot(grads)  # a copy: the reference must not see what the learner's step does to it
        _call(name, step, f"step {t} of a fixed sequence of gradients, lr = {lr}", params, given, state, lr, **settings)
        after.append(_snapshot(params))
    return after, sequence


def _reference_steps(sequence: list[dict], start: dict, lr: float, rule: Callable) -> list[dict]:
    params, memory, out = _snapshot(start), {}, []
    for t, grads in enumerate(sequence, start=1):
        for key in params:
            params[key] = params[key] - lr * rule(memory, key, grads[key], t)
        out.append(_snapshot(params))
    return out


def _momentum_rule(beta: float, averaging: bool = False, remember: bool = True) -> Callable:
    def rule(memory, key, g, t):
        v = beta * memory.get(key, 0.0) + ((1 - beta) * g if averaging else g)
        if remember:
            memory[key] = v
        return v

    return rule


def _adam_rule(beta1, beta2, eps, correct_m=True, correct_v=True, eps_inside=False) -> Callable:
    def rule(memory, key, g, t):
        m = memory[("m", key)] = beta1 * memory.get(("m", key), 0.0) + (1 - beta1) * g
        v = memory[("v", key)] = beta2 * memory.get(("v", key), 0.0) + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t) if correct_m else m
        v_hat = v / (1 - beta2**t) if correct_v else v
        return m_hat / (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)

    return rule


def _check_steps(name: str, step: Callable, lr: float, right: Callable, slips: dict, settings: dict) -> None:
    """The learner's step against the formula over the fixed sequence, twice, each time with a new, empty
    state: a step that keeps its memory anywhere but in `state` goes wrong the second time."""
    rng_start = np.random.default_rng(0)
    start = {"W": rng_start.standard_normal((3, 2)), "b": rng_start.standard_normal(2)}
    for run in (1, 2):
        after, sequence = _run_steps(name, step, lr, **settings)
        want = _reference_steps(sequence, start, lr, right)
        wrong = {cause: _reference_steps(sequence, start, lr, rule) for cause, rule in slips.items()}
        for t in range(len(sequence)):
            where = f"after step {t + 1} of a fixed sequence of gradients, lr = {lr}"
            if run == 2:
                where += ", run again from a new, empty state: keep everything a step needs in `state`"
            for key in start:
                at_t = {cause: steps[t][key] for cause, steps in wrong.items()}
                _expect(f"{name}: params[{key!r}]", after[t][key], want[t][key], where, at_t, rtol=1e-9)


@_graded
def check_momentum(momentum_step: Callable, *, beta: float = 0.9, verbose: bool = True) -> None:
    """Grade `momentum_step(params, grads, state, lr, beta=0.9)`: v <- beta v + dW, W <- W - lr v, for
    every parameter, with v kept in the dict `state` between steps (it starts empty). Checked
    on a fixed sequence of four gradients against the formula."""
    _function(momentum_step, "momentum_step", "momentum_step(params, grads, state, lr, beta=0.9)")
    beta = check_number(beta, "beta", low=0, high=1)
    for lr, b in ((0.1, beta), (0.03, 0.5)):  # two settings, so that values written into the code cannot pass
        slips = {
            "the averaging form v <- beta v + (1 - beta) dW: this assignment uses the summing form v <- beta v + dW": (
                _momentum_rule(b, averaging=True)
            ),
            "v is not remembered between steps: keep it in state (state['v'] = ...)": _momentum_rule(b, remember=False),
        }
        _check_steps("momentum_step", momentum_step, lr, _momentum_rule(b), slips, {"beta": b})
    if verbose:
        print("momentum_step is right over 4 steps, at two learning rates and two values of beta")


@_graded
def check_adam(adam_step: Callable, *, verbose: bool = True) -> None:
    """Grade `adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8)`: Adam with its
    bias correction at step t = 1, 2, ..., m, v and t kept in `state` between steps. Checked on a
    fixed sequence of four gradients against the formulas (Kingma and Ba, 2015, algorithm 1)."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    slips = {
        "no bias correction: m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t), with t = 1 at the first step": (
            _adam_rule(b1, b2, eps, correct_m=False, correct_v=False)
        ),
        "m is not corrected: m_hat = m / (1 - beta1**t)": _adam_rule(b1, b2, eps, correct_m=False),
        "v is not corrected: v_hat = v / (1 - beta2**t)": _adam_rule(b1, b2, eps, correct_v=False),
        "eps inside the square root: sqrt(v_hat) + eps": _adam_rule(b1, b2, eps, eps_inside=True),
    }
    _function(adam_step, "adam_step", "adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8)")
    for lr in (0.01, 0.003):  # two learning rates, so that one written into the code cannot pass
        _check_steps("adam_step", adam_step, lr, _adam_rule(b1, b2, eps), slips, {})
    if verbose:
        print("adam_step is right over 4 steps at two learning rates, bias correction included")


@_graded
def check_dropout(dropout_forward: Callable, dropout_backward: Callable, *, verbose: bool = True) -> None:
    """Grade inverted dropout with a fixed mask: `dropout_forward(A, keep, p) -> A * keep / (1 - p)`
    and `dropout_backward(dA_out, keep, p) -> dA`, its gradient, checked against the formula and
    against a numerical gradient of forward, at two dropout rates. keep is a boolean array shaped like A."""
    _function(dropout_forward, "dropout_forward", "dropout_forward(A, keep, p) -> out")
    _function(dropout_backward, "dropout_backward", "dropout_backward(dout, keep, p) -> dA")
    rng = np.random.default_rng(0)
    worst = 0.0
    for p in (0.3, 0.6):  # two rates, so that one written into the code cannot pass
        A, G = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
        keep = rng.random((5, 6)) >= p
        where = f"A of shape (5, 6), a fixed mask keep, p = {p}"
        before = {"A": A.copy()}
        out = _call("dropout_forward", dropout_forward, where, A, keep, p)
        _unchanged("dropout_forward", before, {"A": A})
        slips = {
            "the survivors are not scaled: inverted dropout divides them by 1 - p, so E[out] = A": A * keep,
            "scaled by 1 / p: divide by 1 - p, the probability of keeping a unit": A * keep / p,
            "multiplied by 1 - p: divide by it instead": A * keep * (1 - p),
            "the mask is inverted: keep the units where keep is True": A * ~keep / (1 - p),
        }
        _expect("dropout_forward", out, A * keep / (1 - p), where, slips)
        before = {"dout": G.copy()}
        dA = _call("dropout_backward", dropout_backward, where, G, keep, p)
        _unchanged("dropout_backward", before, {"dout": G})
        slips = {
            "the mask is not applied on the way back: units dropped in forward get no gradient, "
            "dA = dout * keep / (1 - p)": G / (1 - p),
            "the gradient is not scaled: forward divided by 1 - p, so backward does too": G * keep,
            "the mask is inverted": G * ~keep / (1 - p),
        }
        _expect("dropout_backward", dA, G * keep / (1 - p), where, slips)
        X = A.copy()

        def loss(X=X, keep=keep, p=p, G=G):  # a loss whose gradient with respect to X is dropout_backward(G)
            return float(np.sum(np.asarray(dropout_forward(X, keep, p)) * G))

        numerical = numerical_gradient(loss, X)
        error = rel_error(np.asarray(dA, dtype=np.float64), numerical)
        if error > 1e-7:
            raise GradingError(f"dropout_backward disagrees with a numerical gradient of dropout_forward: {error:.2g}")
        worst = max(worst, error)
    if verbose:
        print(
            f"dropout_forward and dropout_backward are right at two rates (against a numerical gradient: {worst:.1e})"
        )


@_graded
def check_dropout_mask(dropout_mask: Callable, *, verbose: bool = True) -> None:
    """Grade `dropout_mask(shape, p, rng) -> keep`: a boolean array of that shape, each entry True
    (keep the unit) with probability 1 - p, drawn from rng: the same seed gives the same mask, and
    each call a new one."""
    _function(dropout_mask, "dropout_mask", "dropout_mask(shape, p, rng) -> keep")
    kept = {}
    for p in (0.2, 0.5):  # two rates, so that one written into the code cannot pass
        where = f"shape (1000, 500), p = {p}"
        keep = _call("dropout_mask", dropout_mask, where, (1000, 500), p, np.random.default_rng(0))
        if not isinstance(keep, np.ndarray) or keep.shape != (1000, 500):
            found = "None (a missing return?)" if keep is None else f"shape {np.shape(keep)}"
            raise GradingError(f"dropout_mask: expected an array of shape (1000, 500), found {found} ({where}).")
        if keep.dtype != bool:
            raise GradingError(f"dropout_mask: expected a boolean array (True: keep), found dtype {keep.dtype}.")
        kept[p] = float(keep.mean())
        spread = 4 * np.sqrt(p * (1 - p) / keep.size)  # 4 standard errors: a right mask fails 1 time in 15,000
        if abs(kept[p] - (1 - p)) > spread:
            hint = " True should mean keep: rng.random(shape) >= p" if abs(kept[p] - p) <= spread else ""
            expected = f"{1 - p:.0%} ± {spread:.2%}"
            raise GradingError(f"dropout_mask keeps {kept[p]:.2%} of the units for p = {p}, expected {expected}.{hint}")
        again = _call("dropout_mask", dropout_mask, where, (1000, 500), p, np.random.default_rng(0))
        if not np.array_equal(again, keep):
            raise GradingError(
                "dropout_mask gave two different masks from two generators with the same seed: draw the mask "
                "from the rng it is given (rng.random(shape)), not from np.random or a new generator."
            )
        rng = np.random.default_rng(1)
        first = _call("dropout_mask", dropout_mask, where, (1000, 500), p, rng)
        if np.array_equal(_call("dropout_mask", dropout_mask, where, (1000, 500), p, rng), first):
            raise GradingError("dropout_mask gave the same mask twice from one generator: draw it anew at every call.")
    if verbose:
        rates = ", ".join(f"{kept[p]:.2%} for p = {p}" for p in kept)
        print(f"dropout_mask is right: it keeps {rates}, from the generator it is given")


# ----------------------------------------------------------------------------------------------
# the assignments' later parts: each graded on its own where it can be, with a cascade named where not

_DATA: dict = {}


def _validation() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST's training images without the last 5,000, and those 5,000 for validation, read from disk here:
    a notebook's X_val cannot stand in for them."""
    if not _DATA:
        from . import data

        X_train, y_train, _, _ = data.load_mnist()
        _DATA["split"] = data.validation_split(X_train, y_train)
    return _DATA["split"]


def _accuracy(params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """The share of X that mnistnn's forward with params classifies right, in float64."""
    return float(np.mean(network.forward(params, X)[0].argmax(axis=1) == y))


def _same_accuracy(found: object, measured: float, n: int) -> bool:
    """An accuracy from the learner's code against the one measured here: equal to within half an image,
    whatever it was computed in (float32, a mean of chunks, a count divided by n)."""
    try:
        return abs(float(found) - measured) <= 0.5 / n
    except (TypeError, ValueError):
        return False


def _history(name: str, history: object, epochs: int, keys: Sequence[str]) -> list[dict]:
    if not isinstance(history, (list, tuple)) or not all(isinstance(row, dict) for row in history):
        found = "None (a missing return?)" if history is None else type(history).__name__
        raise GradingError(f"{name}: history should be a list with one dict per epoch, found {found}.")
    epochs_found = [row.get("epoch") for row in history]
    if epochs_found != list(range(1, epochs + 1)):
        raise GradingError(
            f"{name}: history should hold one dict per epoch, epoch 1, 2, ..., {epochs}; found epochs {epochs_found}."
        )
    for key in keys:
        if any(key not in row for row in history):
            raise GradingError(f"{name}: every dict in history needs the key {key!r}.")
    return list(history)


def _committed_model(params: object) -> str | None:
    """The name of the course's trained model file that params are a copy of, or None."""
    if not isinstance(params, dict) or not isinstance(params.get("W1"), np.ndarray):
        return None
    for path in sorted((Path(__file__).resolve().parent.parent / "results" / "models").glob("*.npz")):
        try:
            with np.load(path, allow_pickle=False) as saved:
                if "W1" in saved.files and saved["W1"].shape == params["W1"].shape:
                    if np.allclose(saved["W1"], params["W1"], atol=1e-6):
                        return f"results/models/{path.name}"
        except (OSError, ValueError):
            continue
    return None


def _reference_network() -> dict[str, Callable]:
    return {"forward": network.forward, "backward": network.backward, "update": network.update}


def _earlier(earlier: dict | None, names: Sequence[str]) -> dict:
    return earlier if earlier is not None else {name: _notebook(name) for name in names}


def _a2_parts(earlier: dict) -> list[tuple[str, Callable[[], object]]]:
    parts = [
        ("forward (part 1)", lambda: check_forward(earlier.get("forward"), verbose=False)),
        ("backward (part 2)", lambda: check_backward(earlier.get("forward"), earlier.get("backward"), verbose=False)),
        ("update (part 3)", lambda: check_update(earlier.get("update"), verbose=False)),
    ]
    return parts


def _bridged_cache(forward: Callable | None, params: dict, X: np.ndarray) -> tuple[dict, list[str]]:
    """forward's cache with the right values under the names it uses (X, Z1, A1, Z2, probs, ...), and
    those names: backward is graded with it when forward is wrong, so a slip in forward is not charged twice."""
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ params["W2"] + params["b2"]
    P = _softmax(Z2)
    right = {"x": X, "a0": X, "inputs": X, "z1": Z1, "a1": A1, "h": A1, "h1": A1, "hidden": A1, "relu": A1}
    right |= dict.fromkeys(("z2", "scores", "logits"), Z2)
    right |= dict.fromkeys(("a2", "p", "probs", "probabilities", "y_hat", "yhat", "out", "output", "softmax"), P)
    cache: dict = {}
    try:
        if forward is None:
            raise LookupError("no forward to call")
        with _quiet(), np.errstate(all="ignore"), _tripwires("forward"):
            out = forward(params, X)
        if isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict):
            cache = dict(out[1])
    except Exception:  # noqa: BLE001 (a forward that fails is replaced by the right values)
        cache = {}
    bridged = {key: right.get(str(key).lower(), value) for key, value in cache.items()}
    named = [str(key) for key in cache if str(key).lower() in right]
    for key in ("X", "Z1", "A1", "Z2", "A2", "probs", "P"):
        bridged.setdefault(key, right[key.lower()])
    return bridged, named


@_graded
def check_backward(
    forward: Callable, backward: Callable, *, shapes: Sequence[Shape] = SHAPES, seed: int = 0, verbose: bool = True
) -> None:
    """Grade `backward(params, cache, y)` on its own, against numerical gradients of mnistnn's loss.

    `forward` only supplies the cache that backward reads. When forward is right, backward gets
    forward's own cache; when it is wrong, a cache with the right values under the names forward
    uses (and X, Z1, A1, Z2, A2, probs, P), so a slip in forward is charged once, in its own part.
    """
    _check_contracts(forward, backward, mine=("backward",))
    shapes, seed = _check_shapes(shapes), check_int(seed, "seed")
    forward_wrong, hangs = None, False
    worst: dict[str, float] = {}
    for i, sizes in enumerate(shapes):
        params, X, y = _problem(sizes, np.random.default_rng([seed, i]))
        cache = None
        if forward_wrong is None:
            try:
                _, cache, _ = _forward_problem(forward, params, X, sizes)
            except (GradingError, NotImplementedError) as e:
                forward_wrong = str(e).splitlines()[0]
                hangs = isinstance(e, _TimeUp)
        if cache is None:  # a forward that did not return in time is not called again
            cache, _ = _bridged_cache(None if hangs else forward, params, X)
        try:
            errors = _backward_problem(forward, backward, params, X, y, sizes, 1e-6, cache=cache)
        except GradingError as e:
            if forward_wrong and "the course's own implementation" not in str(e):  # that verdict needs no excuse
                raise GradingError(
                    f"{e}\n  Your forward fails its own check (part 1: {forward_wrong[:200]}), so backward was given "
                    "a cache with the right values under the names your forward's cache uses. If backward reads "
                    "other names, or other arrays, fix forward first: it may be why this part fails."
                ) from None
            raise
        worst = {key: max(worst.get(key, 0.0), error) for key, error in errors.items()}
    if verbose:
        summary = ", ".join(f"{key} {error:.1e}" for key, error in worst.items())
        note = " (graded with the right values in its cache: forward fails part 1)" if forward_wrong else ""
        print(f"backward is right on {len(shapes)} test problems{note} (worst relative errors: {summary})")


@_graded
def check_train_network(train_network: Callable, *, verbose: bool = True) -> None:
    """Grade `train_network(params, X, y, X_val, y_val, lr, batch_size, epochs, seed=0) -> history`.

    Run with mnistnn's forward, backward and update in place of the notebook's (so that slips there
    are charged in their own parts), on 5,000 training images for 2 epochs: history has one dict per
    epoch, its last val_acc is the accuracy of the trained params (to within half an image), the loss
    falls and validation accuracy passes 80%. Then once more on 1,000 images with shuffled labels:
    a network that learns from the data it is given cannot then read the validation digits.
    """
    _function(train_network, "train_network", "train_network(params, X, y, X_val, y_val, lr, batch_size, epochs)")
    X_tr, y_tr, X_val, y_val = _validation()
    where = "784-32-10 from init_params(seed=0), 5,000 training images, lr 0.5, batches of 100, 2 epochs"
    trial = network.init_params((784, 32, 10), seed=0)
    arrays = dict(trial)
    with _given(train_network, _reference_network()):
        history = _call(
            "train_network", train_network, where, trial, X_tr[:5000], y_tr[:5000], X_val, y_val,
            lr=0.5, batch_size=100, epochs=2,
        )  # fmt: skip
    history = _history("train_network", history, 2, ("loss", "val_acc"))
    if any(trial.get(key) is not value for key, value in arrays.items()):
        raise GradingError("train_network replaced the arrays in params: train them in place (update does).")
    measured = _accuracy(trial, X_val, y_val)
    if not _same_accuracy(history[-1]["val_acc"], measured, len(y_val)):
        raise GradingError(
            f"train_network: the last val_acc is {history[-1]['val_acc']!r}, but the trained params classify "
            f"{measured:.2%} of X_val right ({where}). val_acc: the accuracy on X_val after the epoch."
        )
    if not float(history[-1]["loss"]) < float(history[0]["loss"]):
        raise GradingError(f"train_network: the loss should fall from epoch 1 to epoch 2 ({where}).")
    if measured <= 0.8:
        raise GradingError(f"train_network: validation accuracy {measured:.2%}, expected more than 80% ({where}).")
    shuffled = np.random.default_rng(1).permutation(y_tr[:1000])
    control = network.init_params((784, 32, 10), seed=1)
    with _given(train_network, _reference_network()):
        _call(
            "train_network", train_network, "1,000 images with shuffled labels", control, X_tr[:1000], shuffled,
            X_val, y_val, lr=0.5, batch_size=100, epochs=2,
        )  # fmt: skip
    read = _accuracy(control, X_val, y_val)
    if read > 0.5:
        raise GradingError(
            f"train_network, given 1,000 images with shuffled labels, returned a network that reads {read:.0%} of "
            "the validation digits: it did not learn from the data it was given (does it load a trained model?). "
            "This part gets no points."
        )
    if verbose:
        print(f"train_network is right: after 2 epochs on 5,000 images, validation accuracy {measured:.2%}")


@_graded
def check_search(results: object, best_params: object, *, earlier: dict | None = None, verbose: bool = True) -> None:
    """Grade the search: at least 4 rows {lr, width, val_acc}, best_params the network of the best row
    (its validation accuracy, measured here, equals the row's to within half an image), at least 97%.
    A failure names the earlier parts whose own checks fail (the search ran on them)."""
    _, _, X_val, y_val = _validation()
    if not isinstance(results, (list, tuple)) or len(results) < 4:
        n = len(results) if isinstance(results, (list, tuple)) else type(results).__name__
        raise GradingError(f"results: {n} settings tried, expected a list of at least 4 dicts.")
    if not all(isinstance(row, dict) and {"lr", "width", "val_acc"} <= row.keys() for row in results):
        raise GradingError("results: every row is a dict with the keys lr, width and val_acc.")
    best = max(results, key=lambda row: float(row["val_acc"]))
    committed = _committed_model(best_params)
    if committed:
        raise GradingError(
            f"best_params is the course's trained model, {committed}, not a network your search trained: "
            "this part gets no points."
        )
    if not isinstance(best_params, dict) or not {"W1", "b1", "W2", "b2"} <= best_params.keys():
        raise GradingError("best_params: expected the params dict of the best network (W1, b1, W2, b2).")
    kept = _accuracy(best_params, X_val, y_val)
    failing = []
    if kept < 0.97 or not _same_accuracy(best["val_acc"], kept, len(y_val)):
        failing = _failing(_a2_parts(_earlier(earlier, ("forward", "backward", "update"))))
    if not _same_accuracy(best["val_acc"], kept, len(y_val)):
        raise GradingError(
            f"best_params: validation accuracy {kept:.2%}, but the best row says {float(best['val_acc']):.2%}: "
            f"keep the best network in best_params.{_cascade(failing)}"
        )
    if kept < 0.97:
        raise GradingError(f"best validation accuracy {kept:.2%}: expected at least 97%.{_cascade(failing)}")
    if verbose:
        print(f"best: lr {best['lr']}, width {best['width']}, validation accuracy {kept:.2%} (target: at least 97%)")


def _a1_parts(earlier: dict) -> list[tuple[str, Callable[[], object]]]:
    return [
        ("softmax (part 1)", lambda: check_softmax(earlier.get("softmax"), verbose=False)),
        ("cross_entropy (part 2)", lambda: check_cross_entropy(earlier.get("cross_entropy"), verbose=False)),
        (
            "loss_and_gradients (part 3)",
            lambda: check_softmax_regression(earlier.get("loss_and_gradients"), verbose=False),
        ),
    ]


def _reference_softmax_regression() -> dict[str, Callable]:
    return {
        "softmax": _softmax,
        "cross_entropy": lambda probs, y: float(-np.log(probs[np.arange(len(y)), y]).mean()),
    }


@_graded
def check_gradient_check(loss_and_gradients: Callable, numerical_gradient: Callable, *, verbose: bool = True) -> None:
    """A gradient check of the learner's loss_and_gradients with the learner's numerical_gradient, on 8
    images and 20 of their pixels in float64: relative errors below 1e-7. loss_and_gradients runs
    with a right softmax and cross_entropy (their slips are charged in parts 1 and 2)."""
    _function(loss_and_gradients, "loss_and_gradients", "loss_and_gradients(W, b, X, y) -> (loss, dW, db)")
    _function(numerical_gradient, "numerical_gradient", "numerical_gradient(f, x, eps=1e-5) -> grad")
    X_tr, y_tr, _, _ = _validation()
    rng = np.random.default_rng(0)
    W, b = 0.1 * rng.standard_normal((20, 10)), 0.1 * rng.standard_normal(10)
    X, y = X_tr[:8, 300:320].astype(np.float64), y_tr[:8]
    where = "8 images, 20 of their pixels, float64"
    with _given(loss_and_gradients, _reference_softmax_regression()):
        out = _call("loss_and_gradients", loss_and_gradients, where, W, b, X, y)
        if not (isinstance(out, (tuple, list)) and len(out) == 3):
            raise GradingError(f"loss_and_gradients should return (loss, dW, db); found {type(out).__name__}.")
        _, dW, db = out

        def loss():
            return loss_and_gradients(W, b, X, y)[0]

        errors = {
            "dW": rel_error(np.asarray(dW, float), _call("numerical_gradient", numerical_gradient, where, loss, W)),
            "db": rel_error(np.asarray(db, float), _call("numerical_gradient", numerical_gradient, where, loss, b)),
        }
    print({key: f"{error:.1e}" for key, error in errors.items()})
    if not max(errors.values()) < 1e-7:
        failing = _failing(
            [
                ("loss_and_gradients (part 3)", lambda: check_softmax_regression(loss_and_gradients, verbose=False)),
                ("numerical_gradient (part 4)", lambda: check_numerical_gradient(numerical_gradient, verbose=False)),
            ]
        )
        shown = {key: f"{error:.1e}" for key, error in errors.items()}
        raise GradingError(
            f"the gradient check fails: relative errors {shown}, expected below 1e-7.{_cascade(failing)}"
        )


@_graded
def check_training(W: object, b: object, history: object, epochs: int, *, earlier: dict | None = None) -> None:
    """Grade assignment 1's training: history has one dict per epoch, its last val_acc is the accuracy of
    W, b on the validation images (to within half an image), and at least 91%."""
    _, _, X_val, y_val = _validation()
    history = _history("train_softmax_regression", history, int(epochs), ("loss", "val_acc"))
    try:
        measured = float(
            np.mean((X_val @ np.asarray(W, np.float64) + np.asarray(b, np.float64)).argmax(axis=1) == y_val)
        )
    except (TypeError, ValueError) as e:
        raise GradingError(f"W (784, 10) and b (10,) are needed to score the validation images: {e}") from None
    failing = (
        _failing(_a1_parts(_earlier(earlier, ("softmax", "cross_entropy", "loss_and_gradients"))))
        if measured < 0.91
        else []
    )
    if not _same_accuracy(history[-1]["val_acc"], measured, len(y_val)):
        raise GradingError(
            f"val_acc: the last epoch's is {history[-1]['val_acc']!r}, but W, b classify {measured:.2%} of the "
            "validation images right. val_acc: the accuracy of W, b on X_val after the epoch."
        )
    print(f"validation accuracy {measured:.2%} (target: at least 91%)")
    if measured < 0.91:
        raise GradingError(f"validation accuracy {measured:.2%}: expected at least 91%.{_cascade(failing)}")


@_graded
def check_early_stopping(train_with_early_stopping: Callable, *, verbose: bool = True) -> None:
    """Grade `train_with_early_stopping` with mnistnn's Adam as its step (adam_step is graded in part 2):
    a 784-256-10 network on 1,000 images memorises them; the run stops 3 epochs after its lowest
    validation loss, and best_params are the params of that epoch."""
    from . import optim

    _function(train_with_early_stopping, "train_with_early_stopping", "train_with_early_stopping(params, X, y, ...)")
    X_tr, y_tr, X_val, y_val = _validation()
    where = "784-256-10, 1,000 training images, Adam lr 1e-3, batches of 50, at most 40 epochs, patience 3"
    trial = network.init_params((784, 256, 10), seed=0)
    out = _call(
        "train_with_early_stopping", train_with_early_stopping, where, trial, X_tr[:1000], y_tr[:1000], X_val, y_val,
        optim.adam, lr=1e-3, batch_size=50, epochs=40, patience=3,
    )  # fmt: skip
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise GradingError("train_with_early_stopping should return (best_params, history).")
    best_params, history = out
    if not isinstance(history, (list, tuple)) or not history:
        raise GradingError("train_with_early_stopping: history should be a list with one dict per epoch trained.")
    history = _history("train_with_early_stopping", history, len(history), ("val_loss", "val_acc"))
    losses = [float(row["val_loss"]) for row in history]
    best_epoch = int(np.argmin(losses)) + 1
    print(f"lowest validation loss {min(losses):.4f} at epoch {best_epoch}; stopped after epoch {len(losses)}")
    if len(losses) != best_epoch + 3:
        raise GradingError(
            f"expected a stop 3 epochs after the best ({best_epoch}), found {len(losses)} epochs ({where})."
        )
    if not isinstance(best_params, dict) or "W1" not in best_params:
        raise GradingError("best_params: expected a params dict (W1, b1, W2, b2).")
    kept = float(network.cross_entropy(network.forward(best_params, X_val)[0], y_val))
    if abs(kept - min(losses)) > 1e-4 * max(1.0, min(losses)):
        raise GradingError(f"best_params: validation loss {kept:.4f}, not the lowest, {min(losses):.4f} ({where}).")


@_graded
def check_final(final_params: object, *, earlier: dict | None = None) -> None:
    """Grade assignment 3's final network: at least 98% of the validation images, and trained here."""
    _, _, X_val, y_val = _validation()
    committed = _committed_model(final_params)
    if committed:
        raise GradingError(
            f"final_params is the course's trained model, {committed}, not a network you trained: no points."
        )
    if not isinstance(final_params, dict) or "W1" not in final_params:
        raise GradingError("final_params: expected a params dict (W1, b1, W2, b2, ...).")
    measured = _accuracy(final_params, X_val, y_val)
    print(f"validation accuracy {measured:.2%} (target: at least 98%)")
    if measured < 0.98:
        found = _earlier(earlier, ("adam_step", "train_with_early_stopping"))
        failing = _failing(
            [
                ("adam_step (part 2)", lambda: check_adam(found.get("adam_step"), verbose=False)),
                (
                    "train_with_early_stopping (part 5)",
                    lambda: check_early_stopping(found.get("train_with_early_stopping"), verbose=False),
                ),
            ]
        )
        raise GradingError(f"validation accuracy {measured:.2%}: expected at least 98%.{_cascade(failing)}")


# ----------------------------------------------------------------------------------------------
# a layer the course has not shown: row-wise standardisation (layer normalisation without gain and bias)

STANDARDISE_EPS = 1e-5


def _standardise(X: np.ndarray, eps: float = STANDARDISE_EPS, ddof: int = 0, axis: int = 1) -> np.ndarray:
    mu = X.mean(axis=axis, keepdims=True)
    return (X - mu) / np.sqrt(X.var(axis=axis, keepdims=True, ddof=ddof) + eps)


@_graded
def check_standardise(standardise: Callable, *, verbose: bool = True) -> None:
    """Grade `standardise(X, eps=1e-5) -> Y`: each row x becomes (x - mean(x)) / sqrt(var(x) + eps),
    with var the mean of squared deviations (no 1/(n - 1))."""
    _function(standardise, "standardise", "standardise(X, eps=1e-5) -> Y")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 7)) * rng.uniform(0.5, 3, size=(5, 1)) + rng.standard_normal((5, 1))
    where = "X of shape (5, 7), eps = 1e-5"
    before = {"X": X.copy()}
    got = _call("standardise", standardise, where, X, eps=STANDARDISE_EPS)
    _unchanged("standardise", before, {"X": X})
    slips = {
        "standardised over the columns (axis=0): each row, one example, is standardised on its own, axis=1": (
            _standardise(X, axis=0)
        ),
        "var with 1/(n - 1) (ddof=1): this layer divides by n, np.var's default": _standardise(X, ddof=1),
        "eps outside the square root: sqrt(var + eps)": (X - X.mean(1, keepdims=True))
        / (X.std(1, keepdims=True) + STANDARDISE_EPS),
        "divided by the variance, not its square root": (X - X.mean(1, keepdims=True))
        / (X.var(1, keepdims=True) + STANDARDISE_EPS),
        "the mean is not subtracted": X / np.sqrt(X.var(1, keepdims=True) + STANDARDISE_EPS),
    }
    error = _expect("standardise", got, _standardise(X), where, slips, rtol=1e-9)
    if verbose:
        print(f"standardise is right (relative error {error:.1e})")


@_graded
def check_standardise_backward(standardise_backward: Callable, *, verbose: bool = True) -> None:
    """Grade `standardise_backward(dY, X, eps=1e-5) -> dX`, the gradient of a loss with respect to X
    given dY, its gradient with respect to Y = standardise(X), against numerical gradients in float64
    (of the right standardise: a slip in the forward part is not charged here), on two problems."""
    _function(standardise_backward, "standardise_backward", "standardise_backward(dY, X, eps=1e-5) -> dX")
    rng = np.random.default_rng(1)
    worst = 0.0
    for m, n in ((4, 6), (3, 9)):
        X = rng.standard_normal((m, n)) * rng.uniform(0.5, 2, size=(m, 1)) + rng.standard_normal((m, 1))
        G = rng.standard_normal((m, n))
        where = f"X of shape {(m, n)}, dY of shape {(m, n)}, eps = 1e-5, float64"
        X_nudged = X.copy()
        numerical = numerical_gradient(
            lambda X_nudged=X_nudged, G=G: float(np.sum(_standardise(X_nudged) * G)), X_nudged
        )
        sigma = np.sqrt(X.var(axis=1, keepdims=True) + STANDARDISE_EPS)
        Y = _standardise(X)
        slips = {
            "the mean term is missing: the row's mean depends on every x_j, which adds - mean_j(dY_ij) / sigma_i": (
                (G - Y * (G * Y).mean(axis=1, keepdims=True)) / sigma
            ),
            "the variance term is missing: var depends on every x_j too, adding - Y_ij mean_j(dY_ij Y_ij) / sigma_i": (
                (G - G.mean(axis=1, keepdims=True)) / sigma
            ),
            "only dY / sigma: both the mean term and the variance term are missing (mean and var depend on x)": G
            / sigma,
            "the means are taken over the columns (axis=0): sum over the entries of each row, axis=1": (
                (G - G.mean(axis=0, keepdims=True) - Y * (G * Y).mean(axis=0, keepdims=True)) / sigma
            ),
            "the variance term has the wrong factor: d var / d x_j = 2 (x_j - mean) / n": (
                (G - G.mean(axis=1, keepdims=True) - 2 * Y * (G * Y).mean(axis=1, keepdims=True)) / sigma
            ),
        }
        before = {"dY": G.copy(), "X": X.copy()}
        got = _call("standardise_backward", standardise_backward, where, G, X, eps=STANDARDISE_EPS)
        _unchanged("standardise_backward", before, {"dY": G, "X": X})
        worst = max(worst, _expect("standardise_backward", got, numerical, where, slips, rtol=1e-7))
    if verbose:
        print(f"standardise_backward is right on 2 problems (relative error against numerical gradients {worst:.1e})")
