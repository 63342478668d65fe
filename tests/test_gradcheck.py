"""numerical_gradient and rel_error, the referee: right on functions with known gradients, and loud on misuse."""

import numpy as np
import pytest

from mnistnn import numerical_gradient, rel_error


def test_numerical_gradient_of_known_functions():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    assert np.allclose(numerical_gradient(lambda: float(np.sum(x**2)), x), 2 * x, atol=1e-8)
    assert np.allclose(numerical_gradient(lambda: float(np.sum(np.sin(x))), x), np.cos(x), atol=1e-8)
    assert np.array_equal(x, [[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])  # restored after the nudges


def test_integer_arrays_are_refused_not_rounded():
    x = np.arange(3)
    with pytest.raises(TypeError, match=r"x: expected a floating-point array .* found dtype int64"):
        numerical_gradient(lambda: float(np.sum(x**2)), x)


def test_a_function_that_reads_a_copy_is_named():
    x = np.ones(4)
    frozen = x.copy()
    with pytest.warns(RuntimeWarning, match=r"the same value for every nudge of all 4 entries.*A copy"):
        assert not numerical_gradient(lambda: float(np.sum(frozen**2)), x).any()


@pytest.mark.parametrize(
    "f, error, words",
    [
        (lambda: None, TypeError, r"returns one number.*found None"),
        (lambda: np.ones(3), TypeError, r"returns one number.*found ndarray \(3,\)"),
        ("loss", TypeError, "f: expected a function"),
    ],
    ids=["None", "array", "not callable"],
)
def test_functions_that_do_not_return_a_number_are_refused(f, error, words):
    with pytest.raises(error, match=words):
        numerical_gradient(f, np.ones(3))


@pytest.mark.parametrize("eps", [0, -1e-5, float("nan")])
def test_a_step_that_is_not_positive_is_refused(eps):
    x = np.ones(3)
    with pytest.raises(ValueError, match="eps: expected a positive finite number"):
        numerical_gradient(lambda: float(np.sum(x)), x, eps=eps)


def test_a_list_is_refused_because_it_cannot_be_nudged_in_place():
    with pytest.raises(TypeError, match="x: expected a NumPy array"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])


def test_rel_error_refuses_shapes_that_would_broadcast():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2)
    with pytest.raises(
        ValueError, match=r"rel_error: expected two arrays of the same shape, found shapes \(3,\) and \(1, 3\)"
    ):
        rel_error(np.ones(3), np.ones((1, 3)))
