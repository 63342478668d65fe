"""Training: the loop that repeats forward, backward, update; and saving the result.

One epoch is one pass over the training set. With `batch_size=None` the whole
set is one batch (full-batch gradient descent: one update per epoch); with a
batch size, the set is shuffled and cut into mini-batches, one update each.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .network import Params, accuracy, backward, cross_entropy, forward, init_params, num_layers
from .optim import OPTIMIZERS, SCHEDULES

TRAIN_EVAL_SIZE = 10_000  # training accuracy is measured on this many fixed training images

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
    once with one indexing operation into a zero-padded copy.
    """
    m, k = len(X), max_shift
    images = X.reshape(m, 28, 28)
    padded = np.pad(images, ((0, 0), (k, k), (k, k)))
    dy = rng.integers(-k, k + 1, size=m)
    dx = rng.integers(-k, k + 1, size=m)
    rows = (np.arange(28) + k - dy[:, None])[:, :, None]  # (m, 28, 1)
    cols = (np.arange(28) + k - dx[:, None])[:, None, :]  # (m, 1, 28)
    return padded[np.arange(m)[:, None, None], rows, cols].reshape(m, 784)


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
) -> pd.DataFrame:
    """Train `params` in place on X (m, 784), y (m,) and return the history.

    The history is a DataFrame with one row per epoch: `loss` (mean
    cross-entropy over the epoch's batches), `train_acc` (on a fixed sample of
    up to 10,000 training images, measured after the epoch), `val_acc` (on X_val,
    if given), the learning rate `lr` at the end of the epoch, and `seconds`
    since training started.

    - batch_size None: full-batch gradient descent; else shuffled mini-batches.
    - optimizer: "sgd", "momentum" or "adam"; lr_schedule: "constant" or "cosine".
    - activation: "relu", "sigmoid" or "tanh" for the hidden layers.
    - weight_decay: L2 penalty strength; dropout: probability of dropping a
      hidden unit during training; max_shift: random shifts of the training
      images by up to that many pixels, drawn anew every epoch.

    Interrupting (Ctrl-C, or the stop button of a notebook) ends training after
    the current batch and returns the history so far; `params` keeps what was
    learned. A loss that becomes NaN or infinite stops training with an error.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
    if lr_schedule not in SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {list(SCHEDULES)}, got {lr_schedule!r}")
    step_fn, schedule = OPTIMIZERS[optimizer], SCHEDULES[lr_schedule]
    rng = np.random.default_rng(seed)
    m = len(X)
    batch = m if batch_size is None else min(batch_size, m)
    batches_per_epoch = -(-m // batch)  # ceiling division
    total_steps = epochs * batches_per_epoch
    eval_rows = rng.permutation(m)[: min(m, TRAIN_EVAL_SIZE)]
    state: dict = {}
    history: dict[str, list] = {"epoch": [], "loss": [], "train_acc": [], "val_acc": [], "lr": [], "seconds": []}
    # progress=False always hides the bar; otherwise tqdm decides (TQDM_DISABLE=1 hides it too)
    bar = tqdm(total=total_steps, desc="training", unit="step", leave=True, **({} if progress else {"disable": True}))
    start, step = time.perf_counter(), 0
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by the loss check
            for epoch in range(1, epochs + 1):
                if batch_size is None:
                    Xe, ye = X, y
                else:  # one shuffle per epoch, then contiguous slices
                    order = rng.permutation(m)
                    Xe, ye = X[order], y[order]
                if max_shift:
                    Xe = random_shift(Xe, max_shift, rng)
                losses = []
                for i in range(0, m, batch):
                    Xb, yb = Xe[i : i + batch], ye[i : i + batch]
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
                    losses.append(loss)
                    step += 1
                    bar.update(1)
                    if step % 50 == 0:
                        bar.set_postfix(loss=f"{np.mean(losses):.4f}", refresh=False)
                val_acc = accuracy(params, X_val, y_val, activation) if X_val is not None else float("nan")
                history["epoch"].append(epoch)
                history["loss"].append(float(np.mean(losses)))
                history["train_acc"].append(accuracy(params, X[eval_rows], y[eval_rows], activation))
                history["val_acc"].append(val_acc)
                history["lr"].append(lr_now)
                history["seconds"].append(time.perf_counter() - start)
                bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", val_acc=f"{val_acc:.4f}", refresh=False)
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

    Extra keyword arguments (X_val, y_val, seed, progress, ...) go to `train`.
    """
    if name not in CONFIGS:
        raise ValueError(f"unknown configuration {name!r}; choose one of {list(CONFIGS)}")
    config = dict(CONFIGS[name])
    params = init_params(config.pop("layer_sizes"), seed=kwargs.get("seed", 0), init=config.pop("init", "he"))
    history = train(params, X, y, **config, **kwargs)
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
    L = num_layers(params)
    sizes = [int(params["W1"].shape[0])] + [int(params[f"W{l}"].shape[1]) for l in range(1, L + 1)]
    metadata = {"layer_sizes": sizes, **metadata}
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


def read_metadata(path: str | os.PathLike) -> dict:
    """The metadata dict that `save_params` stored with the parameters."""
    arrays = _read_npz(path)
    return json.loads(str(arrays[METADATA_KEY])) if METADATA_KEY in arrays else {}
