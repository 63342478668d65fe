"""Comparing models honestly: the standard error of an accuracy, and one paired test for two models.

An accuracy measured on n images is an estimate: another 10,000 images would give a slightly
different number. `standard_error` says by how much. Two models scored on the *same* images,
though, are not two independent estimates: most images both get right, some both get wrong,
and only the images on which they disagree say which model is better. `compare` looks at
exactly those (McNemar's test, for one run of each), and at runs over several seeds paired by
seed, and writes the sentence the lessons print. "Not shown to differ" is all a test can say
when the difference is within the noise; it never means "the same".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .checks import check_int, check_number, fail

LEVEL = 0.05  # a difference is "shown" when a difference at least this large would arise by chance less often


def standard_error(accuracy: float, n: int) -> float:
    """The standard error of an accuracy (a fraction, 0.978) measured on n independent images.

    Each image is right or wrong like a coin toss with probability p = accuracy,
    so the count of right answers has standard deviation sqrt(n p (1 - p)), and
    the accuracy sqrt(p (1 - p) / n). At 98% on 10,000 test images that is 0.14 points.
    """
    accuracy = check_number(accuracy, "accuracy")
    if not 0 <= accuracy <= 1:
        fix = f"Accuracies are fractions: use {accuracy:g} / 100." if 1 < accuracy <= 100 else ""
        fail("accuracy", "an accuracy as a fraction in [0, 1]", f"{accuracy:g}", fix)
    n = check_int(n, "n", low=1)
    return math.sqrt(accuracy * (1 - accuracy) / n)


@dataclass(frozen=True)
class Comparison:
    """The result of `compare`: model a against model b on the same images (and seeds)."""

    names: tuple[str, str]
    difference: float  # accuracy of a minus accuracy of b, a fraction (mean over the seeds)
    interval: tuple[float, float]  # a 95% interval for the difference, from resampling the images
    p_value: float  # how often a difference at least this large arises when a and b are equally good
    only_a: int  # (seed, image) pairs that a gets right and b wrong
    only_b: int  # ... and the other way round
    images: int
    seeds: int

    @property
    def shown_to_differ(self) -> bool:
        return self.p_value < LEVEL

    def sentence(self) -> str:
        """One sentence for the lesson's prose: the difference, its evidence and the verdict."""
        a, b = self.names
        points = 100 * abs(self.difference)
        if self.difference == 0:
            claim = f"{a} and {b} get the same number of images right"
        else:
            claim = f"{a} is {points:.2f} points {'more' if self.difference > 0 else 'less'} accurate than {b}"
        low, high = (100 * x for x in self.interval)
        p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.2g}"
        if self.seeds == 1:
            counts = (
                f"right on {self.only_a:,} images where {b} is wrong and wrong on {self.only_b:,} where {b} is right"
            )
            over = f"the same {self.images:,} images"
        else:  # the counts add up over the seeds, so they can exceed the number of images
            counts = (
                f"right {self.only_a:,} times where {b} is wrong and wrong {self.only_b:,} times where {b} is right"
            )
            over = f"{self.seeds} seeds of the same {self.images:,} images"
        evidence = f"{counts}, paired over {over}; 95% interval {low:+.2f} to {high:+.2f} points; {p}"
        verdict = "shown to differ" if self.shown_to_differ else "not shown to differ at this sample size"
        return f"{claim} ({evidence}): {verdict}."

    def _repr_markdown_(self) -> str:
        return self.sentence()


def _as_correct(correct: object, name: str) -> np.ndarray:
    """Right-or-wrong per image: (n,) for one run, (seeds, n) for runs over several seeds, as 0/1."""
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
    return correct.astype(np.int8)


def _two_sided_binomial(k: int, n: int) -> float:
    """2 P(X <= k) for X ~ Binomial(n, 1/2), capped at 1, summed in logs (n can be tens of thousands)."""
    if n == 0:
        return 1.0
    i = np.arange(1, k + 1)
    logs = np.concatenate([[0.0], np.cumsum(np.log(n - i + 1) - np.log(i))])  # ln C(n, i) for i = 0..k
    top = logs.max()
    return float(min(1.0, 2 * math.exp(top + math.log(np.exp(logs - top).sum()) - n * math.log(2))))


def compare(correct_a: object, correct_b: object, names: tuple[str, str] = ("a", "b"), *, seed: int = 0) -> Comparison:
    """Compare two models scored on the same images: which gets more right, and is it shown?

    correct_a, correct_b: True where the model is right, one per image, (n,); or, for runs over
    several seeds, (seeds, n), row s of each from seed s (paired by seed) and column i from image i.

    The test looks only at disagreements. For each image, d_i is the mean over the seeds of
    (a right) - (b right): +1, -1 or 0 for one seed. If a and b were equally good, each d_i would
    be as likely to be positive as negative, so the observed sum of the d_i is compared with the
    sums that random signs give (for one seed this is McNemar's exact test: of the images where
    they disagree, how unlikely is a split this uneven if each went either way with probability
    1/2). The 95% interval comes from resampling the images with replacement (a paired bootstrap).
    Both reflect which images were scored; training randomness enters through the seeds.
    """
    a, b = _as_correct(correct_a, "correct_a"), _as_correct(correct_b, "correct_b")
    if a.shape != b.shape:
        fail("correct_b", f"the same images and seeds as correct_a, shape {a.shape}", f"shape {b.shape}")
    if not (isinstance(names, (tuple, list)) and len(names) == 2):
        fail("names", "two names, such as ('Adam', 'SGD')", repr(names), error=TypeError)
    rng = np.random.default_rng(check_int(seed, "seed"))
    seeds, n = a.shape
    d = (a - b).sum(axis=0)  # per image: seeds x the mean difference, a whole number from -seeds to seeds
    only_a, only_b = int(np.sum(a > b)), int(np.sum(b > a))
    observed = int(d.sum())
    if seeds == 1:  # McNemar's exact test: the smaller side of b + c disagreements under Binomial(b + c, 1/2)
        p_value = _two_sided_binomial(min(only_a, only_b), only_a + only_b)
    else:  # random signs for each image's d_i: images with |d_i| = v contribute v (2 Binomial(N_v, 1/2) - N_v)
        sizes, counts = np.unique(np.abs(d[d != 0]), return_counts=True)
        flipped = sum(v * (2 * rng.binomial(c, 0.5, size=20_000) - c) for v, c in zip(sizes, counts, strict=True))
        p_value = float((1 + np.sum(np.abs(flipped) >= abs(observed))) / (1 + 20_000)) if observed else 1.0
    values, counts = np.unique(d, return_counts=True)  # the bootstrap draws images, so only the counts vary
    means = rng.multinomial(n, counts / n, size=20_000) @ values / (n * seeds)
    low, high = np.percentile(means, [2.5, 97.5])
    difference = observed / (n * seeds)
    return Comparison(tuple(names), difference, (float(low), float(high)), float(p_value), only_a, only_b, n, seeds)
