"""The graders of the assignments' other pieces: each right answer passes, each planted slip fails with its name."""

import numpy as np
import pytest

from mnistnn.grading import (
    GradingError,
    check_adam,
    check_cross_entropy,
    check_dropout,
    check_dropout_mask,
    check_momentum,
    check_numerical_gradient,
    check_softmax,
    check_softmax_regression,
    check_update,
)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def in_place_softmax(Z):
    Z -= Z.max(axis=1, keepdims=True)
    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)


SOFTMAX_SLIPS = {
    "unstable": (lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), r"e\^1000 overflows"),
    "wrong axis": (lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True), "each column sums to 1"),
    "not normalised": (lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)), "not normalised"),
    "changes its input": (in_place_softmax, "changed its input Z in place"),
    "returns nothing": (lambda Z: None, "found None"),
}


def test_softmax_right_and_slips(capsys):
    check_softmax(softmax)
    assert "stable for scores of ±1000" in capsys.readouterr().out
    for wrong, words in SOFTMAX_SLIPS.values():
        with pytest.raises(GradingError, match=words):
            check_softmax(wrong, verbose=False)


def right_cross_entropy(probs, y):
    return float(-np.log(probs[np.arange(len(y)), y]).mean())


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda p, y: -np.log(p[np.arange(len(y)), y]).sum(), "a sum, not a mean"),
        (lambda p, y: np.log(p[np.arange(len(y)), y]).mean(), "minus sign is missing"),
        (lambda p, y: -np.log10(p[np.arange(len(y)), y]).mean(), "log10"),
        (lambda p, y: -np.log(p).sum() / len(y), "every class's probability"),
        (lambda p, y: -np.log(p[np.arange(len(y)), y]), "one number"),
    ],
    ids=["sum", "sign", "log10", "all classes", "per example"],
)
def test_cross_entropy_slips(wrong, words):
    check_cross_entropy(right_cross_entropy, verbose=False)
    with pytest.raises(GradingError, match=words):
        check_cross_entropy(wrong, verbose=False)


def regression_with(bug=None):
    def loss_and_gradients(W, b, X, y):
        m = len(y)
        P = softmax(X @ W + b)
        loss = -np.log(P[np.arange(m), y]).mean()
        dZ = P.copy()
        if bug != "no -Y":
            dZ[np.arange(m), y] -= 1
        if bug != "no 1/m":
            dZ /= m
        dW, db = X.T @ dZ, dZ.sum(axis=0)
        if bug == "scalar db":
            db = dZ.sum()
        if bug == "transposed":
            dW = dW.T
        return loss, dW, db

    return loss_and_gradients


@pytest.mark.parametrize(
    "bug, words",
    [
        ("no 1/m", "the 1/m of the mean loss is missing"),
        ("no -Y", "missing its - Y"),
        ("scalar db", "db is a single number"),
        ("transposed", "its transpose would be right"),
    ],
)
def test_softmax_regression_slips(bug, words):
    errors = check_softmax_regression(regression_with(), verbose=False)
    assert all(e < 1e-10 for e in errors.values())
    with pytest.raises(GradingError, match=words):
        check_softmax_regression(regression_with(bug), verbose=False)


def numerical_gradient_with(bug=None):
    def numerical_gradient(f, x, eps=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + eps
            up = f()
            x[i] = old if bug == "one-sided" else old - eps
            down = f()
            if bug != "not restored":
                x[i] = old
            grad[i] = (up - down) / (eps if bug in ("one-sided", "eps") else 2 * eps)
        return grad

    return numerical_gradient


@pytest.mark.parametrize(
    "bug, words",
    [("one-sided", "one-sided difference"), ("eps", "divided by eps, not 2 eps"), ("not restored", "left x changed")],
)
def test_numerical_gradient_slips(bug, words):
    check_numerical_gradient(numerical_gradient_with(), verbose=False)
    with pytest.raises(GradingError, match=words):
        check_numerical_gradient(numerical_gradient_with(bug), verbose=False)


def test_update_slips():
    def right(params, grads, lr):
        for key in params:
            params[key] -= lr * grads[key]
        return params

    def ascent(params, grads, lr):
        for key in params:
            params[key] += lr * grads[key]
        return params

    def new_arrays(params, grads, lr):
        for key in params:
            params[key] = params[key] - lr * grads[key]
        return params

    check_update(right, verbose=False)
    with pytest.raises(GradingError, match="a step up the gradient"):
        check_update(ascent, verbose=False)
    with pytest.raises(GradingError, match="made a new array for W1"):
        check_update(new_arrays, verbose=False)


def momentum_with(bug=None):
    def momentum_step(params, grads, state, lr, beta=0.9):
        for key in params:
            v = beta * state.get(key, 0) + ((1 - beta) * grads[key] if bug == "averaging" else grads[key])
            if bug != "forgets":
                state[key] = v
            params[key] -= lr * v

    return momentum_step


def adam_with(bug=None):
    def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        state["t"] = t = state.get("t", 0) + 1
        for key in params:
            g = grads[key]
            m = state[("m", key)] = beta1 * state.get(("m", key), 0) + (1 - beta1) * g
            v = state[("v", key)] = beta2 * state.get(("v", key), 0) + (1 - beta2) * g * g
            m_hat = m if bug == "no correction" else m / (1 - beta1**t)
            v_hat = v if bug in ("no correction", "m only") else v / (1 - beta2**t)
            params[key] -= lr * m_hat / (np.sqrt(v_hat + eps) if bug == "eps inside" else np.sqrt(v_hat) + eps)

    return adam_step


def test_optimiser_slips():
    check_momentum(momentum_with(), verbose=False)
    check_adam(adam_with(), verbose=False)
    for step, check, words in [
        (momentum_with("averaging"), check_momentum, "the averaging form"),
        (momentum_with("forgets"), check_momentum, "v is not remembered"),
        (adam_with("no correction"), check_adam, "no bias correction"),
        (adam_with("m only"), check_adam, "v is not corrected"),
        (adam_with("eps inside"), check_adam, "eps inside the square root"),
    ]:
        with pytest.raises(GradingError, match=words):
            check(step, verbose=False)


def test_dropout_slips():
    def forward(A, keep, p):
        return A * keep / (1 - p)

    def backward(dout, keep, p):
        return dout * keep / (1 - p)

    check_dropout(forward, backward, verbose=False)
    with pytest.raises(GradingError, match="the survivors are not scaled"):
        check_dropout(lambda A, keep, p: A * keep, backward, verbose=False)
    with pytest.raises(GradingError, match="the mask is not applied on the way back"):
        check_dropout(forward, lambda dout, keep, p: dout / (1 - p), verbose=False)


def test_dropout_mask_slips():
    check_dropout_mask(lambda shape, p, rng: rng.random(shape) >= p, verbose=False)
    with pytest.raises(GradingError, match=r"keeps 20\.\d+% .*True should mean keep"):
        check_dropout_mask(lambda shape, p, rng: rng.random(shape) < p, verbose=False)
    with pytest.raises(GradingError, match="the same mask twice"):
        check_dropout_mask(lambda shape, p, rng: np.random.default_rng(0).random(shape) >= p, verbose=False)
    with pytest.raises(GradingError, match="boolean"):
        check_dropout_mask(lambda shape, p, rng: (rng.random(shape) >= p) / (1 - p), verbose=False)


def test_values_written_into_the_code_do_not_pass():
    def update_at_0_1(params, grads, lr):
        for key in params:
            params[key] -= 0.1 * grads[key]
        return params

    def adam_at_0_01(params, grads, state, lr, **settings):
        adam_with()(params, grads, state, 0.01, **settings)

    def momentum_at_0_9(params, grads, state, lr, beta=0.9):
        momentum_with()(params, grads, state, lr, 0.9)

    def mask_at_0_2(shape, p, rng):
        return rng.random(shape) >= 0.2

    for check, wrong in [(check_update, update_at_0_1), (check_adam, adam_at_0_01), (check_momentum, momentum_at_0_9),
                         (check_dropout_mask, mask_at_0_2)]:  # fmt: skip
        with pytest.raises(GradingError):
            check(wrong, verbose=False)
    with pytest.raises(GradingError, match="dropout_forward is wrong"):
        check_dropout(lambda A, keep, p: A * keep / 0.7, lambda dout, keep, p: dout * keep / (1 - p), verbose=False)


def test_memory_kept_outside_state_fails_on_the_second_run():
    memory: dict = {}

    def momentum_with_a_global(params, grads, state, lr, beta=0.9):
        for key in params:
            memory[key] = beta * memory.get(key, 0) + grads[key]
            params[key] -= lr * memory[key]

    with pytest.raises(GradingError, match="run again from a new, empty state"):
        check_momentum(momentum_with_a_global, verbose=False)


def test_a_mask_that_ignores_the_generator_it_is_given_fails():
    with pytest.raises(GradingError, match="draw the mask from the rng it is given"):
        check_dropout_mask(lambda shape, p, rng: np.random.random(shape) >= p, verbose=False)  # noqa: NPY002 (the slip)


def test_right_steps_that_reuse_the_gradient_arrays_pass():
    def update_scaling_grads(params, grads, lr):
        for key in params:
            grads[key] *= lr  # changes the caller's gradients, but the step is right
            params[key] -= grads[key]
        return params

    check_update(update_scaling_grads, verbose=False)


def test_a_per_example_loss_and_a_missing_return_are_named():
    with pytest.raises(GradingError, match="expected one number, the mean loss, found a ndarray of shape"):
        check_cross_entropy(lambda p, y: -np.log(p[np.arange(len(y)), y]), verbose=False)
    with pytest.raises(GradingError, match=r"found None \(a missing return\?\)"):
        check_cross_entropy(lambda p, y: None, verbose=False)
    with pytest.raises(TypeError, match="softmax: expected a function"):
        check_softmax(None, verbose=False)


# ----------------------------------------------------------------------------------------------
# grading an assignment: fresh checks, the course's own code refused, quiet, limited in time, parts on their own

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import mnistnn  # noqa: E402
import mnistnn.grading as grading  # noqa: E402
from mnistnn import network  # noqa: E402


def two_layer_forward(params, X):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.maximum(Z1, 0)
    probs = softmax(A1 @ params["W2"] + params["b2"])
    return probs, {"X": X, "Z1": Z1, "A1": A1, "probs": probs}


def two_layer_backward(params, cache, y):
    m = len(y)
    dZ2 = cache["probs"].copy()
    dZ2[np.arange(m), y] -= 1
    dZ2 /= m
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0)
    return {"W1": cache["X"].T @ dZ1, "b1": dZ1.sum(0), "W2": cache["A1"].T @ dZ2, "b2": dZ2.sum(0)}


def test_fresh_checks_are_a_copy_that_patching_the_package_does_not_reach(monkeypatch):
    monkeypatch.setattr(grading, "check_softmax", lambda *args, **kwargs: None)
    checks = grading.fresh()
    assert checks is not grading and checks.ASSIGNMENT and not grading.ASSIGNMENT
    with pytest.raises(GradingError, match="overflows"):
        checks.check_softmax(SOFTMAX_SLIPS["unstable"][0])


@pytest.mark.parametrize(
    "forward, words",
    [
        (network.forward, "forward is mnistnn.network.forward, the course's own implementation"),
        (lambda params, X: mnistnn.forward(params, X), "forward calls mnistnn.network.forward"),
    ],
    ids=["imported", "wrapped"],
)
def test_the_course_s_own_implementation_gets_no_points_when_grading(forward, words):
    with pytest.raises(GradingError, match=words):
        grading.fresh().check_forward(forward)
    grading.check_forward(forward, verbose=False)  # in a lesson, mnistnn's forward passes


def test_stderr_and_warnings_of_the_learner_s_code_stay_out_of_the_cell(capsys):
    def noisy_forward(params, X):
        warnings.warn("overflow somewhere", RuntimeWarning, stacklevel=2)
        sys.stderr.write("epoch 1: 100%|##########|\n")
        return two_layer_forward(params, X)

    assert grading.fresh().check_forward(noisy_forward) is None  # a check cell ends without a value
    out, err = capsys.readouterr()
    assert err == "" and "kept out of this cell, they cost nothing" in out


def test_a_function_that_never_returns_is_stopped_at_the_check_s_time_limit(monkeypatch):
    checks = grading.fresh()
    monkeypatch.setitem(checks.TIME_LIMITS, "check_forward", 1)

    def hangs(params, X):
        while True:
            pass

    start = time.monotonic()
    with pytest.raises(GradingError, match="did not return in time"):
        checks.check_forward(hangs)
    assert time.monotonic() - start < 5
    start = time.monotonic()
    with pytest.raises(GradingError, match="not run again"):  # in the next check cell too
        grading.fresh().check_forward(hangs)
    grading.fresh().check_backward(hangs, two_layer_backward)  # graded on its own, forward not called again
    assert time.monotonic() - start < 1


def test_backward_is_graded_on_its_own_when_forward_is_wrong(capsys):
    def no_b1(params, X):
        return two_layer_forward(params | {"b1": 0 * params["b1"]}, X)

    checks = grading.fresh()
    with pytest.raises(GradingError, match="b1 is not added"):
        checks.check_forward(no_b1)
    checks.check_backward(no_b1, two_layer_backward)
    assert "graded with the right values in its cache: forward fails part 1" in capsys.readouterr().out

    def scalar_bias(params, cache, y):
        return two_layer_backward(params, cache, y) | {"b2": 0.0}

    with pytest.raises(GradingError, match="Your forward fails its own check"):
        checks.check_backward(no_b1, scalar_bias)


def test_loss_and_gradients_is_graded_with_a_right_softmax_and_cross_entropy():
    space: dict = {"np": np}
    exec(
        "def softmax(Z):\n    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True) * 2\n"
        "def cross_entropy(probs, y):\n    return -np.log(probs[np.arange(len(y)), y]).sum()\n"
        "def loss_and_gradients(W, b, X, y):\n    m = len(y)\n    P = softmax(X @ W + b)\n"
        "    dZ = P.copy()\n    dZ[np.arange(m), y] -= 1\n    dZ /= m\n"
        "    return cross_entropy(P, y), X.T @ dZ, dZ.sum(axis=0)\n",
        space,
    )
    grading.fresh().check_softmax_regression(space["loss_and_gradients"])
    assert space["softmax"](np.zeros((1, 2))).sum() == 2, "the notebook's own functions are put back"


def standardise(X, eps=1e-5):
    return (X - X.mean(axis=1, keepdims=True)) / np.sqrt(X.var(axis=1, keepdims=True) + eps)


def standardise_backward(dY, X, eps=1e-5):
    s = np.sqrt(X.var(axis=1, keepdims=True) + eps)
    Y = (X - X.mean(axis=1, keepdims=True)) / s
    return (dY - dY.mean(axis=1, keepdims=True) - Y * (dY * Y).mean(axis=1, keepdims=True)) / s


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda dY, X, eps=1e-5: standardise_backward(dY, X, eps) + dY.mean(1, keepdims=True) / np.sqrt(
            X.var(1, keepdims=True) + eps), "the mean term is missing"),
        (lambda dY, X, eps=1e-5: (dY - dY.mean(1, keepdims=True)) / np.sqrt(X.var(1, keepdims=True) + eps),
         "the variance term is missing"),
        (lambda dY, X, eps=1e-5: dY / np.sqrt(X.var(1, keepdims=True) + eps), "both the mean term and the variance"),
    ],
    ids=["mean term", "variance term", "both"],
)  # fmt: skip
def test_standardise_right_and_slips(wrong, words, capsys):
    grading.check_standardise(standardise)
    grading.check_standardise_backward(standardise_backward)
    assert "standardise_backward is right" in capsys.readouterr().out
    with pytest.raises(GradingError, match=words):
        grading.check_standardise_backward(wrong, verbose=False)
    with pytest.raises(GradingError, match="ddof=1"):
        grading.check_standardise(lambda X, eps=1e-5: (X - X.mean(1, keepdims=True)) / np.sqrt(X.var(1, ddof=1,
                                  keepdims=True) + eps), verbose=False)  # fmt: skip


def test_a_backward_that_calls_the_course_s_own_is_not_excused_by_a_forward_that_does_too():
    """Both refused as the course's own implementation: backward's message says so and blames nothing else."""
    import mnistnn.network as N
    from mnistnn.grading import GradingError, fresh

    checks = fresh()

    def forward(params, X):
        return N._forward(params, X, "relu", 0.0, None)

    def backward(params, cache, y):
        return N.backward(params, cache, y)

    with pytest.raises(GradingError) as e:
        checks.check_backward(forward, backward, verbose=False)
    assert "the course's own implementation" in str(e.value)
    assert "fix forward first" not in str(e.value)
