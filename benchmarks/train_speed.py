"""Training speed: mnistnn against scikit-learn's MLPClassifier, side by side.

    python -m benchmarks.train_speed            # 10 epochs each, full MNIST (under a minute here)
    python -m benchmarks.train_speed --epochs 3

The task is identical for both: 784-256-10, ReLU, Adam with learning rate 1e-3, batch 128,
no L2 penalty, the 60,000 training images, the same number of epochs. Epochs are timed
one at a time and interleaved (mnistnn, MLPClassifier on float64, MLPClassifier on
float32, mnistnn, ...), so that a change in the machine's load affects all of them alike;
each is summarised by its median. Also measured, right after each mnistnn epoch:

- the time of the matrix products alone (the same five products, for the same batch
  shapes), as a share of mnistnn's epoch, and likewise the Adam steps alone; what is left
  is the rest of the overhead (gathering the shuffled batches, softmax, ReLU, Python);
- one iteration of the classic 784-10-10 full-batch gradient descent.

Results go to results/benchmarks.csv and the benchmark table of README.md.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from mnistnn import accuracy, init_params, load_mnist, train
from mnistnn.optim import adam
from mnistnn.plots import results_path
from mnistnn.report import update_readme

HIDDEN, LR, BATCH = 256, 1e-3, 128


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def matmul_epoch(X: np.ndarray, params: dict, rng: np.random.Generator) -> float:
    """Seconds for the five matrix products of one epoch, alone, on the same batch shapes."""
    W1, W2 = params["W1"], params["W2"]
    dZ2 = rng.standard_normal((BATCH, 10), dtype=np.float32)
    dZ1 = rng.standard_normal((BATCH, HIDDEN), dtype=np.float32)
    A1 = np.abs(rng.standard_normal((BATCH, HIDDEN), dtype=np.float32))
    start = time.perf_counter()
    for i in range(0, len(X), BATCH):
        Xb = X[i : i + BATCH]
        n = len(Xb)
        Xb @ W1  # Z1
        A1[:n] @ W2  # Z2
        A1[:n].T @ dZ2[:n]  # dW2
        dZ2[:n] @ W2.T  # dA1
        Xb.T @ dZ1[:n]  # dW1
    return time.perf_counter() - start


def adam_epoch(n_steps: int, params: dict, rng: np.random.Generator) -> float:
    """Seconds for one epoch's worth of Adam steps alone, on parameters of the same shapes."""
    copy = {key: value.copy() for key, value in params.items()}
    grads = {key: rng.standard_normal(value.shape, dtype=np.float32) * 1e-3 for key, value in params.items()}
    state: dict = {}
    start = time.perf_counter()
    for _ in range(n_steps):
        adam(copy, grads, state, LR)
    return time.perf_counter() - start


def run(epochs: int, subset: int | None = None) -> pd.DataFrame:
    X, y, X_test, y_test = load_mnist()
    if subset:
        X, y = X[:subset], y[:subset]
    X64 = X.astype(np.float64)
    rng = np.random.default_rng(0)

    params, state = init_params((784, HIDDEN, 10), seed=0), {}

    def mnistnn_epoch(epoch: int) -> None:
        train(
            params,
            X,
            y,
            epochs=1,
            lr=LR,
            batch_size=BATCH,
            optimizer="adam",
            optimizer_state=state,
            seed=epoch,
            progress=False,
        )

    def sklearn_model() -> MLPClassifier:
        return MLPClassifier(
            (HIDDEN,),
            activation="relu",
            solver="adam",
            alpha=0.0,
            batch_size=BATCH,
            learning_rate_init=LR,
            random_state=0,
        )

    mlp64, mlp32 = sklearn_model(), sklearn_model()
    times: dict[str, list[float]] = {
        name: [] for name in ("mnistnn", "sklearn_float64", "sklearn_float32", "matmul", "adam")
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(epochs):  # interleaved: A B C D E, A B C D E, ...
            times["mnistnn"].append(timed(lambda e=epoch: mnistnn_epoch(e)))
            times["matmul"].append(matmul_epoch(X, params, rng))
            times["adam"].append(adam_epoch(-(-len(X) // BATCH), params, rng))
            times["sklearn_float64"].append(timed(lambda: mlp64.partial_fit(X64, y, classes=np.arange(10))))
            times["sklearn_float32"].append(timed(lambda: mlp32.partial_fit(X, y, classes=np.arange(10))))

    classic = init_params((784, 10, 10), seed=0)
    classic_times = [timed(lambda: train(classic, X, y, epochs=1, lr=0.1, progress=False)) for _ in range(20)]

    median = {name: float(np.median(t)) for name, t in times.items()}
    rows = [
        ("mnistnn seconds per epoch", median["mnistnn"]),
        ("MLPClassifier float64 seconds per epoch", median["sklearn_float64"]),
        ("MLPClassifier float32 seconds per epoch", median["sklearn_float32"]),
        ("speed-up over MLPClassifier float64", median["sklearn_float64"] / median["mnistnn"]),
        ("speed-up over MLPClassifier float32", median["sklearn_float32"] / median["mnistnn"]),
        ("share of mnistnn epoch in matrix products", median["matmul"] / median["mnistnn"]),
        ("share of mnistnn epoch in the Adam step", median["adam"] / median["mnistnn"]),
        ("share of mnistnn epoch elsewhere", 1 - (median["matmul"] + median["adam"]) / median["mnistnn"]),
        ("mnistnn test accuracy", accuracy(params, X_test, y_test)),
        ("MLPClassifier float64 test accuracy", mlp64.score(X_test.astype(np.float64), y_test)),
        ("MLPClassifier float32 test accuracy", mlp32.score(X_test, y_test)),
        ("classic 784-10-10 seconds per full-batch iteration", float(np.median(classic_times))),
    ]
    return pd.DataFrame(rows, columns=["measure", "value"]).assign(epochs=epochs, training_images=len(X))


def markdown_table(results: pd.DataFrame) -> str:
    lines = ["| measure | value |", "|---|---:|"]
    for measure, value in zip(results["measure"], results["value"], strict=True):
        text = f"{value:.2%}" if "accuracy" in measure or "share" in measure else f"{value:.3f}"
        text = f"{value:.2f}x" if "speed-up" in measure else text
        lines.append(f"| {measure} | {text} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.train_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs for each model (default 10)")
    parser.add_argument("--subset", type=int, help="use only this many training images (for a quick check)")
    parser.add_argument("--output", default="benchmarks.csv", help="file name in results/ (default benchmarks.csv)")
    args = parser.parse_args(argv)
    results = run(args.epochs, args.subset)
    results.to_csv(results_path(args.output), index=False, float_format="%.4f")
    table = markdown_table(results)
    print(table)
    if args.subset is None and update_readme(table, "benchmarks"):
        print("\nUpdated the benchmark table in README.md.")


if __name__ == "__main__":
    main()
