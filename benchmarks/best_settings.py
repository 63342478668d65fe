"""A search around CONFIGS["best"]: a handful of neighbouring settings, scored on validation only.

    python -m benchmarks.best_settings              # 10 candidates, 10 epochs each (about 6 minutes on 2 cores)
    python -m benchmarks.best_settings --epochs 1 --subset 2000 --output quick.csv   # a quick check

Notebook 4's small sweeps (a few thousand images, a few epochs) show *why* each setting
matters; they are too small to choose the settings of the best model. This script checks them
in the open: does any neighbour of CONFIGS["best"] do better? Every candidate is CONFIGS["best"]
with one thing changed:

- the width of the hidden layers: 256, 512 or 1024 units;
- one hidden layer instead of two (512 or 1024 units);
- the dropout rate: 0, 0.2 or 0.3;
- the largest random shift of the training images: 0, 1 or 2 pixels;
- Adam's learning rate: 1e-3 or 2e-3.

Each candidate is a new network (seed 0) trained on the first 55,000 training images and
scored on the last 5,000 (the validation split of `mnistnn.validation_split`). The test set is
never touched here. To keep the whole search to a few minutes (5.9 on the 2-core machine that
wrote the committed table), every candidate trains for 10 epochs (the cosine schedule decays
to 0 over those 10), half of the 20 that CONFIGS["best"] trains for in the end: the search
compares settings at equal cost, and the chosen one is then trained longer. One seed per
candidate: on 5,000 validation images near 99% accuracy, one standard error is about 0.14
points, so two candidates closer than about 0.4 points (two standard errors of a difference)
are not told apart by this search.

The table goes to results/best_settings.csv, one row per candidate, with the seconds each
training took; notebook 4 reads it.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from mnistnn import CONFIGS, load_mnist, train_config, validation_split
from mnistnn.cli import positive_int
from mnistnn.data import write_atomically
from mnistnn.plots import results_path, standard_error

# (name, what differs from CONFIGS["best"]); the first row is CONFIGS["best"] itself
CANDIDATES: list[tuple[str, dict]] = [
    ("best (CONFIGS)", {}),
    ("width 256", {"layer_sizes": (784, 256, 256, 10)}),
    ("width 1024", {"layer_sizes": (784, 1024, 1024, 10)}),
    ("one hidden layer of 512", {"layer_sizes": (784, 512, 10)}),
    ("one hidden layer of 1024", {"layer_sizes": (784, 1024, 10)}),
    ("dropout 0", {"dropout": 0.0}),
    ("dropout 0.3", {"dropout": 0.3}),
    ("shifts 0 (no augmentation)", {"max_shift": 0}),
    ("shifts 1", {"max_shift": 1}),
    ("lr 1e-3", {"lr": 1e-3}),
]
EPOCHS = 10


def search(epochs: int = EPOCHS, subset: int | None = None) -> pd.DataFrame:
    """Train every candidate on the 55,000/5,000 split and return one row per candidate.

    `subset` trains on only the first `subset` of the 55,000 images (for a quick check).
    Columns: candidate, hidden_layers ("512-512"), dropout, max_shift, lr, epochs,
    training_images, val_accuracy, val_se (one standard error of val_accuracy), seconds.
    """
    X_train, y_train, _, _ = load_mnist()  # the test images are not used
    X_tr, y_tr, X_val, y_val = validation_split(X_train, y_train)
    if subset is not None:
        X_tr, y_tr = X_tr[:subset], y_tr[:subset]
    rows = []
    for name, overrides in CANDIDATES:
        config = CONFIGS["best"] | overrides
        start = time.perf_counter()
        settings = {"epochs": epochs, "progress": False, **overrides}
        _, history = train_config("best", X_tr, y_tr, X_val=X_val, y_val=y_val, **settings)
        seconds = time.perf_counter() - start
        val_accuracy = float(history["val_acc"].iloc[-1])
        rows.append(
            {
                "candidate": name,
                "hidden_layers": "-".join(str(n) for n in config["layer_sizes"][1:-1]),
                "dropout": config["dropout"],
                "max_shift": config["max_shift"],
                "lr": config["lr"],
                "epochs": epochs,
                "training_images": len(X_tr),
                "val_accuracy": val_accuracy,
                "val_se": standard_error(val_accuracy, len(X_val)),
                "seconds": seconds,
            }
        )
        print(f"{name:28s} validation {val_accuracy:.2%}  ({seconds:.0f} s)", flush=True)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.best_settings", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS, help=f"epochs per candidate (default {EPOCHS})")
    parser.add_argument("--subset", type=positive_int, help="train on only this many images (for a quick check)")
    parser.add_argument("--output", default="best_settings.csv", help="file name in results/ (default %(default)s)")
    args = parser.parse_args(argv)
    if args.subset is not None and args.output == "best_settings.csv":
        parser.error("--subset needs an --output name of its own, so a quick check never replaces the committed table")
    start = time.perf_counter()
    table = search(args.epochs, args.subset)
    total = time.perf_counter() - start
    text = table.to_csv(index=False, float_format="%.4f")
    path = results_path(args.output)
    write_atomically(path, lambda f: f.write(text.encode()))
    best = table.loc[table["val_accuracy"].idxmax()]
    print(f"\n{len(table)} candidates in {total / 60:.1f} minutes; highest validation accuracy: {best['candidate']}")
    print(f"({best['val_accuracy']:.2%}). Table written to {path}.")


if __name__ == "__main__":
    main()
