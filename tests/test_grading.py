"""The grader never passes a wrong network: each planted bug fails, naming the function and the parameter.

The networks below are written the way a learner writes the assignment's functions (cache: X, Z1, A1,
probs), each with one planted mistake; the right one passes on every problem.
"""

import re
import subprocess
import sys

import numpy as np
import pytest

from mnistnn import network
from mnistnn.grading import GradingError, check_forward, check_gradients

KEYS = ["W1", "b1", "W2", "b2"]


def softmax(Z, axis=1, stable=True):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True)) if stable else np.exp(Z)
    return E / E.sum(axis=axis, keepdims=True)


def forward_with(bug=None):
    def forward(params, X):
        Z1 = X @ params["W1"] + (0 if bug == "no b1" else params["b1"])
        A1 = Z1 if bug in ("linear", "no relu in forward") else np.maximum(Z1, 0)
        Z2 = A1 @ params["W2"] + params["b2"]
        if bug == "placeholder":
            probs = np.full(Z2.shape, 1 / Z2.shape[1])
        elif bug == "wrong axis":
            probs = softmax(Z2, axis=0)
        elif bug == "unstable":
            probs = softmax(Z2, stable=False)
        elif bug == "not normalised":
            probs = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
        else:
            probs = softmax(Z2)
        cache = {"X": X, "Z1": Z1, "A1": A1, "probs": probs}
        return (cache, probs) if bug == "cache first" else (probs, cache)

    return forward


def backward_with(bug=None):
    def backward(params, cache, y):
        if bug == "placeholder":
            return {key: np.zeros_like(value) for key, value in params.items()}
        m = len(y)
        dZ2 = cache["probs"].copy()
        dZ2[np.arange(m), y] -= 1
        if bug != "no 1/m":
            dZ2 /= m
        dZ1 = dZ2 @ params["W2"].T
        if bug not in ("linear", "no mask"):
            dZ1 = dZ1 * (cache["Z1"] > 0)
        grads = {"W1": cache["X"].T @ dZ1, "b1": dZ1.sum(axis=0), "W2": cache["A1"].T @ dZ2, "b2": dZ2.sum(axis=0)}
        if bug == "scalar bias":  # the video's np.sum(dZ): no axis
            grads["b1"], grads["b2"] = np.sum(dZ1), np.sum(dZ2)
        if bug == "transposed W":
            grads["W1"] = dZ1.T @ cache["X"]
        if bug == "in-place step":
            for key in params:
                params[key] -= 0.1 * grads[key]
        if bug == "sign":
            grads = {key: -g for key, g in grads.items()}
        if bug == "hard-coded 784":
            grads["W1"] = grads["W1"].reshape(784, -1)
        return grads

    return backward


def verdict(forward, backward):
    """The grader's message, the function it names first and the parameters it names as wrong."""
    with pytest.raises(GradingError) as info:
        check_gradients(forward, backward, verbose=False)
    message = str(info.value)
    return message, set(re.findall(r"^  (W1|b1|W2|b2): ", message, flags=re.MULTILINE))


def test_the_right_network_passes_on_every_problem_with_rounding_sized_errors(capsys):
    errors = check_gradients(forward_with(), backward_with())
    assert list(errors) == KEYS and all(0 <= e < 1e-8 for e in errors.values()), errors
    assert "right on 2 test problems" in capsys.readouterr().out
    check_forward(forward_with(), verbose=False)
    for seed in range(5):  # other problems too
        check_gradients(forward_with(), backward_with(), seed=seed, shapes=[(4, 3, 5, 2), (6, 8, 3, 10)], verbose=False)


def test_mnistnn_own_network_passes():
    assert max(check_gradients(network.forward, network.backward, verbose=False).values()) < 1e-8


def test_every_true_gradient_is_clearly_non_zero_and_every_unit_on_and_off():
    from mnistnn.grading import SHAPES, _problem

    for i, sizes in enumerate(SHAPES):
        params, X, y = _problem(sizes, np.random.default_rng([0, i]))
        Z1 = X @ params["W1"] + params["b1"]
        assert (Z1 > 0).any(axis=0).all() and (Z1 < 0).any(axis=0).all()
        grads = network.backward(params, network.forward(params, X)[1], y)
        assert all(np.abs(grads[key]).max() > 1e-3 for key in KEYS)


# (planted bug in forward, in backward) -> the function named, the parameters named, words of the cause
BUGS = {
    "placeholder": ("placeholder", "placeholder", "forward is wrong", set(), "differ from the right ones"),
    "linear network": ("linear", "linear", "forward is wrong", set(), "the ReLU is missing"),
    "ReLU missing in forward only": ("no relu in forward", None, "forward is wrong", set(), "the ReLU is missing"),
    "b1 not added": ("no b1", None, "forward is wrong", set(), "b1 is not added"),
    "softmax over the wrong axis": ("wrong axis", None, "forward is wrong", set(), "wrong axis"),
    "softmax not normalised": ("not normalised", None, "forward is wrong", set(), "not normalised"),
    "unstable softmax": ("unstable", None, "forward's probs hold NaN", set(), "subtracts each row's largest score"),
    "scalar bias": (None, "scalar bias", "backward: 2 of 4", {"b1", "b2"}, "a single number"),
    "missing 1/m": (None, "no 1/m", "backward: 4 of 4", set(KEYS), "the 1/m of the mean loss is missing"),
    "ReLU mask missing in backward": (None, "no mask", "backward: 2 of 4", {"W1", "b1"}, "ReLU mask is missing"),
    "transposed dW1": (None, "transposed W", "backward: 1 of 4", {"W1"}, "transpose would be right"),
    "sign flipped": (None, "sign", "backward: 4 of 4", set(KEYS), "minus the numerical gradient"),
    "zeros in backward": (None, "placeholder", "backward: 4 of 4", set(KEYS), "all zeros, but the true gradient"),
    "in-place step": (None, "in-place step", "backward changed params", set(), "is update's job"),
    "returns (cache, probs)": ("cache first", None, "forward returns (cache, probs)", set(), "probs first"),
}


@pytest.mark.parametrize("bug", BUGS)
def test_each_planted_bug_fails_naming_the_function_and_parameter(bug):
    in_forward, in_backward, first, keys, cause = BUGS[bug]
    message, wrong = verdict(forward_with(in_forward), backward_with(in_backward))
    assert message.startswith(first), message
    assert wrong == keys, message
    assert cause in message, message
    if message.startswith("forward") and "changed" not in message and "(cache" not in message:
        assert "m = 5 examples, layers 7-6-10" in message  # the test problem's sizes


def test_forward_bugs_fail_check_forward_alone():
    for bug in ("placeholder", "linear", "no b1", "wrong axis", "unstable"):
        with pytest.raises(GradingError, match="forward"):
            check_forward(forward_with(bug), verbose=False)


def test_the_scalar_bias_of_the_video_is_explained():
    message, _ = verdict(forward_with(), backward_with("scalar bias"))
    assert "b2: relative error 1: a single number" in message and "expected an array of shape (10,)" in message
    assert "each row of A2 - Y sums to 0" in message and "dZ.sum(axis=0)" in message


def test_a_missing_one_over_m_reports_its_size():
    message, _ = verdict(forward_with(), backward_with("no 1/m"))
    assert message.count("it is m = 5 times the numerical gradient") == 4
    assert "W2: relative error 0.67" in message  # (m - 1) / (m + 1) with m = 5


def test_a_transposed_gradient_gives_both_shapes():
    message, _ = verdict(forward_with(), backward_with("transposed W"))
    assert "expected (7, 6)" in message and "found (6, 7)" in message


def test_a_hard_coded_size_is_explained_with_the_problem_sizes():
    message, _ = verdict(forward_with(), backward_with("hard-coded 784"))
    assert message.startswith("backward raised ValueError")
    assert "m = 5 examples, layers 7-6-10" in message and "784 inputs" in message


def test_swapped_functions_and_arguments_are_named():
    with pytest.raises(GradingError, match="look swapped"):
        check_gradients(backward_with(), forward_with(), verbose=False)

    def forward_x_first(X, params):
        return forward_with()(params, X)

    with pytest.raises(GradingError, match=r"forward takes \(X, params\).*forward\(params, X\)"):
        check_gradients(forward_x_first, backward_with(), verbose=False)
    with pytest.raises(TypeError, match="backward: expected a function"):
        check_gradients(forward_with(), 3, verbose=False)


def test_an_unwritten_function_says_which_one_to_write():
    def forward(params, X):
        raise NotImplementedError("write forward")

    with pytest.raises(NotImplementedError, match="forward is not written yet"):
        check_gradients(forward, backward_with(), verbose=False)


@pytest.mark.parametrize(
    "shapes, words",
    [([], "a non-empty list"), ((5, 7, 6, 10), r"one tuple .*Use \[\(5, 7, 6, 10\)\]"), ([(5, 7, 6, 1)], "at least 2")],
    ids=["empty", "one tuple", "one class"],
)
def test_problem_lists_that_check_nothing_are_refused(shapes, words):
    with pytest.raises((ValueError, TypeError), match=words):
        check_gradients(forward_with(), backward_with(), shapes=shapes, verbose=False)


def test_forward_in_float32_is_named():
    def float32(params, X):
        return forward_with()({k: v.astype(np.float32) for k, v in params.items()}, X.astype(np.float32))

    message, _ = verdict(float32, backward_with())
    assert "float32" in message and "needs float64" in message


def test_the_grader_holds_under_python_O():
    code = (
        "import numpy as np\n"
        "from mnistnn.grading import check_gradients, GradingError\n"
        "def f(params, X):\n"
        "    p = np.full((len(X), 10), 0.1)\n"
        "    return p, {}\n"
        "def b(params, cache, y):\n"
        "    return {k: np.zeros_like(v) for k, v in params.items()}\n"
        "try:\n"
        "    check_gradients(f, b, verbose=False)\n"
        "except GradingError as e:\n"
        "    print('failed:', str(e).splitlines()[0])\n"
        "else:\n"
        "    print('passed')\n"
    )
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("failed: forward is wrong"), out


def test_a_forward_that_changes_X_in_place_fails_even_when_its_output_is_right():
    def rescales_X(params, X):
        X /= np.abs(X).max()  # the same on a second call, so the gradients would still agree
        return forward_with()(params, X)

    with pytest.raises(GradingError, match="forward changed X in place"):
        check_forward(rescales_X, verbose=False)
    with pytest.raises(GradingError, match="forward changed X in place"):
        check_gradients(rescales_X, backward_with(), verbose=False)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"shapes": [(1, 4, 3, 10)]}, r"shapes\[0\]\[0\]: expected a whole number of at least 2"),
        ({"tolerance": 1.0}, r"tolerance: expected at most 1e-3"),
    ],  # fmt: skip
    ids=["one example (ReLU never tested)", "a tolerance that passes bugs"],
)
def test_settings_under_which_a_wrong_network_would_pass_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        check_gradients(forward_with("linear"), backward_with("linear"), verbose=False, **kwargs)
