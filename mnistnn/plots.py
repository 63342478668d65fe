"""The figures the notebooks show: digits, training curves, confusion matrices, weights.

Each function draws one kind of figure and returns the matplotlib Figure, so a
notebook can show it and save it with `save_figure(fig, "name.png")`.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import SymLogNorm
from matplotlib.ticker import MaxNLocator

RESULTS_DIR_ENV = "MNISTNN_RESULTS_DIR"
# results/ is committed, so only `make run` rewrites it: it sets this variable. Anywhere else
# (a learner's session, `make test`) figures are shown but not saved, and the tree stays clean.
SAVE_ENV = "MNISTNN_SAVE_RESULTS"


def results_path(name: str) -> Path:
    """Path of a file in the repository's results/ folder (or $MNISTNN_RESULTS_DIR), folders created."""
    env = os.environ.get(RESULTS_DIR_ENV)
    folder = Path(env).expanduser() if env else Path(__file__).resolve().parent.parent / "results"
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def saving_results() -> bool:
    """True when the notebooks should write their figures and tables into results/ (`make run`)."""
    return os.environ.get(SAVE_ENV) == "1"


def save_figure(fig: plt.Figure, name: str) -> Path | None:
    """Save a figure as results/<name> (PNG) when `make run` asks for it; return the path, or None."""
    if not saving_results():
        return None
    path = results_path(name)
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    return path


def save_table(table: pd.DataFrame, name: str, **to_csv_options) -> Path | None:
    """Save a table as results/<name> (CSV, no index) when `make run` asks for it; return the path, or None."""
    if not saving_results():
        return None
    path = results_path(name)
    table.to_csv(path, **({"index": False} | to_csv_options))
    return path


def show_images(
    images: np.ndarray, titles: list[str] | None = None, ncols: int = 10, size: float = 1.0, cmap: str = "gray_r"
) -> plt.Figure:
    """A grid of digits. images: (n, 784) or (n, 28, 28); titles: one string per image."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * (1.25 if titles else 1)))
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap)
            if titles:
                ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig


def plot_history(history: pd.DataFrame, title: str = "") -> plt.Figure:
    """Loss and accuracy per epoch, training against validation, side by side."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.5))
    ax_loss.plot(history["epoch"], history["loss"], label="training loss")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_acc.plot(history["epoch"], history["train_acc"], label="training")
    if history["val_acc"].notna().any():
        ax_acc.plot(history["epoch"], history["val_acc"], label="validation")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(loc="best")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts (num_classes, num_classes): row = true digit, column = predicted digit."""
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def plot_confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, title: str = "") -> plt.Figure:
    """The confusion matrix as a heat map with every count written in its cell."""
    cm = confusion_matrix(y_true, y_pred)
    fig, ax = plt.subplots(figsize=(6.2, 5))
    # a log scale keeps the small off-diagonal counts visible next to the large diagonal
    image = ax.imshow(cm, cmap="Blues", norm=SymLogNorm(linthresh=1, vmin=0, vmax=cm.max()))
    fig.colorbar(image, ax=ax, label="images (log scale)")
    for (i, j), n in np.ndenumerate(cm):
        ax.text(j, i, n, ha="center", va="center", fontsize=8, color="white" if i == j else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted digit", ylabel="true digit")
    ax.set_title(title or f"accuracy {np.mean(y_true == y_pred):.2%}")
    fig.tight_layout()
    return fig


def show_misclassified(X: np.ndarray, y_true: np.ndarray, probs: np.ndarray, n: int = 20) -> plt.Figure:
    """The n misclassified digits the model was most confident about.

    Titles read "pred 7 (93%) / true 2": predicted digit, its probability, true digit.
    """
    y_pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    wrong = wrong[np.argsort(-probs[wrong, y_pred[wrong]], kind="stable")][:n]
    titles = [f"pred {y_pred[i]} ({probs[i, y_pred[i]]:.0%})\ntrue {y_true[i]}" for i in wrong]
    return show_images(X[wrong], titles, ncols=10, size=1.2)


def plot_predictions(X: np.ndarray, probs: np.ndarray, y_true: np.ndarray | None = None) -> plt.Figure:
    """A few digits, each above a bar chart of the network's 10 probabilities.

    The predicted digit's bar is green when it is right and red when it is wrong;
    the true digit is marked with a black outline and a triangle under its bar.
    """
    n = len(X)
    fig, axes = plt.subplots(2, n, figsize=(1.8 * n, 3.8), squeeze=False)
    for i in range(n):
        predicted = probs[i].argmax()
        axes[0, i].imshow(X[i].reshape(28, 28), cmap="gray_r")
        axes[0, i].axis("off")
        right = y_true is None or predicted == y_true[i]
        colors = ["tab:gray"] * 10
        colors[predicted] = "tab:green" if right else "tab:red"
        bars = axes[1, i].bar(range(10), probs[i], color=colors)
        if y_true is not None:
            axes[0, i].set_title(f"true {y_true[i]}, read {predicted}", fontsize=9, color="black" if right else "red")
            bars[y_true[i]].set(edgecolor="black", linewidth=1.5)
            axes[1, i].plot(y_true[i], -0.08, marker="^", color="black", clip_on=False)
        axes[1, i].set(ylim=(0, 1), xticks=range(10))
        axes[1, i].tick_params(labelsize=7)
        if i:
            axes[1, i].set_yticklabels([])
    fig.tight_layout()
    return fig


def show_weights(W1: np.ndarray, n: int = 10, ncols: int = 10, label: str = "unit") -> plt.Figure:
    """The first n columns of W1 (784, h) as 28x28 images: what each hidden unit looks for.

    Red pixels push the unit's input up, blue pixels push it down.
    """
    n = min(n, W1.shape[1])
    nrows = -(-n // ncols)
    limit = np.abs(W1[:, :n]).max()  # one colour scale for every unit, so they can be compared
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 1.1 + 0.8, nrows * 1.2))
    for j, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if j < n:
            image = ax.imshow(W1[:, j].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"{label} {j}", fontsize=8)
    fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
    return fig


def standard_error(accuracy: float, n: int) -> float:
    """The standard error of an accuracy measured on n independent images.

    Each image is right or wrong like a coin toss with probability p = accuracy,
    so the count of right answers has standard deviation sqrt(n p (1 - p)), and
    the accuracy sqrt(p (1 - p) / n). At 98% on 10,000 test images that is 0.14
    points: two models 0.1 points apart on the test set are not distinguishable.
    """
    return float(np.sqrt(accuracy * (1 - accuracy) / n))


def plot_error_rates(accuracies: pd.Series, n: int, title: str = "", highlight: str = "") -> plt.Figure:
    """Horizontal bars of the error rate (1 - accuracy) of each model, on an axis from 0.

    `accuracies` maps model names to accuracies measured on n images; the error
    bars show one standard error either side. Models whose name starts with
    `highlight` are drawn in orange, the others in blue. An axis from 0 keeps
    the lengths honest: a model with twice the errors has a bar twice as long.
    """
    ordered = accuracies.sort_values()  # the worst (longest bar) at the bottom
    errors = 100 * (1 - ordered)
    spread = [100 * standard_error(a, n) for a in ordered]
    colors = ["tab:orange" if highlight and str(m).startswith(highlight) else "tab:blue" for m in ordered.index]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(ordered) + 1.2))
    ax.barh(ordered.index.astype(str), errors, xerr=spread, color=colors, capsize=3)
    for i, (err, se, acc) in enumerate(zip(errors, spread, ordered, strict=True)):
        ax.text(err + se + max(errors) * 0.02, i, f"{err:.2f}% wrong ({acc:.2%} right)", va="center", fontsize=8)
    ax.set(xlim=(0, max(errors) * 1.45), xlabel=f"error rate on {n:,} images (%), with one standard error")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_sweep(results: pd.DataFrame, x: str, y: str = "val_acc", title: str = "", log_x: bool = False) -> plt.Figure:
    """The mean of `y` over seeds at each value of `x`, with the lowest and highest run as a band.

    `results` has one row per run: the setting `x` (a number: a learning rate, a width),
    a `seed` column and the measured `y`. For settings that are names, see `plot_choices`.
    """
    stats = results.groupby(x, sort=True)[y].agg(["mean", "min", "max"])
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    ax.plot(stats.index, stats["mean"], marker="o", label=f"mean of {results['seed'].nunique()} seeds")
    ax.fill_between(stats.index, stats["min"], stats["max"], alpha=0.25, label="lowest to highest seed")
    if log_x:
        ax.set_xscale("log")
    ax.set(xlabel=x, ylabel=y.replace("_", " "), title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def plot_computational_graph() -> plt.Figure:
    """The two-layer network as a computational graph.

    Left to right along the top of each arrow (black): the forward pass, each
    node a value with its shape. Right to left under it (red): the backward
    pass, each arrow carrying the gradient of the loss with respect to the
    value it points to. Parameters sit above the node they feed.
    """
    fig, ax = plt.subplots(figsize=(13, 4.6))
    ax.set(xlim=(-0.6, 10.8), ylim=(-2.1, 2.8))
    ax.axis("off")
    nodes = {  # name: (x, y, shape)
        "X": (0, 0, "m × 784"),
        "Z₁": (2, 0, "m × h"),
        "A₁": (4, 0, "m × h"),
        "Z₂": (6, 0, "m × 10"),
        "A₂": (8, 0, "m × 10"),
        "L": (10, 0, "a number"),
        "W₁, b₁": (2, 1.9, "784 × h, h"),
        "W₂, b₂": (6, 1.9, "h × 10, 10"),
        "y": (10, 1.9, "m labels"),
    }
    for name, (x, y, shape) in nodes.items():
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=14,
            bbox={"boxstyle": "round,pad=0.4", "fc": "lightyellow" if y else "white", "ec": "black"},
        )
        above = y > 0  # parameters: their shape above them, clear of the arrow going down
        ax.text(
            x,
            y + 0.45 if above else y - 0.45,
            shape,
            ha="center",
            va="bottom" if above else "top",
            fontsize=8,
            color="dimgray",
        )

    def arrow(a, b, label, color, offset, **text):
        (x0, y0, _), (x1, y1, _) = nodes[a], nodes[b]
        ax.annotate(
            "",
            xy=(x1, y1 + offset),
            xytext=(x0, y0 + offset),
            arrowprops={"arrowstyle": "->", "color": color, "shrinkA": 22, "shrinkB": 22, "lw": 1.5},
        )
        ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2 + offset + (0.12 if offset >= 0 else -0.12),
            label,
            color=color,
            ha="center",
            va="bottom" if offset >= 0 else "top",
            fontsize=9,
            **text,
        )

    forward = [
        ("X", "Z₁", "X W₁ + b₁"),
        ("Z₁", "A₁", "ReLU"),
        ("A₁", "Z₂", "A₁ W₂ + b₂"),
        ("Z₂", "A₂", "softmax"),
        ("A₂", "L", "mean of −log A₂[i, yᵢ]"),
    ]
    for a, b, label in forward:
        arrow(a, b, label, "black", 0.12)
    backward = [
        ("L", "Z₂", "dZ₂ = (A₂ − Y) / m   (softmax and loss together)", -1.0),
        ("Z₂", "A₁", "dA₁ = dZ₂ W₂ᵀ", -0.2),
        ("A₁", "Z₁", "dZ₁ = dA₁ ⊙ [Z₁ > 0]", -0.2),
    ]
    for a, b, label, offset in backward:
        arrow(a, b, label, "tab:red", offset)
    arrow("W₁, b₁", "Z₁", "", "black", 0)
    arrow("W₂, b₂", "Z₂", "", "black", 0)
    arrow("y", "L", "", "black", 0)
    ax.text(2.15, 1.0, "dW₁ = Xᵀ dZ₁\ndb₁ = Σᵢ dZ₁", color="tab:red", fontsize=9, va="center")
    ax.text(6.15, 1.0, "dW₂ = A₁ᵀ dZ₂\ndb₂ = Σᵢ dZ₂", color="tab:red", fontsize=9, va="center")
    ax.text(
        5,
        -1.75,
        "black: forward pass, values and their shapes    red: backward pass, the gradient of L "
        "with respect to each value (dZ means ∂L/∂Z)",
        ha="center",
        fontsize=9,
        color="dimgray",
    )
    ax.set_title("The two-layer network as a computational graph", fontsize=12)
    fig.tight_layout()
    return fig


def plot_validation_and_gap(results: pd.DataFrame, x: str, title: str = "") -> plt.Figure:
    """Two panels for a regularisation sweep: validation accuracy, and the train - validation gap.

    `results` has one row per run: the setting `x`, a `seed`, `train_acc` and `val_acc`.
    Settings keep the order in which they first appear. Left: the mean validation
    accuracy over seeds, with bars from the lowest to the highest seed (the number
    that counts). Right: the mean gap in points, as bars on an axis from 0 with the
    same lowest-to-highest bars, since a smaller gap only helps if validation accuracy
    does not fall with it.
    """
    order = list(dict.fromkeys(results[x]))
    runs = results.assign(gap=100 * (results["train_acc"] - results["val_acc"]), val=100 * results["val_acc"])
    stats = runs.groupby(x, sort=False)[["val", "gap"]].agg(["mean", "min", "max"]).loc[order]
    positions = np.arange(len(order))
    labels = [str(setting) for setting in order]
    fig, (ax_val, ax_gap) = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, column in ((ax_val, "val"), (ax_gap, "gap")):
        mean = stats[(column, "mean")].to_numpy()
        spread = [mean - stats[(column, "min")].to_numpy(), stats[(column, "max")].to_numpy() - mean]
        if column == "val":
            ax.errorbar(positions, mean, yerr=spread, fmt="o", capsize=4, color="tab:blue")
            ax.set(ylabel="validation accuracy (%)", title="validation accuracy: higher is better")
        else:
            ax.bar(positions, mean, yerr=spread, capsize=4, color="tab:purple")
            ax.set(ylabel="training - validation (points)", title="generalisation gap")
            ax.set_ylim(bottom=min(0, stats[(column, "min")].min() * 1.2))
            ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(positions, labels, rotation=20, ha="right")
        ax.grid(alpha=0.3, axis="y")
    seeds = results["seed"].nunique()
    fig.suptitle(f"{title} (mean of {seeds} seeds; bars: lowest to highest seed)" if title else "")
    fig.tight_layout()
    return fig


def plot_choices(results: pd.DataFrame, x: str, y: str = "val_acc", title: str = "") -> plt.Figure:
    """A sweep over settings that are names, not numbers (initialisations, activations, optimisers).

    `results` has one row per run: the setting `x`, a `seed` and the measured `y`. Each
    setting gets a dot at its mean over seeds and a bar from its lowest to its highest
    seed; no line joins the dots, since there is nothing between two names. Settings
    keep the order in which they first appear.
    """
    order = list(dict.fromkeys(results[x]))
    stats = results.groupby(x, sort=False)[y].agg(["mean", "min", "max"]).loc[order]
    positions = np.arange(len(order))
    mean = stats["mean"].to_numpy()
    spread = [mean - stats["min"].to_numpy(), stats["max"].to_numpy() - mean]
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    label = f"mean of {results['seed'].nunique()} seeds, bar from lowest to highest"
    ax.errorbar(positions, mean, yerr=spread, fmt="o", capsize=5, markersize=7, label=label)
    ax.set_xticks(positions, [str(setting) for setting in order])
    ax.set_xlim(-0.5, len(order) - 0.5)
    ax.set(xlabel=x, ylabel=y.replace("_", " "), title=title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig
