"""The search behind CONFIGS["best"]: candidates at the final model's budget, three seeds each, validation only.

    python -m benchmarks.best_settings          # 8 candidates x 3 seeds, 20 epochs each (about an hour on 2 cores)
    python -m benchmarks.best_settings --epochs 1 --subset 2000 --seeds 1 --output quick   # a quick check

Every candidate is a plain MLP (ReLU, Adam, cosine decay, batch 128 unless it says otherwise)
trained for the same number of epochs as the final model, so the search compares settings at
the budget they will be used at. Each is trained from three seeds on the first 55,000 training
images and scored on the last 5,000 (mnistnn.validation_split); the test set is never touched
here. The first rows are candidates for the best model; the last three are ablations of
CONFIGS["best"] as it stood before this search (without dropout, without shifts, narrower),
which ask what each part contributes at this budget.

Written to results/:
- best_settings.csv: one row per candidate and seed (validation accuracy, training seconds);
- best_settings_val.npz: for every candidate, a (seeds, 5000) array of right/wrong per
  validation image, so that the lessons compare candidates (mnistnn.compare: over seeds for
  recipes, over images for two networks) without training them again;
- models/best.npz: the chosen candidate's seed-0 network, the model that lesson 6 tests once.

The choice, a parsimony rule: the candidate with the highest mean validation accuracy (the top),
unless a candidate with fewer parameters is not shown to be worse than it by the test over seeds
(mnistnn.compare on the (seeds, n) arrays: Welch's t-test on the seeds' accuracies), in which case
the smallest such candidate. "Not shown worse" is not "as good": with three seeds the t-test has
2-4 degrees of freedom, and the rule accepts a smaller candidate whose deficit could be as large as
the lower end of its 95% interval against the top (its margin, which `choice` reports). Ablations
are not candidates; each is compared with the recipe it changes by the same test over seeds, and a
part is credited only where that difference is shown.

    python -m benchmarks.best_settings --choose     # apply the choice again to the committed results, no training
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mnistnn import compare, load_mnist, save_params, train_config, validation_split
from mnistnn.cli import positive_int
from mnistnn.data import write_atomically
from mnistnn.network import predict
from mnistnn.plots import results_path
from mnistnn.stats import Comparison

EPOCHS = 20
BEFORE = {  # CONFIGS["best"] as it stood before this search: the base of every candidate
    "layer_sizes": (784, 512, 512, 10), "lr": 2e-3, "batch_size": 128, "optimizer": "adam",
    "lr_schedule": "cosine", "dropout": 0.2, "max_shift": 2,
}  # fmt: skip
CANDIDATES: dict[str, dict] = {  # name: what differs from BEFORE
    "512-512, dropout 0.2, shifts 2 (before)": {},
    "shifts 1": {"max_shift": 1},
    "dropout 0.1": {"dropout": 0.1},
    "one hidden layer of 800": {"layer_sizes": (784, 800, 10)},
    "batch 256, lr 3e-3": {"batch_size": 256, "lr": 3e-3},
    "ablation: no dropout": {"dropout": 0.0},
    "ablation: no shifts": {"max_shift": 0},
    "ablation: 256-256": {"layer_sizes": (784, 256, 256, 10)},
}
ABLATION = "ablation: "


def parameters(layer_sizes: tuple[int, ...]) -> int:
    return sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def search(epochs: int, seeds: int, subset: int | None = None) -> tuple[pd.DataFrame, dict, dict]:
    """Train every candidate from every seed; return (table, {name: (seeds, n_val) right/wrong}, seed-0 params)."""
    X_train, y_train, _, _ = load_mnist()  # the test images are not used
    X_tr, y_tr, X_val, y_val = validation_split(X_train, y_train)
    if subset is not None:
        X_tr, y_tr = X_tr[:subset], y_tr[:subset]
    rows, correct, models = [], {}, {}
    for name, changes in CANDIDATES.items():
        config = BEFORE | changes
        runs = []
        for seed in range(seeds):
            start = time.perf_counter()
            settings = {key: value for key, value in config.items() if key != "layer_sizes"}
            params, _ = train_config("best", X_tr, y_tr, **settings, layer_sizes=config["layer_sizes"],
                                     epochs=epochs, seed=seed, progress=False)  # fmt: skip
            seconds = time.perf_counter() - start
            runs.append(predict(params, X_val) == y_val)
            if seed == 0:
                models[name] = (params, config)
            rows.append({
                "candidate": name, "seed": seed, "hidden_layers": "-".join(map(str, config["layer_sizes"][1:-1])),
                "parameters": parameters(config["layer_sizes"]), "dropout": config["dropout"],
                "max_shift": config["max_shift"], "lr": config["lr"], "batch_size": config["batch_size"],
                "epochs": epochs, "training_images": len(X_tr), "val_accuracy": float(runs[-1].mean()),
                "seconds": seconds,
            })  # fmt: skip
            print(f"{name:42s} seed {seed}: validation {runs[-1].mean():.2%} ({seconds:.0f} s)", flush=True)
        correct[name] = np.array(runs)
    return pd.DataFrame(rows), correct, models


@dataclass(frozen=True)
class Choice:
    """The parsimony rule applied to a search: the top candidate, the choice and the evidence between them."""

    top: str  # the candidate with the highest mean validation accuracy
    chosen: str  # the smallest candidate not shown worse than the top (the top itself if there is none)
    means: dict[str, float]  # candidate: mean validation accuracy over its seeds
    parameters: dict[str, int]
    against_top: dict[str, Comparison]  # each smaller candidate against the top, by the test over seeds

    @property
    def margin(self) -> float:
        """How much worse than the top the choice could be, as far as its seeds show: the lower end of the 95%
        interval of (choice - top), a fraction (0.0 when the choice is the top)."""
        return min(0.0, self.against_top[self.chosen].interval[0]) if self.chosen != self.top else 0.0


def not_shown_worse(comparison: Comparison) -> bool:
    """a against b (comparison of recipes over seeds): True unless a is shown to differ from b and is below it."""
    return not (comparison.shown_to_differ and comparison.difference < 0)


def choice(table: pd.DataFrame, correct: dict[str, np.ndarray]) -> Choice:
    """The parsimony rule: the top candidate, unless a smaller one is not shown worse (then the smallest such)."""
    candidates = table[~table["candidate"].str.startswith(ABLATION)]
    means = candidates.groupby("candidate", sort=False)["val_accuracy"].mean()
    sizes = candidates.groupby("candidate", sort=False)["parameters"].first()
    top = str(means.idxmax())
    against_top = {
        name: compare(correct[name], correct[top], names=(name, top))
        for name in means.index
        if sizes[name] < sizes[top]
    }
    close = [name for name, comparison in against_top.items() if not_shown_worse(comparison)]
    chosen = min(close, key=lambda name: (sizes[name], -means[name])) if close else top
    return Choice(top, chosen, {k: float(v) for k, v in means.items()}, {k: int(v) for k, v in sizes.items()},
                  against_top)  # fmt: skip


def choose(table: pd.DataFrame, correct: dict[str, np.ndarray]) -> str:
    """The name of the candidate the parsimony rule chooses (see `choice`)."""
    return choice(table, correct).chosen


def ablations(table: pd.DataFrame, correct: dict[str, np.ndarray]) -> dict[str, Comparison]:
    """Each ablation against the recipe it changes (the first candidate), by the test over seeds.

    A part is credited only where the full recipe is shown to differ from the recipe without it."""
    base = str(table["candidate"].iloc[0])
    names = [str(name) for name in dict.fromkeys(table["candidate"]) if str(name).startswith(ABLATION)]
    return {name: compare(correct[base], correct[name], names=(base, name)) for name in names}


def read_search(output: str = "best_settings") -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The committed search: its table (results/<output>.csv) and every run's right/wrong per validation image."""
    table = pd.read_csv(results_path(f"{output}.csv"))
    with np.load(results_path(f"{output}_val.npz")) as saved:  # plain arrays, no pickle
        correct = {str(name): saved[f"candidate_{i}"] for i, name in enumerate(saved["names"])}
    return table, correct


def report(table: pd.DataFrame, correct: dict[str, np.ndarray]) -> str:
    """The choice and the ablations in words, as `--choose` prints them."""
    rule = choice(table, correct)
    lines = [f"top: {rule.top} ({rule.means[rule.top]:.2%}); chosen: {rule.chosen} ({rule.means[rule.chosen]:.2%}, "
             f"{rule.parameters[rule.chosen]:,} parameters)"]  # fmt: skip
    if rule.chosen != rule.top:
        lines.append(f"margin: the choice could be up to {-100 * rule.margin:.2f} points worse than the top")
    lines += [comparison.sentence() for comparison in rule.against_top.values()]
    lines += [comparison.sentence() for comparison in ablations(table, correct).values()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.best_settings", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS, help=f"epochs per run (default {EPOCHS})")
    parser.add_argument("--seeds", type=positive_int, default=3, help="seeds per candidate (default 3)")
    parser.add_argument("--subset", type=positive_int, help="train on only this many images (for a quick check)")
    parser.add_argument("--output", default="best_settings", help="name of the files in results/ (default %(default)s)")
    choose_help = "train nothing: apply the choice to the committed results/<output>.csv and its _val.npz"
    parser.add_argument("--choose", action="store_true", help=choose_help)
    args = parser.parse_args(argv)
    if args.choose:
        print(report(*read_search(args.output)))
        return
    if args.subset is not None and args.output == "best_settings":
        parser.error("--subset needs an --output name of its own, so a quick check never replaces the committed table")
    start = time.perf_counter()
    table, correct, models = search(args.epochs, args.seeds, args.subset)
    chosen = choose(table, correct)
    table["chosen"] = table["candidate"] == chosen
    text = table.to_csv(index=False, float_format="%.4f")
    write_atomically(results_path(f"{args.output}.csv"), lambda f: f.write(text.encode()))
    names = list(correct)
    arrays = {f"candidate_{i}": correct[name] for i, name in enumerate(names)}
    write_atomically(results_path(f"{args.output}_val.npz"),
                     lambda f: np.savez_compressed(f, names=np.array(names), **arrays))  # fmt: skip
    params, config = models[chosen]
    seconds = float(table[(table["candidate"] == chosen) & (table["seed"] == 0)]["seconds"].iloc[0])
    model = "models/best.npz" if args.output == "best_settings" else f"models/{args.output}.npz"
    save_params(results_path(model), params, activation="relu", config="best", candidate=chosen, seed=0,
                epochs=args.epochs, train_seconds=round(seconds, 1),
                val_accuracy=float(correct[chosen][0].mean()),
                settings={key: list(v) if isinstance(v, tuple) else v for key, v in config.items()})  # fmt: skip
    print(f"\n{len(table)} runs in {(time.perf_counter() - start) / 60:.1f} minutes; chosen: {chosen}.")
    print(f"Written to {results_path(args.output + '.csv')}, its _val.npz and {results_path(model)}.")


if __name__ == "__main__":
    main()
