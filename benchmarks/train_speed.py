"""Training speed: mnistnn against scikit-learn's MLPClassifier and PyTorch on the CPU, side by side.

    python -m benchmarks.train_speed            # 10 epochs of each, full MNIST (about 6 minutes here)
    python -m benchmarks.train_speed --epochs 3

Two tasks, the course's two networks, each trained with Adam (learning rate 1e-3, constant),
batch 128, on the 60,000 training images, from the same starting weights:

- 784-256-10, ReLU ("improved"), against PyTorch and against MLPClassifier on float64 input
  (its default) and on float32;
- 784-512-512-10, ReLU, dropout 0.2 (the network the best-model search started from, without
  its shifted digits), against PyTorch (MLPClassifier has no dropout).

Epochs are timed one at a time and interleaved (mnistnn, PyTorch, MLPClassifier, ..., then the
next epoch of each), so that a change in the machine's load affects all of them alike; each
is summarised by its median, and by its first and last epoch, which would show an epoch that
slows down as training goes on. Right after each mnistnn epoch the same matrix products alone
(for the same batch shapes) and the same number of Adam steps alone are timed too: their
shares of the epoch, and what is left (gathering batches, ReLU, dropout, softmax, Python).

PyTorch is not a requirement of the course; the benchmark uses it when it is installed (its
CPU build: `pip install torch`, or the CPU-only wheel from PyTorch's own instructions) and
leaves its rows out otherwise. It runs on as many threads as NumPy's BLAS (all cores).

Results go to results/benchmarks.csv and the benchmark table of README.md.
"""

from __future__ import annotations

import argparse
import os
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

LR, BATCH = 1e-3, 128
TASKS = {
    "784-256-10": {"layer_sizes": (784, 256, 10), "dropout": 0.0},
    "784-512-512-10, dropout 0.2": {"layer_sizes": (784, 512, 512, 10), "dropout": 0.2},
}


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Mnistnn:
    name = "mnistnn"

    def __init__(self, task: dict, X: np.ndarray, y: np.ndarray):
        self.params, self.state, self.X, self.y = init_params(task["layer_sizes"], seed=0), {}, X, y
        self.dropout = task["dropout"]

    def epoch(self) -> None:
        train(self.params, self.X, self.y, epochs=1, lr=LR, batch_size=BATCH, optimizer="adam",
              dropout=self.dropout, optimizer_state=self.state, progress=False)  # fmt: skip

    def accuracy(self, X_test: np.ndarray, y_test: np.ndarray) -> float:
        return accuracy(self.params, X_test, y_test)


class Torch:
    """The same network in PyTorch, from the same starting weights, with its own Adam."""

    name = "PyTorch"

    def __init__(self, task: dict, X: np.ndarray, y: np.ndarray):
        import torch

        self.torch = torch
        torch.manual_seed(0)
        params, layers = init_params(task["layer_sizes"], seed=0), []
        for l in range(1, len(params) // 2 + 1):
            linear = torch.nn.Linear(*params[f"W{l}"].shape)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(params[f"W{l}"].T.copy()))
                linear.bias.zero_()
            layers.append(linear)
            if l < len(params) // 2:
                layers += [torch.nn.ReLU()] + ([torch.nn.Dropout(task["dropout"])] if task["dropout"] else [])
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.loss = torch.nn.CrossEntropyLoss()
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.generator = torch.Generator().manual_seed(0)

    def epoch(self) -> None:
        self.model.train()
        order = self.torch.randperm(len(self.X), generator=self.generator)
        for i in range(0, len(self.X), BATCH):
            rows = order[i : i + BATCH]
            self.optimizer.zero_grad(set_to_none=True)
            self.loss(self.model(self.X[rows]), self.y[rows]).backward()
            self.optimizer.step()

    def accuracy(self, X_test: np.ndarray, y_test: np.ndarray) -> float:
        self.model.eval()
        with self.torch.no_grad():
            return float(np.mean(self.model(self.torch.from_numpy(X_test)).argmax(1).numpy() == y_test))


class Sklearn:
    """MLPClassifier with the same settings; `dtype` is what it is given (float64 is its default)."""

    def __init__(self, task: dict, X: np.ndarray, y: np.ndarray, dtype: type):
        self.name = f"MLPClassifier {np.dtype(dtype).name}"
        self.model = MLPClassifier(task["layer_sizes"][1:-1], solver="adam", alpha=0.0, batch_size=BATCH,
                                   learning_rate_init=LR, random_state=0)  # fmt: skip
        self.X, self.y, self.dtype = X.astype(dtype), y, dtype

    def epoch(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.partial_fit(self.X, self.y, classes=np.arange(10))

    def accuracy(self, X_test: np.ndarray, y_test: np.ndarray) -> float:
        return float(self.model.score(X_test.astype(self.dtype), y_test))


def matmul_epoch(X: np.ndarray, params: dict, rng: np.random.Generator) -> float:
    """Seconds for one epoch of the network's matrix products alone, on the same batch shapes."""
    L = len(params) // 2
    widths = [params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, L + 1)]
    A = [np.abs(rng.standard_normal((BATCH, n), dtype=np.float32)) for n in widths]
    start = time.perf_counter()
    for i in range(0, len(X), BATCH):
        Xb = X[i : i + BATCH]
        n = len(Xb)
        for l in range(1, L + 1):  # forward: A[l-1] W[l]
            (Xb if l == 1 else A[l - 1][:n]) @ params[f"W{l}"]
        for l in range(L, 0, -1):  # backward: dW[l] = A[l-1]^T dZ[l], and dA[l-1] = dZ[l] W[l]^T
            (Xb if l == 1 else A[l - 1][:n]).T @ A[l][:n]
            if l > 1:
                A[l][:n] @ params[f"W{l}"].T
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


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run(epochs: int, subset: int | None = None, use_torch: bool = True) -> pd.DataFrame:
    X, y, X_test, y_test = load_mnist()
    if subset:
        X, y = X[:subset], y[:subset]
    rng = np.random.default_rng(0)
    if use_torch:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
    runners = {}
    for task_name, task in TASKS.items():
        runners[task_name] = [Mnistnn(task, X, y)] + ([Torch(task, X, y)] if use_torch else [])
        if task["dropout"] == 0:
            runners[task_name] += [Sklearn(task, X, y, np.float64), Sklearn(task, X, y, np.float32)]
    times = {(task, runner.name): [] for task, group in runners.items() for runner in group}
    pieces = {(task, piece): [] for task in TASKS for piece in ("matrix products", "Adam steps")}
    for epoch in range(epochs):  # interleaved: every runner's epoch 1, then every runner's epoch 2, ...
        for task, group in runners.items():
            for runner in group:
                times[task, runner.name].append(timed(runner.epoch))
                if runner.name == "mnistnn":
                    pieces[task, "matrix products"].append(matmul_epoch(X, runner.params, rng))
                    pieces[task, "Adam steps"].append(adam_epoch(-(-len(X) // BATCH), runner.params, rng))
        print(f"epoch {epoch + 1}: " + ", ".join(f"{t} {n} {s[-1]:.2f} s" for (t, n), s in times.items()), flush=True)

    rows = []
    for task, group in runners.items():
        ours = float(np.median(times[task, "mnistnn"]))
        for runner in group:
            seconds = times[task, runner.name]
            median = float(np.median(seconds))
            rows.append({"task": task, "framework": runner.name, "seconds_per_epoch": median,
                         "first_epoch": seconds[0], "last_epoch": seconds[-1],
                         "second_epoch": seconds[min(1, len(seconds) - 1)],
                         "mnistnn_speed_up": median / ours,
                         "test_accuracy": runner.accuracy(X_test, y_test)})  # fmt: skip
        for piece in ("matrix products", "Adam steps"):
            share = float(np.median(pieces[task, piece])) / ours
            rows.append({"task": task, "framework": f"mnistnn: {piece}", "share_of_epoch": share})
    classic = init_params((784, 10, 10), seed=0)
    classic_seconds = [timed(lambda: train(classic, X, y, epochs=1, lr=0.1, progress=False)) for _ in range(20)]
    rows.append(
        {"task": "784-10-10 full batch", "framework": "mnistnn", "seconds_per_epoch": np.median(classic_seconds)}
    )
    return pd.DataFrame(rows).assign(epochs=epochs, training_images=len(X))


def markdown_table(results: pd.DataFrame) -> str:
    """The README table: seconds per epoch, mnistnn's speed-up and test accuracy, and where mnistnn's epoch goes."""
    lines = [
        "| task | framework | seconds per epoch (median) | first / last epoch | mnistnn is faster by | test accuracy |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in results.itertuples():
        if pd.notna(row.seconds_per_epoch) and row.task in TASKS:
            faster = "" if row.framework == "mnistnn" else f"{row.mnistnn_speed_up:.2f}x"
            lines.append(
                f"| {row.task} | {row.framework} | {row.seconds_per_epoch:.2f} | "
                f"{row.first_epoch:.2f} / {row.last_epoch:.2f} | {faster} | {row.test_accuracy:.2%} |"
            )
    lines += ["", "| task | share of mnistnn's epoch | |", "|---|---|---:|"]
    for task in TASKS:
        shares = results[(results["task"] == task) & results["share_of_epoch"].notna()]
        for row in shares.itertuples():
            lines.append(f"| {task} | {row.framework.removeprefix('mnistnn: ')} | {row.share_of_epoch:.0%} |")
        lines.append(f"| {task} | the rest | {1 - shares['share_of_epoch'].sum():.0%} |")
    classic = results[results["task"] == "784-10-10 full batch"]["seconds_per_epoch"].iloc[0]
    lines += ["", f"The classic 784-10-10 network: {classic:.3f} s per full-batch iteration."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.train_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs for each model (default 10)")
    parser.add_argument("--subset", type=int, help="use only this many training images (for a quick check)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if it is installed")
    parser.add_argument("--output", default="benchmarks.csv", help="file name in results/ (default benchmarks.csv)")
    args = parser.parse_args(argv)
    use_torch = torch_available() and not args.no_torch
    if not use_torch and not args.no_torch:
        print("PyTorch is not installed: its rows are left out (pip install torch, the CPU build, to compare).")
    results = run(args.epochs, args.subset, use_torch)
    results.to_csv(results_path(args.output), index=False, float_format="%.4f")
    table = markdown_table(results)
    print(table)
    if args.subset is None and update_readme(table, "benchmarks"):
        print("\nUpdated the benchmark table in README.md.")


if __name__ == "__main__":
    main()
