"""Comparing honestly: the standard error of an accuracy, and the two questions a comparison can ask.

An accuracy measured on n images is an estimate: another 10,000 images would give a slightly
different number. `standard_error` says by how much. A comparison then asks one of two questions,
and `compare` answers the one its arrays ask:

- **Two trained networks** (one right/wrong array each, shape (n,)): is *this* network better
  than *that* one on images like these? Both were scored on the same images, so only the images on
  which they disagree carry evidence: McNemar's exact test. It says nothing about the recipes
  that trained them: train again from another seed and the verdict can turn round.
- **Two recipes** (settings, optimisers, regularisers), each trained from several seeds (arrays
  of shape (seeds, n)): does one recipe train better networks than the other? The unit is the
  trained network, so the evidence is the seeds' accuracies, and the spread between seeds sets
  the noise: Welch's t-test on the seeds' accuracies (or, with `paired=True`, a paired t-test on
  the per-seed differences, where seed s of both recipes shares its starting weights and batch
  order).

"Not shown to differ" is all a test can say when the difference is within the noise; it never
means "the same", and "not shown worse" never means "as good".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from .checks import check_int, check_number, fail

LEVEL = 0.05  # a difference is "shown" when a difference at least this large would arise by chance less often


def standard_error(accuracy: float, n: int) -> float:
    """The standard error of an accuracy (a fraction, 0.978) measured on n independent images.

    Each image is right or wrong like a coin toss with probability p = accuracy,
    so the count of right answers has standard deviation sqrt(n p (1 - p)), and
    the accuracy sqrt(p (1 - p) / n). At 98% on 10,000 test images that is 0.14 points.
    MNIST's test images are not independent: they come from about 300 writers whose errors
    cluster, so the real standard error is larger (lesson 1 says by how much).
    """
    accuracy = check_number(accuracy, "accuracy")
    if not 0 <= accuracy <= 1:
        fix = f"Accuracies are fractions: use {accuracy:g} / 100." if 1 < accuracy <= 100 else ""
        fail("accuracy", "an accuracy as a fraction in [0, 1]", f"{accuracy:g}", fix)
    n = check_int(n, "n", low=1)
    return math.sqrt(accuracy * (1 - accuracy) / n)


@dataclass(frozen=True)
class Comparison:
    """The result of `compare`: a against b, about two networks or about two recipes."""

    names: tuple[str, str]
    question: str  # "networks" (one run each, McNemar) or "recipes" (several seeds each, a t-test over seeds)
    difference: float  # accuracy of a minus accuracy of b, a fraction (for recipes: mean over the seeds)
    interval: tuple[float, float]  # a 95% interval for that difference
    p_value: float  # how often a difference at least this large arises when a and b are equally good
    images: int
    seeds: tuple[int, int]  # seeds of a and of b: (1, 1) for two networks
    only_a: int = 0  # networks: images that a gets right and b wrong
    only_b: int = 0  # ... and the other way round
    accuracies: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())  # recipes: each seed's accuracy
    paired: bool = False  # recipes: paired by seed

    @property
    def shown_to_differ(self) -> bool:
        return self.p_value < LEVEL

    def sentence(self) -> str:
        """One sentence for the lesson's prose: what is compared, the difference, its evidence and the verdict."""
        a, b = self.names
        points = 100 * abs(self.difference)
        more = "more" if self.difference > 0 else "less"
        low, high = (100 * x for x in self.interval)
        p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.2g}"
        if self.question == "networks":
            claim = (
                f"the {a} network and the {b} network get the same number of images right"
                if self.difference == 0
                else f"the {a} network is {points:.2f} points {more} accurate than the {b} network"
            )
            evidence = (
                f"right on {self.only_a:,} of the same {self.images:,} images where the other is wrong "
                f"and wrong on {self.only_b:,} where it is right; 95% interval {low:+.2f} to {high:+.2f} points; "
                f"McNemar's exact test, {p}"
            )
            verdict = "these two networks are shown to differ" if self.shown_to_differ else "not shown to differ"
            return f"{claim[0].upper()}{claim[1:]} ({evidence}): {verdict}, which says nothing about their recipes."
        k_a, k_b = self.seeds
        seeds = f"{k_a} seeds each" if k_a == k_b else f"{k_a} and {k_b} seeds"
        claim = (
            f"{a} and {b} get the same mean accuracy over {seeds}"
            if self.difference == 0
            else f"{a} is {points:.2f} points {more} accurate than {b} on average over {seeds}"
        )
        listed = [", ".join(f"{100 * x:.2f}" for x in accuracies) for accuracies in self.accuracies]
        test = "a paired t-test over seeds" if self.paired else "Welch's t-test over seeds"
        evidence = (
            f"seeds at {listed[0]}% against {listed[1]}%; 95% interval {low:+.2f} to {high:+.2f} points; {test}, {p}"
        )
        verdict = (
            "the recipes are shown to differ"
            if self.shown_to_differ
            else f"the recipes are not shown to differ with {seeds}"
        )
        return f"{claim} ({evidence}): {verdict}."

    def _repr_markdown_(self) -> str:
        return self.sentence()


def _as_correct(correct: object, name: str) -> np.ndarray:
    """Right-or-wrong per image: (n,) for one network, (seeds, n) for one recipe over several seeds."""
    try:
        correct = np.asarray(correct)
    except ValueError:  # ragged lists
        fail(name, "one True/False per image, shape (n,) or (seeds, n)", "rows of different lengths")
    if correct.ndim == 1:
        correct = correct[None, :]
    if correct.ndim != 2 or correct.size == 0:
        fail(name, "one True/False per image, shape (n,) or (seeds, n)", f"shape {np.shape(correct)}")
    if correct.dtype != bool:  # 0/1 predictions of a two-class problem would look like right/wrong
        fix = "Pass predictions == labels (True where right), not the predictions or a count."
        fail(name, "True/False (right or wrong) per image", f"dtype {correct.dtype}", fix)
    if correct.shape[0] > correct.shape[1]:
        fix = f"One row per seed: pass {name}.T."
        fail(name, "one row per seed and one column per image, shape (seeds, n)", f"shape {correct.shape}", fix)
    return correct


def _two_sided_binomial(k: int, n: int) -> float:
    """2 P(X <= k) for X ~ Binomial(n, 1/2), capped at 1, summed in logs (n can be tens of thousands)."""
    if n == 0:
        return 1.0
    i = np.arange(1, k + 1)
    logs = np.concatenate([[0.0], np.cumsum(np.log(n - i + 1) - np.log(i))])  # ln C(n, i) for i = 0..k
    top = logs.max()
    return float(min(1.0, 2 * math.exp(top + math.log(np.exp(logs - top).sum()) - n * math.log(2))))


def _networks(a: np.ndarray, b: np.ndarray, names: tuple[str, str], rng: np.random.Generator) -> Comparison:
    """McNemar's exact test: of the images where the two networks disagree, how uneven is the split?"""
    only_a, only_b = int(np.sum(a > b)), int(np.sum(b > a))
    n = a.size
    p_value = _two_sided_binomial(min(only_a, only_b), only_a + only_b)
    # 95% interval: resample the images (a paired bootstrap); only the counts of +1, 0 and -1 vary
    draws = rng.multinomial(n, [only_a / n, only_b / n, 1 - (only_a + only_b) / n], size=20_000)
    low, high = np.percentile((draws[:, 0] - draws[:, 1]) / n, [2.5, 97.5])
    return Comparison(names, "networks", (only_a - only_b) / n, (float(low), float(high)), p_value, n, (1, 1),
                      only_a, only_b)  # fmt: skip


def _recipes(a: np.ndarray, b: np.ndarray, names: tuple[str, str], paired: bool) -> Comparison:
    """A t-test on the seeds' accuracies: the trained network is the unit, its accuracy the measurement."""
    acc_a, acc_b = a.mean(axis=1), b.mean(axis=1)  # one accuracy per seed
    difference = float(acc_a.mean() - acc_b.mean())
    if paired:  # seed s of a and of b share their starting weights and batch order
        d = acc_a - acc_b
        se, df = d.std(ddof=1) / math.sqrt(len(d)), len(d) - 1
    else:  # Welch: each recipe's own spread between seeds, no assumption that the two spreads are equal
        v_a, v_b = acc_a.var(ddof=1) / len(acc_a), acc_b.var(ddof=1) / len(acc_b)
        se = math.sqrt(v_a + v_b)
        df = (v_a + v_b) ** 2 / (v_a**2 / (len(acc_a) - 1) + v_b**2 / (len(acc_b) - 1)) if se > 0 else 1.0
    if se == 0:  # every seed of both got the same accuracy: no spread to measure the difference against
        p_value, half = (1.0 if difference == 0 else 0.0), 0.0
    else:
        p_value = float(2 * scipy_stats.t.sf(abs(difference) / se, df))
        half = float(scipy_stats.t.ppf(0.975, df) * se)
    accuracies = (tuple(map(float, acc_a)), tuple(map(float, acc_b)))
    return Comparison(names, "recipes", difference, (difference - half, difference + half), p_value, a.shape[1],
                      (len(acc_a), len(acc_b)), accuracies=accuracies, paired=paired)  # fmt: skip


def compare(
    correct_a: object, correct_b: object, names: tuple[str, str] = ("a", "b"), *, paired: bool = False, seed: int = 0
) -> Comparison:
    """Compare a and b scored on the same images: two networks, or two recipes over seeds.

    correct_a, correct_b: True where right, one per image.
    - Shape (n,) each: **two trained networks**. McNemar's exact test: of the images where they
      disagree, how unlikely is a split this uneven if each went either way with probability 1/2?
      The 95% interval comes from resampling the images (a paired bootstrap). Training randomness
      does not enter: the verdict is about these two networks, not about how they were trained.
    - Shape (seeds, n) each, at least 2 seeds: **two recipes**. Each seed's accuracy is one
      measurement of its recipe, and the difference of the mean accuracies is judged against the
      spread between seeds: Welch's t-test, t = (mean_a - mean_b) / sqrt(s_a^2/k_a + s_b^2/k_b),
      with the Welch-Satterthwaite degrees of freedom. It assumes the seeds' accuracies are roughly
      normal; the numbers of seeds may differ. With paired=True (equal numbers of seeds, row s of
      both from seed s: the same starting weights and batch order) it is the paired t-test on the
      per-seed differences, which is sharper when the seeds move both recipes alike.
    The images are the same for both, so the verdict is about networks scored on these images.
    """
    a, b = _as_correct(correct_a, "correct_a"), _as_correct(correct_b, "correct_b")
    if a.shape[1] != b.shape[1]:
        fail("correct_b", f"the same {a.shape[1]:,} images as correct_a", f"{b.shape[1]:,} images")
    if not (isinstance(names, (tuple, list)) and len(names) == 2):
        fail("names", "two names, such as ('Adam', 'SGD')", repr(names), error=TypeError)
    if not isinstance(paired, bool):
        fail("paired", "True or False", repr(paired), error=TypeError)
    rng = np.random.default_rng(check_int(seed, "seed"))
    if a.shape[0] == 1 and b.shape[0] == 1:
        if paired:
            fail("paired", "False for one network each (pairing by seed needs several seeds)", "True")
        return _networks(a[0], b[0], tuple(names), rng)
    if min(a.shape[0], b.shape[0]) < 2:
        which = "correct_a" if a.shape[0] < 2 else "correct_b"
        fix = "A recipe needs at least 2 seeds to measure its spread; to compare two networks, pass one row of each."
        fail(which, "at least 2 seeds (rows) for each recipe", "1 seed", fix)
    if paired and a.shape[0] != b.shape[0]:
        fail("paired", "the same number of seeds on both sides", f"{a.shape[0]} and {b.shape[0]} seeds",
             "Pass paired=False, or the same seeds for both.")  # fmt: skip
    return _recipes(a, b, tuple(names), paired)
