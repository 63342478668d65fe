"""The search's choice rule and its ablation credits, applied again to the committed results (no training)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.best_settings import ablations, choice, choose, main, not_shown_worse, read_search
from mnistnn import compare, read_metadata
from mnistnn.plots import results_path


@pytest.fixture(scope="module")
def search():
    return read_search()


def test_the_parsimony_rule_still_picks_the_committed_choice(search):
    table, correct = search
    rule = choice(table, correct)
    assert rule.chosen == "one hidden layer of 800" == table.loc[table["chosen"], "candidate"].iloc[0]
    assert rule.chosen == read_metadata(results_path("models/best.npz"))["candidate"]
    assert rule.top == "shifts 1" and rule.parameters[rule.chosen] < rule.parameters[rule.top]
    evidence = rule.against_top[rule.chosen]
    assert evidence.question == "recipes" and evidence.seeds == (3, 3) and not evidence.paired
    assert not evidence.shown_to_differ  # not shown worse, which is not "as good":
    assert -0.0025 < rule.margin < -0.001  # the choice could be up to about 0.2 points worse than the top


def test_ablation_credits_are_what_the_test_over_seeds_shows(search):
    verdicts = {name: c.shown_to_differ for name, c in ablations(*search).items()}
    assert verdicts == {"ablation: no dropout": False, "ablation: no shifts": False, "ablation: 256-256": True}
    no_shifts = ablations(*search)["ablation: no shifts"]
    assert no_shifts.difference > 0 and 0.05 < no_shifts.p_value < 0.1  # about +0.4 points, not shown with 3 seeds


def test_the_rule_on_made_up_searches():
    def runs(*accuracies, n=5000):  # (seeds, n) right/wrong with these accuracies, one per seed
        correct = np.zeros((len(accuracies), n), dtype=bool)
        for seed, accuracy in enumerate(accuracies):
            correct[seed, : round(accuracy * n)] = True
        return correct

    def table(correct, sizes):
        rows = [{"candidate": name, "seed": s, "parameters": sizes[name], "val_accuracy": correct[name][s].mean()}
                for name in correct for s in range(len(correct[name]))]  # fmt: skip
        return pd.DataFrame(rows)

    # a smaller candidate far behind the top is shown worse: the top stays
    correct = {"big": runs(0.990, 0.992, 0.988), "small": runs(0.950, 0.952, 0.948), "ablation: x": runs(1, 1, 1)}
    sizes = {"big": 10, "small": 5, "ablation: x": 1}
    assert choose(table(correct, sizes), correct) == "big"  # ablations are never candidates
    # a smaller candidate close to the top is not shown worse: the smallest such is chosen
    correct = {"big": runs(0.990, 0.992, 0.988), "small": runs(0.989, 0.991, 0.986), "mid": runs(0.99, 0.991, 0.987)}
    sizes = {"big": 10, "small": 5, "mid": 7}
    rule = choice(table(correct, sizes), correct)
    assert rule.chosen == "small" and set(rule.against_top) == {"small", "mid"} and rule.margin <= 0
    assert not_shown_worse(compare(correct["small"], correct["big"]))


def test_choose_prints_the_rule_on_the_committed_files_and_trains_nothing(capsys):
    main(["--choose"])
    printed = capsys.readouterr().out
    assert "chosen: one hidden layer of 800" in printed and "margin" in printed and "Welch" in printed
