"""The rule for comparisons: standard errors, two networks (McNemar), two recipes (a t-test over seeds),
and experiments that check each test says "shown to differ" as often as it should."""

import math

import numpy as np
import pytest

from mnistnn.stats import compare, standard_error


def test_standard_error():
    assert standard_error(0.98, 10_000) == pytest.approx(0.0014)
    with pytest.raises(ValueError, match=r"found 97\.8\. Accuracies are fractions: use 97\.8 / 100"):
        standard_error(97.8, 10_000)


def pair(only_a: int, only_b: int, both: int = 50, neither: int = 10):
    """Right/wrong arrays of two networks with the given numbers of disagreements."""
    a = [True] * only_a + [False] * only_b + [True] * both + [False] * neither
    b = [False] * only_a + [True] * only_b + [True] * both + [False] * neither
    return np.array(a), np.array(b)


def recipe_runs(rng, seeds: int, accuracy: float, spread: float, hardness: np.ndarray) -> np.ndarray:
    """(seeds, n) right/wrong of one recipe: each seed's network is `spread` better or worse at random,
    each image has its own hardness, shared by every network."""
    skill = accuracy + spread * rng.standard_normal((seeds, 1))
    return rng.random((seeds, hardness.size)) < skill - 0.05 * (hardness - hardness.mean())


def test_two_networks_is_mcnemars_exact_test_and_says_what_it_is_about():
    result = compare(*pair(10, 2), names=("A", "B"))
    assert result.question == "networks" and result.seeds == (1, 1)
    assert result.only_a == 10 and result.only_b == 2 and result.images == 72
    assert result.p_value == pytest.approx(2 * (1 + 12 + 66) / 2**12)  # 2 P(X <= 2), X ~ Binomial(12, 1/2)
    assert result.difference == pytest.approx(8 / 72)
    low, high = result.interval
    assert low < result.difference < high and low > 0
    assert result.shown_to_differ
    sentence = result.sentence()
    assert sentence.startswith("The A network is 11.11 points more accurate than the B network (right on 10 of")
    assert "McNemar's exact test, p = 0.039): these two networks are shown to differ" in sentence
    assert sentence.endswith("which says nothing about their recipes.")


def test_agreement_or_a_small_difference_is_not_shown_to_differ_never_called_the_same():
    same = compare(*pair(0, 0), names=("A", "B"))
    assert same.p_value == 1 and same.difference == 0 and same.interval == (0.0, 0.0)
    assert same.sentence().startswith("The A network and the B network get the same number of images right")
    close = compare(*pair(6, 4), names=("A", "B"))
    assert not close.shown_to_differ and "not shown to differ" in close.sentence()
    assert "are the same" not in close.sentence() and "equal" not in close.sentence()


def test_two_recipes_is_welchs_t_test_on_the_seeds_accuracies():
    rng = np.random.default_rng(0)
    hardness = rng.random(2000)
    a = recipe_runs(rng, 3, 0.97, 0.002, hardness)
    b = recipe_runs(rng, 4, 0.95, 0.002, hardness)
    result = compare(a, b, names=("better", "worse"))
    acc_a, acc_b = a.mean(axis=1), b.mean(axis=1)
    v_a, v_b = acc_a.var(ddof=1) / 3, acc_b.var(ddof=1) / 4
    t = (acc_a.mean() - acc_b.mean()) / math.sqrt(v_a + v_b)
    df = (v_a + v_b) ** 2 / (v_a**2 / 2 + v_b**2 / 3)
    from scipy import stats as scipy_stats

    assert result.question == "recipes" and result.seeds == (3, 4) and result.images == 2000
    assert result.difference == pytest.approx(acc_a.mean() - acc_b.mean())
    assert result.p_value == pytest.approx(2 * scipy_stats.t.sf(abs(t), df))
    assert result.shown_to_differ and result.interval[0] > 0
    assert result.accuracies == (tuple(acc_a), tuple(acc_b))
    assert "on average over 3 and 4 seeds" in result.sentence()
    assert "Welch's t-test over seeds" in result.sentence()
    assert result.sentence().endswith("the recipes are shown to differ.")
    assert compare(a, b) == compare(a, b)  # the same numbers every time


def test_shuffling_one_recipes_seeds_changes_nothing_unpaired_but_changes_the_paired_test():
    rng = np.random.default_rng(2)
    hardness = rng.random(1000)
    a, b = recipe_runs(rng, 5, 0.95, 0.01, hardness), recipe_runs(rng, 5, 0.95, 0.01, hardness)
    assert compare(a, b).p_value == pytest.approx(compare(a, b[::-1]).p_value)
    assert compare(a, b, paired=True).p_value != pytest.approx(compare(a, b[::-1], paired=True).p_value)
    assert "a paired t-test over seeds" in compare(a, b, paired=True).sentence()


@pytest.mark.parametrize("seeds", [3, 5])
@pytest.mark.parametrize("spread", [0.002, 0.006])
def test_equal_recipes_are_shown_to_differ_at_about_the_nominal_rate(seeds, spread):
    """Two recipes that train equally good networks: at most 7-8% of 400 comparisons may say 'shown'."""
    rng = np.random.default_rng(seeds * 1000 + int(spread * 1e4))
    hardness = rng.random(2000)
    shown = sum(
        compare(
            recipe_runs(rng, seeds, 0.96, spread, hardness), recipe_runs(rng, seeds, 0.96, spread, hardness)
        ).shown_to_differ
        for _ in range(400)
    )
    # at the 5% level, 400 trials give 20 on average; above 31 would happen by chance well under 1% of the time
    assert 5 <= shown <= 31, f"{shown} of 400 equal recipes were shown to differ"


@pytest.mark.parametrize("seeds", [3, 5])
def test_equal_recipes_paired_by_seed_are_shown_at_about_the_nominal_rate(seeds):
    rng = np.random.default_rng(7 + seeds)
    hardness = rng.random(2000)
    shown = 0
    for _ in range(400):
        seed_effect = 0.004 * rng.standard_normal((seeds, 1))  # what a shared start and batch order do to both
        a = rng.random((seeds, 2000)) < 0.96 + seed_effect - 0.05 * (hardness - 0.5)
        b = rng.random((seeds, 2000)) < 0.96 + seed_effect - 0.05 * (hardness - 0.5)
        shown += compare(a, b, paired=True).shown_to_differ
    assert 5 <= shown <= 31, f"{shown} of 400 equal paired recipes were shown to differ"


def test_a_real_difference_of_three_quarters_of_a_point_over_10_seeds_is_found_most_of_the_time():
    rng = np.random.default_rng(3)
    hardness = rng.random(5000)
    found = sum(
        compare(
            recipe_runs(rng, 10, 0.9675, 0.004, hardness), recipe_runs(rng, 10, 0.96, 0.004, hardness)
        ).shown_to_differ
        for _ in range(200)
    )
    assert found >= 0.8 * 200, f"found in only {found} of 200"


def test_two_networks_equally_good_in_expectation_are_shown_at_about_5_percent():
    rng = np.random.default_rng(1)
    shown = sum(compare(*(rng.random((2, 500)) < 0.9)).shown_to_differ for _ in range(400))
    assert shown <= 28  # McNemar's exact test is a little conservative: at most 5% plus chance


def test_mcnemar_on_two_seeds_of_one_recipe_speaks_of_networks_and_the_seed_test_of_the_recipe():
    """The unit-of-replication point: many images make two networks' difference clear; the recipe's is not."""
    rng = np.random.default_rng(4)
    hardness = rng.random(10_000)
    runs = recipe_runs(rng, 6, 0.96, 0.004, hardness)
    networks = compare(runs[0], runs[1])
    recipes = compare(runs[:3], runs[3:])
    assert networks.question == "networks" and recipes.question == "recipes"
    assert not recipes.shown_to_differ


@pytest.mark.parametrize(
    "a, b, words",
    [
        (np.ones(5, bool), np.ones(6, bool), r"correct_b: expected the same 5 images as correct_a, found 6 images"),
        (np.array([3, 7, 1]), np.array([3, 7, 2]), r"True/False \(right or wrong\).*predictions == labels"),
        (np.ones((2, 2, 2), bool), np.ones((2, 2, 2), bool), r"shape \(n,\) or \(seeds, n\)"),
        (np.ones((3, 9), bool), np.ones(9, bool), r"correct_b: expected at least 2 seeds.*pass one row of each"),
        (np.ones((9, 3), bool), np.ones((9, 3), bool), r"one row per seed.*pass correct_a\.T"),
    ],
    ids=["lengths", "predictions", "3-D", "one seed against three", "seeds in columns"],
)
def test_inputs_that_are_not_paired_right_or_wrong_are_refused(a, b, words):
    with pytest.raises(ValueError, match=words):
        compare(a, b)


def test_pairing_needs_the_same_seeds_on_both_sides():
    with pytest.raises(ValueError, match=r"paired: expected the same number of seeds on both sides, found 3 and 2"):
        compare(np.ones((3, 9), bool), np.ones((2, 9), bool), paired=True)


def test_mcnemar_agrees_with_its_normal_approximation_for_many_disagreements():
    result = compare(*pair(300, 240, both=1000))
    z = (abs(300 - 240) - 1) / math.sqrt(540)  # with the continuity correction
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=0.02)
