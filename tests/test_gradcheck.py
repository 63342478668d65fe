"""check_gradients, the grader of the exercise: it passes a right network and names each planted mistake."""

import re

import numpy as np
import pytest

from mnistnn import network
from mnistnn.gradcheck import check_gradients

KEYS = ["W1", "b1", "W2", "b2"]


def forward(params, X):
    """mnistnn's forward with the exercise's two-argument contract; its cache holds A0 (= X), Z1, A1, A2."""
    return network.forward(params, X)


def backward_with(bug=None):
    """A backward written the way a learner writes it, with one planted mistake (or none)."""

    def backward(params, cache, y):
        m = len(y)
        dZ2 = cache["A2"].copy()
        dZ2[np.arange(m), y] -= 1
        if bug != "no 1/m":
            dZ2 /= m
        dZ1 = dZ2 @ params["W2"].T
        if bug != "no relu mask":
            dZ1 = dZ1 * (cache["Z1"] > 0)
        grads = {
            "W1": cache["A0"].T @ dZ1,
            "b1": dZ1.sum(axis=0),
            "W2": cache["A1"].T @ dZ2,
            "b2": dZ2.sum(axis=0),
        }
        if bug == "scalar bias":  # the video's db = 1/m * np.sum(dZ), in this layout where dZ2 already has the 1/m
            grads["b1"], grads["b2"] = np.sum(dZ1), np.sum(dZ2)
        if bug == "transposed":
            grads["W1"] = dZ1.T @ cache["A0"]
        if bug == "missing key":
            del grads["b1"]
        if bug == "none":
            grads["W2"] = None
        if bug == "nan":
            grads["W2"] = grads["W2"] * np.nan
        return grads

    return backward


def failure(backward, forward=forward):
    """The message of check_gradients' AssertionError, and the keys it names as wrong."""
    with pytest.raises(AssertionError) as info:
        check_gradients(forward, backward)
    message = str(info.value)
    return message, set(re.findall(r"^  (W1|b1|W2|b2): ", message, flags=re.MULTILINE))


@pytest.mark.parametrize("backward", [network.backward, backward_with(None)], ids=["mnistnn", "hand-written"])
def test_a_right_network_passes_with_rounding_sized_errors(backward):
    errors = check_gradients(forward, backward)
    assert list(errors) == KEYS
    assert all(0 <= error < 1e-8 for error in errors.values()), errors


def test_the_result_is_the_worst_over_the_problems_and_deterministic():
    both = check_gradients(forward, network.backward)
    assert both == check_gradients(forward, network.backward)
    one = check_gradients(forward, network.backward, shapes=[(5, 7, 6, 10)])
    other = check_gradients(forward, network.backward, shapes=[(3, 4, 9, 10)], seed=0)
    assert all(both[key] >= one[key] for key in KEYS)
    assert other != one


def test_the_scalar_bias_of_the_video_is_named_and_explained():
    message, wrong = failure(backward_with("scalar bias"))
    assert wrong == {"b1", "b2"}
    assert "b2: relative error 1: a single number" in message
    assert "expected an array of shape (10,)" in message
    assert "each row of A2 - Y sums to 0" in message and "dZ.sum(axis=0)" in message


def test_a_missing_one_over_m_is_named_for_every_parameter():
    message, wrong = failure(backward_with("no 1/m"))
    assert wrong == set(KEYS)
    assert message.count("it is m = 5 times the numerical gradient") == 4
    assert "W2: relative error 0.67" in message  # (m - 1) / (m + 1) with m = 5


def test_a_forgotten_relu_mask_points_at_the_hidden_layer():
    message, wrong = failure(backward_with("no relu mask"))
    assert wrong == {"W1", "b1"}
    assert "W2 and b2 are right" in message and "(Z1 > 0)" in message


def test_a_transposed_gradient_gives_both_shapes():
    message, wrong = failure(backward_with("transposed"))
    assert wrong == {"W1"}
    assert "expected (7, 6)" in message and "found (6, 7)" in message and "transpose would be right" in message


@pytest.mark.parametrize(
    "bug, key, words",
    [("missing key", "b1", "missing"), ("none", "W2", "it is None"), ("nan", "W2", "it holds NaN")],
    ids=["missing", "None", "NaN"],
)
def test_a_gradient_that_is_not_there_is_named(bug, key, words):
    message, wrong = failure(backward_with(bug))
    assert wrong == {key}
    assert f"{key}: {words}" in message


def test_forward_mistakes_are_reported_before_any_gradient():
    def columns_sum_to_one(params, X):
        probs, cache = network.forward(params, X)
        return probs / probs.sum(axis=0), cache

    def float32(params, X):
        return network.forward({key: value.astype(np.float32) for key, value in params.items()}, X.astype(np.float32))

    message, _ = failure(network.backward, forward=columns_sum_to_one)
    assert "every row (one example) should sum to 1" in message
    message, _ = failure(network.backward, forward=float32)
    assert "float32" in message and "needs float64" in message
    message, _ = failure(network.backward, forward=lambda params, X: network.forward(params, X)[0])
    assert "forward should return probs, cache" in message


def test_a_float32_backward_still_passes():
    def backward(params, cache, y):
        return {key: grad.astype(np.float32) for key, grad in network.backward(params, cache, y).items()}

    assert max(check_gradients(forward, backward).values()) < 1e-6
