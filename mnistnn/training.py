"""Training: the loop that repeats forward, backward, update; and saving the result.

One epoch is one pass over the training set. With `batch_size=None` the whole
set is one batch (full-batch gradient descent: one update per epoch); with a
batch size, the set is shuffled and cut into mini-batches, one update each.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .network import Params, accuracy, backward, cross_entropy, forward, init_params, layer_sizes
from .optim import OPTIMIZERS, SCHEDULES

# Named settings, shared by the notebooks and `python -m mnistnn.train NAME`, so that every
# place that trains "the classic network" trains the same one.
CONFIGS: dict[str, dict] = {
    # the popular tutorial network: 784-10-10, full-batch gradient descent, lr 0.1, 500 iterations
    "classic": {"layer_sizes": (784, 10, 10), "epochs": 500, "lr": 0.1, "batch_size": None},
    # a wider hidden layer, mini-batches and Adam with cosine decay: seconds, not minutes
    "improved": {
        "layer_sizes": (784, 256, 10),
        "epochs": 10,
        "lr": 1e-3,
        "batch_size": 128,
        "optimizer": "adam",
        "lr_schedule": "cosine",
    },
    # two wide hidden layers, dropout against memorising, shifted copies of the digits
    "best": {
        "layer_sizes": (784, 512, 512, 10),
        "epochs": 20,
        "lr": 2e-3,
        "batch_size": 128,
        "optimizer": "adam",
        "lr_schedule": "cosine",
        "dropout": 0.2,
        "max_shift": 2,
    },
}


def validation_split(
    X: np.ndarray, y: np.ndarray, n_val: int = 5000
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out the last `n_val` training images for choosing settings.

    Returns `X_train, y_train, X_val, y_val`. Model selection looks only at the
    validation images; the test set is used once, at the very end, so that its
    accuracy is an honest estimate for digits the model has never influenced.
    """
    if not 0 < n_val < len(X):
        raise ValueError(f"n_val must be between 1 and {len(X) - 1}, got {n_val}")
    return X[:-n_val], y[:-n_val], X[-n_val:], y[-n_val:]


def random_shift(X: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Move every 28x28 image (one per row of X) by up to `max_shift` pixels.

    Each image gets its own random shift (dx, dy) in [-max_shift, max_shift];
    the pixels moved in from outside are 0 (background). A shifted 3 is still a 3,
    so this gives the network new examples for free. Done for the whole batch at
    once: each image is cut from a zero-padded copy with one indexing operation.
    """
    m, k = len(X), max_shift
    size = 28 + 2 * k
    padded = np.zeros((m, size, size), dtype=X.dtype)
    padded[:, k : k + 28, k : k + 28] = X.reshape(m, 28, 28)
    dy = rng.integers(-k, k + 1, size=m)
    dx = rng.integers(-k, k + 1, size=m)
    window = (np.arange(28)[:, None] * size + np.arange(28)).ravel()  # a 28x28 window, as flat indices
    corner = (k - dy) * size + (k - dx)  # where each image's window starts in its padded copy
    return np.take_along_axis(padded.reshape(m, size * size), corner[:, None] + window, axis=1)


def train(
    params: Params,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    lr: float,
    batch_size: int | None = None,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    seed: int = 0,
    progress: bool = True,
    optimizer: str = "sgd",
    lr_schedule: str = "constant",
    activation: str = "relu",
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    max_shift: int = 0,
    optimizer_state: dict | None = None,
) -> pd.DataFrame:
    """Train `params` in place on X (m, 784), y (m,) and return the history.

    The history is a DataFrame with one row per epoch: `loss` and `train_acc`
    (mean cross-entropy and accuracy over the epoch's batches, as they were seen
    during training), `val_acc` (on X_val after the epoch, if given), the
    learning rate `lr` at the end of the epoch, and `seconds` since the start.

    - batch_size None: full-batch gradient descent; else shuffled mini-batches.
    - optimizer: "sgd", "momentum" or "adam"; lr_schedule: "constant" or "cosine".
    - activation: "relu", "sigmoid" or "tanh" for the hidden layers.
    - weight_decay: L2 penalty strength; dropout: probability of dropping a
      hidden unit during training; max_shift: random shifts of the training
      images by up to that many pixels, drawn anew for every batch.
    - optimizer_state: pass the same dict to several calls to continue training
      where the last call stopped (momentum and Adam keep their memory in it).

    Interrupting (Ctrl-C, or the stop button of a notebook) ends training after
    the current batch and returns the history so far; `params` keeps what was
    learned. A loss that becomes NaN or infinite stops training with an error.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
    if lr_schedule not in SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {list(SCHEDULES)}, got {lr_schedule!r}")
    step_fn, schedule = OPTIMIZERS[optimizer], SCHEDULES[lr_schedule]
    state = {} if optimizer_state is None else optimizer_state
    rng = np.random.default_rng(seed)
    m = len(X)
    batch = m if batch_size is None else min(batch_size, m)
    total_steps = epochs * -(-m // batch)  # -(-a // b) is a / b rounded up
    history: dict[str, list] = {"epoch": [], "loss": [], "train_acc": [], "val_acc": [], "lr": [], "seconds": []}
    # TQDM_DISABLE=1 hides the bar too: `make run` sets it, so that the saved notebooks show the
    # one-line summary printed at the end instead of a progress widget frozen at 0%
    show_bar = progress and not os.environ.get("TQDM_DISABLE")
    bar = tqdm(total=total_steps, desc="training", unit="step", leave=True, disable=not show_bar)
    start, step = time.perf_counter(), 0
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by the loss check
            for epoch in range(1, epochs + 1):
                order = None if batch_size is None else rng.permutation(m)  # a new shuffle every epoch
                loss_sum, correct = 0.0, 0
                for i in range(0, m, batch):
                    if order is None:
                        Xb, yb = X, y
                    else:
                        rows = order[i : i + batch]
                        Xb, yb = X[rows], y[rows]
                    if max_shift:
                        Xb = random_shift(Xb, max_shift, rng)
                    probs, cache = forward(params, Xb, activation, dropout, rng)
                    loss = cross_entropy(probs, yb)
                    if not np.isfinite(loss):
                        raise FloatingPointError(
                            f"the loss became {loss} at epoch {epoch}, step {step + 1}: "
                            f"the learning rate (lr={lr}) is probably too high; try a smaller one"
                        )
                    grads = backward(params, cache, yb, weight_decay)
                    lr_now = schedule(lr, step, total_steps)
                    step_fn(params, grads, state, lr_now)
                    loss_sum += loss * len(yb)
                    correct += int(np.count_nonzero(probs.argmax(axis=1) == yb))
                    step += 1
                    bar.update(1)
                    if step % 50 == 0:
                        bar.set_postfix(loss=f"{loss_sum / min(i + batch, m):.4f}", refresh=False)
                val_acc = accuracy(params, X_val, y_val, activation) if X_val is not None else float("nan")
                history["epoch"].append(epoch)
                history["loss"].append(loss_sum / m)
                history["train_acc"].append(correct / m)
                history["val_acc"].append(val_acc)
                history["lr"].append(lr_now)
                history["seconds"].append(time.perf_counter() - start)
                bar.set_postfix(loss=f"{loss_sum / m:.4f}", val_acc=f"{val_acc:.4f}", refresh=False)
    except KeyboardInterrupt:
        print(f"Interrupted after {step} steps; returning the history so far.")
    finally:
        bar.close()
    if progress and history["epoch"]:
        print(
            f"{history['epoch'][-1]} epochs ({step} steps) in {history['seconds'][-1]:.1f} s: "
            f"loss {history['loss'][-1]:.4f}, train_acc {history['train_acc'][-1]:.4f}, "
            f"val_acc {history['val_acc'][-1]:.4f}"
        )
    return pd.DataFrame(history)


def train_config(name: str, X: np.ndarray, y: np.ndarray, **kwargs) -> tuple[Params, pd.DataFrame]:
    """Create and train the network named in CONFIGS; returns `(params, history)`.

    Keyword arguments go to `train` and override the configuration's own
    settings: `train_config("best", X, y, max_shift=0)` is "best" without shifts.
    """
    if name not in CONFIGS:
        raise ValueError(f"unknown configuration {name!r}; choose one of {list(CONFIGS)}")
    config = {**CONFIGS[name], **kwargs}
    params = init_params(config.pop("layer_sizes"), seed=config.get("seed", 0), init=config.pop("init", "he"))
    history = train(params, X, y, **config)
    return params, history


METADATA_KEY = "__metadata__"


def save_params(path: str | os.PathLike, params: Params, **metadata) -> Path:
    """Save the parameters (and any JSON-friendly metadata) to a `.npz` file.

    The metadata always records `layer_sizes`; pass e.g. activation="relu",
    test_accuracy=0.98 to record more. The file is written under a temporary
    name and renamed when complete, so a crash never leaves half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"layer_sizes": list(layer_sizes(params)), **metadata}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **params, **{METADATA_KEY: np.array(json.dumps(metadata))})
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def _read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array in a .npz file, read without pickle; a clear ValueError if that fails."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise
    except Exception as e:  # a damaged zip, or an object array that would need pickle
        raise ValueError(f"{path}: expected a .npz file written by save_params, but it could not be read ({e})") from e


def load_params(path: str | os.PathLike) -> Params:
    """Load parameters saved by `save_params`: a dict W1, b1, W2, b2, ...

    Loaded without pickle, so a file from anywhere cannot run code. A file that
    is not such a parameter file gets a ValueError that says what is wrong.
    """
    arrays = _read_npz(path)
    keys = [k for k in arrays if k != METADATA_KEY]
    L = sum(1 for k in keys if k.startswith("W"))
    expected = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    if L == 0 or sorted(keys) != sorted(expected):
        raise ValueError(f"{path}: expected arrays W1, b1, W2, b2, ... but found {sorted(keys)}")
    params = {k: arrays[k] for k in expected}
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        prev = params[f"W{l - 1}"].shape[1] if l > 1 else W.shape[0]
        if W.ndim != 2 or b.shape != (W.shape[1],) or W.shape[0] != prev:
            raise ValueError(f"{path}: layer {l} has W{l} {W.shape} and b{l} {b.shape}, which do not fit together")
    return params


def evaluate(path: str | os.PathLike, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of a saved model on X, y, using only the file: its weights and the
    activation recorded in its metadata (ReLU if none was recorded)."""
    activation = read_metadata(path).get("activation", "relu")
    return accuracy(load_params(path), X, y, activation)


def read_metadata(path: str | os.PathLike) -> dict:
    """The metadata dict that `save_params` stored with the parameters."""
    arrays = _read_npz(path)
    return json.loads(str(arrays[METADATA_KEY])) if METADATA_KEY in arrays else {}


def main(argv: list[str] | None = None) -> None:
    """`python -m mnistnn.train NAME`: train a named configuration and save the model.

    The network is trained on the first 55,000 training images, with the last 5,000
    held out for validation (the split that notebook 4 chose the settings on), and
    tested once on the 10,000 test images.
    The model goes to results/models/NAME.npz with its layer sizes, activation and
    test accuracy in the metadata, so `--evaluate FILE` needs nothing but the file.
    """
    from .data import load_mnist  # imported here: only the command needs the data
    from .plots import results_path

    parser = argparse.ArgumentParser(prog="python -m mnistnn.train", description=main.__doc__.split("\n")[0])
    parser.add_argument("name", nargs="?", choices=list(CONFIGS), help="the configuration to train")
    parser.add_argument("--epochs", type=int, help="override the configuration's number of epochs")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--list", action="store_true", help="show every configuration and exit")
    parser.add_argument("--evaluate", metavar="FILE", help="test a saved model file and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, config in CONFIGS.items():
            print(f"{name}: {config}")
        return
    if args.name is None and not args.evaluate:
        parser.error("name a configuration to train, or use --list or --evaluate FILE")

    X_train, y_train, X_test, y_test = load_mnist()
    if args.evaluate:
        print(f"{args.evaluate}: {read_metadata(args.evaluate)}")
        print(f"test accuracy {evaluate(args.evaluate, X_test, y_test):.4f}")
        return
    overrides = {"seed": args.seed} | ({"epochs": args.epochs} if args.epochs else {})
    config = CONFIGS[args.name] | overrides
    print(f"training {args.name}: {config}")
    start = time.perf_counter()
    X_tr, y_tr, X_val, y_val = validation_split(X_train, y_train)
    params, history = train_config(args.name, X_tr, y_tr, X_val=X_val, y_val=y_val, **overrides)
    seconds = time.perf_counter() - start
    activation = config.get("activation", "relu")
    test_acc = accuracy(params, X_test, y_test, activation)
    path = save_params(
        results_path(f"models/{args.name}.npz"),
        params,
        activation=activation,
        config=args.name,
        seed=args.seed,
        epochs=config["epochs"],
        train_seconds=round(seconds, 1),
        val_accuracy=float(history["val_acc"].iloc[-1]),
        test_accuracy=test_acc,
    )
    print(f"{args.name}: test accuracy {test_acc:.4f} after {seconds:.1f} s of training")
    print(f"saved {path}; evaluated again from the file alone: {evaluate(path, X_test, y_test):.4f}")
