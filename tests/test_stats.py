"""The one rule for comparisons: standard errors, and the paired test every lesson uses."""

import math

import numpy as np
import pytest

from mnistnn.stats import compare, standard_error


def test_standard_error():
    assert standard_error(0.98, 10_000) == pytest.approx(0.0014)
    with pytest.raises(ValueError, match=r"found 97\.8\. Accuracies are fractions: use 97\.8 / 100"):
        standard_error(97.8, 10_000)


def pair(only_a: int, only_b: int, both: int = 50, neither: int = 10):
    """Right/wrong arrays with the given numbers of disagreements."""
    a = [True] * only_a + [False] * only_b + [True] * both + [False] * neither
    b = [False] * only_a + [True] * only_b + [True] * both + [False] * neither
    return np.array(a), np.array(b)


def test_one_run_each_is_mcnemars_exact_test():
    result = compare(*pair(10, 2), names=("A", "B"))
    assert result.only_a == 10 and result.only_b == 2 and result.images == 72 and result.seeds == 1
    assert result.p_value == pytest.approx(2 * (1 + 12 + 66) / 2**12)  # 2 P(X <= 2), X ~ Binomial(12, 1/2)
    assert result.difference == pytest.approx(8 / 72)
    low, high = result.interval
    assert low < result.difference < high and low > 0
    assert result.shown_to_differ
    assert result.sentence().startswith("A is 11.11 points more accurate than B (right on 10 images where B is wrong")
    assert result.sentence().endswith("p = 0.039): shown to differ.")


def test_agreement_or_a_small_difference_is_not_shown_to_differ_never_called_the_same():
    same = compare(*pair(0, 0), names=("A", "B"))
    assert same.p_value == 1 and same.difference == 0 and same.interval == (0.0, 0.0)
    assert same.sentence().startswith("A and B get the same number of images right")
    close = compare(*pair(6, 4), names=("A", "B"))
    assert not close.shown_to_differ and "not shown to differ at this sample size" in close.sentence()
    assert "are the same" not in close.sentence() and "equal" not in close.sentence()


def test_seeds_are_paired_and_a_clear_difference_is_shown():
    rng = np.random.default_rng(0)
    truth = rng.random(2000)  # how hard each image is
    a = rng.random((3, 2000)) < 0.97 - 0.1 * truth
    b = rng.random((3, 2000)) < 0.95 - 0.1 * truth
    result = compare(a, b, names=("better", "worse"))
    assert result.seeds == 3 and result.images == 2000
    assert result.difference == pytest.approx(a.mean() - b.mean())
    assert result.shown_to_differ and result.interval[0] > 0
    assert "times where worse is wrong" in result.sentence()
    assert "paired over 3 seeds of the same 2,000 images" in result.sentence()
    same_setting = compare(a, a[::-1], names=("seeds 0-2", "seeds 2-0"))  # one setting, other seeds' order
    assert not same_setting.shown_to_differ
    assert compare(a, b) == compare(a, b)  # the same numbers every time


def test_a_random_difference_is_shown_about_5_percent_of_the_time():
    rng = np.random.default_rng(1)
    shown = 0
    for _ in range(200):
        a, b = rng.random((2, 500)) < 0.9  # two equally good models
        shown += compare(a, b).shown_to_differ
    assert shown / 200 < 0.1  # the test's level is 5%; McNemar's exact test is a little conservative


@pytest.mark.parametrize(
    "a, b, words",
    [
        (np.ones(5, bool), np.ones(6, bool), r"correct_b: expected the same images and seeds as correct_a"),
        (np.array([3, 7, 1]), np.array([3, 7, 2]), r"True/False \(right or wrong\).*predictions == labels"),
        (np.ones((2, 2, 2), bool), np.ones((2, 2, 2), bool), r"shape \(n,\) or \(seeds, n\)"),
    ],
    ids=["lengths", "predictions", "3-D"],
)
def test_inputs_that_are_not_paired_right_or_wrong_are_refused(a, b, words):
    with pytest.raises(ValueError, match=words):
        compare(a, b)


def test_mcnemar_agrees_with_its_normal_approximation_for_many_disagreements():
    result = compare(*pair(300, 240, both=1000))
    z = (abs(300 - 240) - 1) / math.sqrt(540)  # with the continuity correction
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=0.02)
