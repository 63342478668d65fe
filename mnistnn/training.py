"""Training: the loop that repeats forward, backward, update; and the named networks.

One epoch is one pass over the training set. With `batch_size=None` the whole
set is one batch (full-batch gradient descent: one update per epoch); with a
batch size, the set is shuffled and cut into mini-batches, one update each.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .checks import check_choice, check_images, check_int, check_labels_fit, check_number, check_params, fail
from .data import random_shift
from .network import ACTIVATIONS, Params, _backward, _cross_entropy, _forward, init_params, layer_sizes
from .optim import OPTIMIZERS, SCHEDULES

# Named settings, shared by the notebooks and `python -m mnistnn train NAME`, so that every
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
    # the search's choice (benchmarks/best_settings.py, results/best_settings.csv):
    # one wide hidden layer, dropout against memorising, shifted copies of the digits
    "best": {
        "layer_sizes": (784, 800, 10),
        "epochs": 20,
        "lr": 0.002,
        "batch_size": 128,
        "optimizer": "adam",
        "lr_schedule": "cosine",
        "dropout": 0.2,
        "max_shift": 2,
    },
}


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
    schedule_epochs: int | None = None,
    decoupled_decay: float = 0.0,
    patience: int | None = None,
) -> pd.DataFrame:
    """Train `params` in place on X (m, 784), y (m,) and return the history.

    The history is a DataFrame with one row per epoch: `loss` and `train_acc`
    (mean cross-entropy and accuracy over the epoch's batches, as they were seen
    during training: a running mean while the weights change, with dropout and
    shifts on), `val_loss` and `val_acc` (on X_val after the epoch, if given), the
    learning rate `lr` at the end of the epoch, and `seconds` since the start.

    - batch_size None: full-batch gradient descent; else shuffled mini-batches.
    - optimizer: "sgd", "momentum", "rmsprop" or "adam"; lr_schedule: "constant" or "cosine".
    - activation: "relu", "sigmoid" or "tanh" for the hidden layers.
    - weight_decay: L2 penalty strength (its gradient, weight_decay * W, is added to
      every weight matrix's gradient); decoupled_decay: weight decay as AdamW does it
      (Loshchilov and Hutter, 2019): after every optimiser step each weight matrix
      shrinks by the factor 1 - lr * decoupled_decay, outside Adam's scaling.
    - dropout: probability of dropping a hidden unit during training; max_shift:
      random shifts of the training images by up to that many pixels, drawn anew
      for every batch.
    - patience: early stopping. After each epoch the loss on X_val is measured;
      training stops when it has not improved for `patience` epochs, and `params`
      gets back the weights of the epoch where it was lowest
      (`history.attrs["best_epoch"]`). Needs X_val and y_val.
    - optimizer_state: pass the same dict to several calls to continue training
      where the last call stopped: the optimiser's memory, the step and epoch
      counts and the random generator (so `seed` counts only in the first call).
      A state belongs to the params it was made for; each new network needs a new {}.
    - schedule_epochs: the length of the whole run, when it takes several calls. Set
      it in the first call: two calls of 10 epochs with schedule_epochs=20 train
      exactly as one call of 20 would, learning-rate schedule included. Settings that
      would break the run (more epochs than the schedule has left, another optimiser)
      are refused before any training (see `plan_schedule`).

    X is converted once to the parameters' dtype (float32 data trains about
    2.5 times faster than float64 on float32 parameters, and gives the same result).
    Interrupting (Ctrl-C, or the stop button of a notebook) ends training after
    the current batch and returns the history so far, with
    `history.attrs["interrupted"]` set; `params` keeps what was learned. A loss
    that becomes NaN or infinite stops training with an error naming the likely cause.
    """
    check_params(params)
    for key, W in params.items():
        if not np.isfinite(W).all():
            fail(
                f"params[{key!r}]",
                "finite numbers",
                "NaN or infinite values (from a run that diverged?)",
                "Make new parameters with init_params.",
            )
    dtype = params["W1"].dtype
    X = check_images(X, "X", width=params["W1"].shape[0]).astype(dtype, copy=False)
    y = check_labels_fit(params, y, "y", n=len(X))
    if (X_val is None) != (y_val is None):
        fail(
            "X_val, y_val",
            "both or neither",
            "only " + ("X_val" if y_val is None else "y_val"),
            "Pass the validation labels with the validation images.",
        )
    if X_val is not None:
        X_val = check_images(X_val, "X_val", width=X.shape[1]).astype(dtype, copy=False)
        y_val = check_labels_fit(params, y_val, "y_val", n=len(X_val))
    epochs = check_int(epochs, "epochs", low=0)
    lr = check_number(lr, "lr", positive=True)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    step_fn = OPTIMIZERS[check_choice(optimizer, "optimizer", OPTIMIZERS)]
    schedule = SCHEDULES[check_choice(lr_schedule, "lr_schedule", SCHEDULES)]
    check_choice(activation, "activation", ACTIVATIONS)
    weight_decay = check_number(weight_decay, "weight_decay", low=0)
    decoupled_decay = check_number(decoupled_decay, "decoupled_decay", low=0)
    if lr * decoupled_decay >= 1:  # the factor 1 - lr * decoupled_decay would zero or flip every weight
        fail("decoupled_decay", f"less than 1 / lr = {1 / lr:g}", f"{decoupled_decay:g}", "Try 1e-4 to 1e-2.")
    if patience is not None:
        patience = check_int(patience, "patience", low=1)
        if X_val is None:
            fail("patience", "X_val and y_val to watch", "none", "Pass the validation images and labels too.")
        if optimizer_state is not None:
            fix = "Early stopping ends a run (it returns an earlier epoch's weights): train it in one call."
            fail("patience", "a run trained in one call", "an optimizer_state to continue it", fix)
    dropout = check_number(dropout, "dropout", low=0, high=1)
    max_shift = check_int(max_shift, "max_shift", low=0, high=27)
    if max_shift and X.shape[1] != 784:
        fail("max_shift", "images of 28 x 28 pixels (784 inputs) to shift", f"{X.shape[1]} inputs", "Use max_shift=0.")
    if schedule_epochs is not None:
        schedule_epochs = check_int(schedule_epochs, "schedule_epochs", low=1)
    state = {} if optimizer_state is None else check_optimizer_state(optimizer_state, params)
    m = len(X)
    batch = m if batch_size is None else min(batch_size, m)
    steps_per_epoch = -(-m // batch)  # -(-a // b) is a / b rounded up
    total_steps = plan_schedule(state, params, optimizer, lr_schedule, lr, epochs, steps_per_epoch, schedule_epochs)

    rng = state.setdefault("rng", np.random.default_rng(seed))
    step = first_step = state.get("step", 0)
    history: dict[str, list] = {
        key: [] for key in ("epoch", "loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")
    }
    best: dict = {"loss": np.inf, "epoch": None, "params": None}  # early stopping's best epoch so far
    # TQDM_DISABLE=1 hides the bar too: `make run` sets it, so that the saved notebooks show the
    # one-line summary printed at the end instead of a progress widget frozen at 0%
    show_bar = progress and not os.environ.get("TQDM_DISABLE")
    bar = tqdm(total=epochs * steps_per_epoch, desc="training", unit="step", leave=True, disable=not show_bar)
    start, interrupted = time.perf_counter(), False
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by the loss check
            for _ in range(epochs):
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
                    probs, cache = _forward(params, Xb, activation, dropout, rng)  # inputs checked above
                    loss = _cross_entropy(probs, yb)
                    if not np.isfinite(loss):
                        error = FloatingPointError(divergence_message(loss, state.get("epoch", 0) + 1, step, lr))
                        error.history = pd.DataFrame(history)  # the epochs finished before it diverged
                        raise error
                    grads = _backward(params, cache, yb, weight_decay)
                    lr_now = schedule(lr, step, total_steps)
                    step_fn(params, grads, state, lr_now)
                    if decoupled_decay:  # AdamW: shrink the weights directly, not through the gradient
                        for key in params:
                            if key.startswith("W"):
                                params[key] *= params[key].dtype.type(1 - lr_now * decoupled_decay)
                    loss_sum += loss * len(yb)
                    correct += int(np.count_nonzero(probs.argmax(axis=1) == yb))
                    step += 1
                    state["step"] = step
                    bar.update(1)
                    if step % 50 == 0:
                        bar.set_postfix(loss=f"{loss_sum / min(i + batch, m):.4f}", refresh=False)
                val_loss = val_acc = float("nan")
                if X_val is not None:
                    val_probs, _ = _forward(params, X_val, activation, 0.0, None)
                    val_loss, val_acc = _cross_entropy(val_probs, y_val), float(np.mean(val_probs.argmax(1) == y_val))
                state["epoch"] = state.get("epoch", 0) + 1
                row = (
                    state["epoch"],
                    loss_sum / m,
                    correct / m,
                    val_loss,
                    val_acc,
                    lr_now,
                    time.perf_counter() - start,
                )
                for key, value in zip(history, row, strict=True):
                    history[key].append(value)
                bar.set_postfix(loss=f"{loss_sum / m:.4f}", val_acc=f"{val_acc:.4f}", refresh=False)
                if patience is not None:
                    if not np.isfinite(val_loss):
                        raise FloatingPointError(divergence_message(val_loss, state["epoch"], step - 1, lr))
                    if val_loss < best["loss"]:
                        best.update(
                            loss=val_loss, epoch=state["epoch"], params={k: W.copy() for k, W in params.items()}
                        )
                    elif state["epoch"] - best["epoch"] >= patience:
                        break
    except KeyboardInterrupt:
        interrupted = True
        print(f"Interrupted after {step - first_step} steps; returning the history so far.")
    finally:
        bar.close()
    if progress and history["epoch"]:
        print(
            f"{len(history['epoch'])} epochs ({step - first_step} steps) in {history['seconds'][-1]:.1f} s: "
            f"loss {history['loss'][-1]:.4f}, train_acc {history['train_acc'][-1]:.4f}, "
            f"val_acc {history['val_acc'][-1]:.4f}"
        )
    if best["params"] is not None:  # early stopping: back to the weights of the best epoch, in place
        for key, W in best["params"].items():
            params[key][...] = W
    result = pd.DataFrame(history)
    result.attrs["interrupted"] = interrupted
    result.attrs["best_epoch"] = best["epoch"]
    return result


def check_optimizer_state(state: dict, params: Params) -> dict:
    """An optimizer_state passed back to `train` must belong to these very parameters.

    The state holds the optimiser's memory of one network's gradients and that run's
    step count: carried into a fresh network (a new seed in a sweep, with the same
    shapes) it would silently start the new run with the old run's momentum and schedule.
    """
    if not isinstance(state, dict):
        fail(
            "optimizer_state",
            "a dict (start with {} and pass the same one again)",
            type(state).__name__,
            error=TypeError,
        )
    made_for = state.get("params")
    if made_for is not None and (made_for.keys() != params.keys() or any(made_for[k] is not params[k] for k in params)):
        epochs_done = state.get("epoch", 0)
        done = f"{epochs_done} epoch{'s' * (epochs_done != 1)} of another network"
        fail(
            "optimizer_state",
            "the state of the params it was made for",
            f"other params (this state holds {done}, layer sizes {layer_sizes(made_for)})",
            "Give each new network a new, empty optimizer_state {}.",
        )
    state["params"] = dict(params)  # the arrays themselves: update them in place, never replace them
    return state


def plan_schedule(
    state: dict,
    params: Params,
    optimizer: str,
    lr_schedule: str,
    lr: float,
    epochs: int,
    steps_per_epoch: int,
    schedule_epochs: int | None,
) -> int:
    """The number of steps the learning-rate schedule spans, checked before any training.

    A run is one schedule, however many calls of `train` it takes. The first call fixes
    it (`schedule_epochs`, or else this call's `epochs`) and the state remembers it, with
    the optimiser, the schedule and lr, so a later call continues the same run: it may
    not change them (lr only under a constant schedule), nor ask for more epochs than the
    schedule has left. A cosine
    schedule ends at lr 0: past its end it would climb back up (and Adam would divide by 0).
    """
    planned = state.get("plan")
    done = state.get("step", 0)
    total = None if schedule_epochs is None else schedule_epochs * steps_per_epoch
    if planned is None:  # the first call of this run
        total = total if total is not None else epochs * steps_per_epoch
        if schedule_epochs is not None and schedule_epochs < epochs:
            fail(
                "schedule_epochs",
                f"at least epochs={epochs}: the schedule spans the whole run",
                f"{schedule_epochs}",
                "Set schedule_epochs to the total number of epochs of the run, or leave it out.",
            )
        state["plan"] = {"optimizer": optimizer, "lr_schedule": lr_schedule, "lr": lr, "total_steps": total,
                         "steps_per_epoch": steps_per_epoch}  # fmt: skip
        return total
    for setting, value in (("optimizer", optimizer), ("lr_schedule", lr_schedule), ("lr", lr)):
        if value != planned[setting] and not (setting == "lr" and lr_schedule == "constant"):
            fail(
                setting,
                f"{planned[setting]!r}, as in the run this optimizer_state continues",
                repr(value),
                "Continue with the same settings, or start a new run with a new optimizer_state {}.",
            )
    if lr_schedule != "constant" and steps_per_epoch != planned["steps_per_epoch"]:
        fail(
            "batch_size",
            f"the {planned['steps_per_epoch']} steps per epoch this run's schedule was planned for",
            f"{steps_per_epoch} steps per epoch (another batch size or number of images)",
            "Continue with the same images and batch size, or start a new run with a new optimizer_state {}.",
        )
    if total is not None and total != planned["total_steps"]:
        fail(
            "schedule_epochs",
            f"the schedule this run started with ({planned['total_steps'] // steps_per_epoch} epochs)",
            f"{schedule_epochs}",
            "Leave schedule_epochs out when continuing a run: the state remembers it.",
        )
    if lr_schedule != "constant" and done + epochs * steps_per_epoch > planned["total_steps"]:
        left = (planned["total_steps"] - done) // steps_per_epoch
        fail(
            "epochs",
            f"at most the {left} epochs left of this run's {lr_schedule} schedule",
            f"{epochs}",
            "Start the run with schedule_epochs set to the total number of epochs you will train.",
        )
    return planned["total_steps"]


def divergence_message(loss: float, epoch: int, step: int, lr: float) -> str:
    """Why the loss stopped being a number. The inputs and the starting weights were
    checked to be finite on the way in, so the weights grew until they overflowed."""
    return (
        f"the loss became {loss} at epoch {epoch}, step {step + 1}: the weights grew until they overflowed. "
        f"The learning rate (lr={lr:g}) is probably too high for this network; try lr={lr / 10:g}"
    )


def train_config(name: str, X: np.ndarray, y: np.ndarray, **kwargs) -> tuple[Params, pd.DataFrame]:
    """Create and train the network named in CONFIGS; returns `(params, history)`.

    Keyword arguments go to `train` and override the configuration's own
    settings: `train_config("best", X, y, max_shift=0)` is "best" without shifts.
    """
    check_choice(name, "name", CONFIGS)
    config = {**CONFIGS[name], **kwargs}
    params = init_params(config.pop("layer_sizes"), seed=config.get("seed", 0), init=config.pop("init", "he"))
    history = train(params, X, y, **config)
    return params, history
