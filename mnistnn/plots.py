"""The figures the notebooks show: digits, training curves, confusion matrices, weights.

Each function draws one kind of figure and returns the matplotlib Figure, so a
notebook can show it and save it with `save_figure(fig, "name.png")`.

Like the network's functions, each one first checks its inputs with the helpers
of mnistnn.checks. Lists and pandas Series are taken by their values, never by
their index. A wrong shape, an empty input, an accuracy in percent, probabilities
where digits belong (or the reverse) or a missing column is refused with the fix:
a figure that is drawn wrong looks just as convincing as a right one.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import SymLogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .checks import check_images, check_int, check_labels, check_number, check_params, check_probabilities, fail
from .stats import standard_error

RESULTS_DIR_ENV = "MNISTNN_RESULTS_DIR"
# results/ is committed, so only `make run` rewrites it: it sets this variable. Anywhere else
# (a learner's session, `make test`) figures are shown but not saved, and the tree stays clean.
SAVE_ENV = "MNISTNN_SAVE_RESULTS"
MAX_IMAGES = 100  # more digits are too small to see, and 60,000 axes take minutes and gigabytes
MAX_PREDICTIONS = 20  # plot_predictions puts every digit and its bar chart side by side
# colours that stay apart for colour-blind readers (Okabe and Ito); right and wrong are blue and vermillion
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
RIGHT, WRONG = OKABE_ITO[0], OKABE_ITO[5]


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


def _a(value: Any) -> str:
    """A wrong argument's type, briefly ("a tuple"), never the repr of a whole table."""
    kind = type(value).__name__
    return f"{'an' if kind[0] in 'AEIOUaeiou' else 'a'} {kind}"


def _file_name(name: Any, extensions: list[str], saver: str, elsewhere: str) -> str:
    """`name` as a file name inside results/, given extensions[0] when it has none."""
    example = f"'history{extensions[0]}'"
    if not isinstance(name, (str, os.PathLike)):
        fail("name", f"a file name such as {example}", _a(name), error=TypeError)
    path = Path(name)
    if not path.name:
        fail("name", f"a file name such as {example}", repr(str(name)))
    if path.is_absolute() or ".." in path.parts or str(name).startswith("~"):
        fix = f"{saver} writes into results/ only; for another folder use {elsewhere}."
        fail("name", f"a file name inside results/, such as {example}", repr(str(name)), fix)
    if not path.suffix:
        path = path.with_suffix(extensions[0])
    if path.suffix.lower() not in extensions:
        ending = extensions[0] if len(extensions) == 1 else f"one of {', '.join(extensions)}"
        fix = f"Use {str(path.with_suffix(extensions[0]))!r}."
        fail("name", f"a file name ending in {ending}", repr(str(name)), fix)
    return str(path)


def save_figure(fig: plt.Figure, name: str) -> Path | None:
    """Save a figure as results/<name> when `make run` asks for it; return the path, or None.

    A name without an extension is saved as PNG: "history" becomes results/history.png.
    The arguments are checked on every call, so a wrong name fails in `make test` too.
    """
    if not isinstance(fig, Figure):
        fix = "plt.subplots() returns (fig, ax): pass fig."
        fix = "Pass ax.figure." if isinstance(fig, Axes) else fix
        fix = "The order is save_figure(fig, name)." if isinstance(fig, (str, os.PathLike)) else fix
        fail("fig", "a matplotlib Figure", _a(fig), fix, error=TypeError)
    others = sorted(f".{kind}" for kind in fig.canvas.get_supported_filetypes() if kind != "png")
    name = _file_name(name, [".png", *others], "save_figure", "fig.savefig(path)")
    if not saving_results():
        return None
    path = results_path(name)
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    return path


def save_table(table: pd.DataFrame, name: str, **to_csv_options) -> Path | None:
    """Save a table as results/<name> (CSV, no index) when `make run` asks for it; return the path, or None.

    A name without an extension gets ".csv"; the arguments are checked on every call.
    """
    if not isinstance(table, pd.DataFrame):
        fix = "The order is save_table(table, name)." if isinstance(table, (str, os.PathLike)) else ""
        fail("table", "a pandas DataFrame", _a(table), fix or "Make one with pd.DataFrame(rows).", error=TypeError)
    name = _file_name(name, [".csv"], "save_table", "table.to_csv(path)")
    if not saving_results():
        return None
    path = results_path(name)
    table.to_csv(path, **({"index": False} | to_csv_options))
    return path


def _as_images(images: Any, name: str) -> np.ndarray:
    """Images as (n, 784), from (n, 784) or (n, 28, 28). Any range of values: imshow scales each image."""
    images = np.asarray(images)
    if images.shape == (28, 28):
        fix = f"Use {name}.reshape(1, 784) for a batch of one."
        fail(name, "images, shape (n, 784) or (n, 28, 28)", "one image, shape (28, 28)", fix)
    if images.ndim == 3 and images.shape[1:] == (28, 28):
        images = images.reshape(len(images), 784)
    if images.dtype.kind in "iu":
        images = images.astype(np.float32)  # raw 0-255 pixels are shown just as well
    images = check_images(images, name, values=False)
    if not np.isfinite(images).all():
        row = int(np.argwhere(~np.isfinite(images))[0, 0])
        fail(name, "finite pixel values", f"NaN or infinity in image {row}")
    return images


def show_images(
    images: np.ndarray, titles: list[str] | None = None, ncols: int = 10, size: float = 1.0, cmap: str = "gray_r"
) -> plt.Figure:
    """A grid of at most 100 digits. images: (n, 784) or (n, 28, 28); titles: one per image."""
    images = _as_images(images, "images").reshape(-1, 28, 28)
    if len(images) > MAX_IMAGES:
        fix = "Pick a few, e.g. show_images(X[:20]) or show_images(X[indices])."
        fail("images", f"at most {MAX_IMAGES} images", f"{len(images):,}", fix)
    if titles is not None:
        if isinstance(titles, str) or not hasattr(titles, "__iter__"):
            fix = f"Use [{titles!r}] * {len(images)} to give them all the same title."
            fail("titles", f"one title per image, a list of {len(images)}", f"{_a(titles)} {titles!r}", fix)
        titles = [str(title) for title in titles]  # labels (numbers) make titles too
        if len(titles) != len(images):
            fail("titles", f"one title per image: {len(images)} titles", f"{len(titles)}")
    ncols = check_int(ncols, "ncols", low=1)
    size = check_number(size, "size", positive=True)
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


def _check_table(table: Any, name: str, columns: list[str], fix: str = "") -> pd.DataFrame:
    """A DataFrame with at least these columns and one row; a missing column gets "did you mean"."""
    if not isinstance(table, pd.DataFrame):
        fix = fix or (f"Use pd.DataFrame({name})." if isinstance(table, (dict, list)) else "")
        fail(name, f"a pandas DataFrame with columns {columns}", _a(table), fix, error=TypeError)
    missing = [column for column in columns if column not in table.columns]
    if missing:
        close = difflib.get_close_matches(missing[0], [str(c) for c in table.columns], n=1)
        found = f"columns {list(table.columns)}, without {missing}"
        fail(name, f"columns {columns}", found, f"Did you mean {close[0]!r}?" if close else "")
    if len(table) == 0:
        fail(name, "at least one row", "an empty table")
    return table


def _check_numbers(values: pd.Series, name: str, fix: str = "") -> None:
    """A column of numbers with at least one measured (not NaN)."""
    if values.dtype == bool or not pd.api.types.is_numeric_dtype(values):
        fail(name, "numbers", f"values such as {values.iloc[0]!r}", fix, error=TypeError)
    if values.isna().all():
        fail(name, "measured numbers", "only missing values (NaN)", fix)


def _check_accuracies(values: Any, name: str) -> np.ndarray:
    """Accuracies as fractions in [0, 1] (NaN passes: not measured); 97.8 gets the fix "97.8 / 100"."""
    values = np.asarray(values)
    if values.dtype == object and pd.isna(values).all():  # train() without X_val: a column of None
        values = np.full(values.shape, np.nan)
    if values.dtype == bool or not np.issubdtype(values.dtype, np.number):
        fail(name, "accuracies, numbers from 0 to 1", f"dtype {values.dtype}", error=TypeError)
    bad = (values < 0) | (values > 1) | np.isinf(values)
    if bad.any():
        value = float(values[bad].flat[0])
        fix = f"Accuracies are fractions: use {value:g} / 100" if 1 < value <= 100 else ""
        fix += (f" (divide {name} by 100)." if values.size > 1 else ".") if fix else ""
        expected = "accuracies as fractions in [0, 1]" if values.size > 1 else "an accuracy as a fraction in [0, 1]"
        fail(name, expected, f"{value:g}", fix)
    return values.astype(np.float64)


def plot_history(history: pd.DataFrame, title: str = "") -> plt.Figure:
    """Loss and error rate per epoch, training against validation (if measured), side by side.

    history: the DataFrame `train` returns, with columns epoch, loss, train_acc, and val_loss and
    val_acc when it was given validation images. Both axes start at 0, so that a curve's height
    is its size; the error rate (1 - accuracy, in %) is the accuracy turned over.
    """
    fix = ""
    if isinstance(history, tuple):
        fix = "train_config returns (params, history): use params, history = train_config(...)."
    history = _check_table(history, "history", ["epoch", "loss", "train_acc"], fix)
    for column in ("epoch", "loss"):
        _check_numbers(history[column], f"history['{column}']")
    for column in ("train_acc", "val_acc"):
        if column in history:
            _check_accuracies(history[column], f"history['{column}']")
    fig, (ax_loss, ax_err) = plt.subplots(1, 2, figsize=(10, 3.5))
    ax_loss.plot(history["epoch"], history["loss"], label="training", color=OKABE_ITO[0])
    if "val_loss" in history and history["val_loss"].notna().any():
        ax_loss.plot(history["epoch"], history["val_loss"], label="validation", color=OKABE_ITO[1])
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_err.plot(history["epoch"], 100 * (1 - history["train_acc"]), label="training", color=OKABE_ITO[0])
    if "val_acc" in history and history["val_acc"].notna().any():
        ax_err.plot(history["epoch"], 100 * (1 - history["val_acc"]), label="validation", color=OKABE_ITO[1])
    ax_err.set(xlabel="epoch", ylabel="error rate (%)", title="error rate: 100% - accuracy")
    for ax in (ax_loss, ax_err):
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _check_digits(y: Any, name: str, n: int | None = None, num_classes: int = 10) -> np.ndarray:
    """Digits 0-9, one per image (true labels or predictions), taken by value; at least one."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == num_classes:
        found = f"shape {y.shape} (probabilities or one-hot rows?)"
        fix = "Pass digits: probs.argmax(axis=1) is the most probable digit of each row."
        fail(name, f"digits 0-{num_classes - 1}, one per image, shape (m,)", found, fix)
    y = check_labels(y, name, n=n, num_classes=num_classes)
    if len(y) == 0:
        fail(name, "at least one digit", "none (an empty array)")
    return y


def _check_digit_pair(y_true: Any, y_pred: Any, num_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    y_true = _check_digits(y_true, "y_true", num_classes=num_classes)
    y_pred = _check_digits(y_pred, "y_pred", num_classes=num_classes)
    if len(y_pred) != len(y_true):
        fix = "Predict the images that y_true labels."
        fail("y_pred", f"one predicted digit per label of y_true: {len(y_true)}", f"{len(y_pred)}", fix)
    return y_true, y_pred


def _check_order(digits: Any, probs: Any, call: str) -> None:
    """Digits that look like probabilities next to probabilities that look like digits: swapped."""
    if np.ndim(digits) == 2 and np.ndim(probs) == 1:
        found = f"shape {np.shape(digits)}, and probs shape {np.shape(probs)}"
        fail("y_true", "digits 0-9, shape (m,)", found, f"Arguments swapped? The order is {call}.")


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts (num_classes, num_classes): row = true digit, column = predicted digit."""
    num_classes = check_int(num_classes, "num_classes", low=2)
    y_true, y_pred = _check_digit_pair(y_true, y_pred, num_classes)
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def plot_confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, title: str = "") -> plt.Figure:
    """The confusion matrix as a heat map with every count written in its cell."""
    y_true, y_pred = _check_digit_pair(y_true, y_pred)
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
    """The n misclassified digits (at most 100) the model was most confident about.

    Titles read "pred 7 (93%) / true 2": predicted digit, its probability, true digit. The
    probability is shown with the digits it takes not to round up to 100% (99.6%, 99.97%).
    """
    X = _as_images(X, "X")
    _check_order(y_true, probs, "show_misclassified(X, y_true, probs)")
    y_true = _check_digits(y_true, "y_true", n=len(X))
    probs = check_probabilities(probs, "probs", n=len(X))
    n = check_int(n, "n", low=1, high=MAX_IMAGES)
    y_pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    if len(wrong) == 0:  # nothing to show: say so, in a figure like any other
        fig, ax = plt.subplots(figsize=(6, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, f"no misclassified digits: all {len(X):,} are read right", ha="center", va="center")
        return fig
    wrong = wrong[np.argsort(-probs[wrong, y_pred[wrong]], kind="stable")][:n]
    titles = [f"pred {y_pred[i]} ({percent(probs[i, y_pred[i]])})\ntrue {y_true[i]}" for i in wrong]
    return show_images(X[wrong], titles, ncols=10, size=1.2)


def plot_predictions(X: np.ndarray, probs: np.ndarray, y_true: np.ndarray | None = None) -> plt.Figure:
    """A few digits (at most 20), each above a bar chart of the network's 10 probabilities.

    The predicted digit's bar is blue when it is right and vermillion when it is wrong
    (a pair that colour-blind readers tell apart), and the title says so in words, with a
    check mark or a cross; the true digit is marked with a black outline and a triangle.
    """
    X = _as_images(X, "X")
    if len(X) > MAX_PREDICTIONS:
        fix = "Pick a few, e.g. plot_predictions(X[:6], probs[:6], y_true[:6])."
        fail("X", f"at most {MAX_PREDICTIONS} digits", f"{len(X):,}", fix)
    if y_true is not None:
        _check_order(y_true, probs, "plot_predictions(X, probs, y_true)")
        y_true = _check_digits(y_true, "y_true", n=len(X))
    probs = check_probabilities(probs, "probs", n=len(X))
    n = len(X)
    fig, axes = plt.subplots(2, n, figsize=(1.8 * n, 3.8), squeeze=False)
    for i in range(n):
        predicted = probs[i].argmax()
        axes[0, i].imshow(X[i].reshape(28, 28), cmap="gray_r")
        axes[0, i].axis("off")
        right = y_true is None or predicted == y_true[i]
        colors = ["lightgray"] * 10
        colors[predicted] = RIGHT if right else WRONG
        bars = axes[1, i].bar(range(10), probs[i], color=colors)
        if y_true is not None:
            mark = "✓" if right else "✗"
            title = f"{mark} true {y_true[i]}, read {predicted}"
            axes[0, i].set_title(title, fontsize=9, color="black" if right else WRONG)
            bars[y_true[i]].set(edgecolor="black", linewidth=1.5)
            axes[1, i].plot(y_true[i], -0.08, marker="^", color="black", clip_on=False)
        axes[1, i].set(ylim=(0, 1), xticks=range(10))
        axes[1, i].tick_params(labelsize=7)
        if i:
            axes[1, i].set_yticklabels([])
    fig.tight_layout()
    return fig


def show_weights(
    W1: np.ndarray, n: int = 10, ncols: int = 10, label: str = "unit", clip: float = 100.0, size: float = 1.1
) -> plt.Figure:
    """The first n columns (at most 100) of W1 (784, h) as 28x28 images: what each hidden unit looks for.

    Red pixels push the unit's input up, blue pixels push it down. One symmetric colour scale for
    all, from -L to L, where L is the `clip` percentile of the shown weights' sizes |w|: 100 (the
    default) is the largest; 99 lets the largest 1% saturate, so that one large weight does not
    wash out the rest (the colour bar then says so). `size`: the width of each image, in inches.
    """
    expected = "the first layer's weights, one row per pixel: shape (784, h)"
    if isinstance(W1, dict):
        fail("W1", expected, "a dict (all the params?)", "Pass params['W1'].", error=TypeError)
    W1 = np.asarray(W1)
    if W1.ndim == 2 and W1.shape[1] == 784 and W1.shape[0] != 784:
        fix = "Pass W1.T (scikit-learn's coef_ is (units, 784): pass coef_.T)."
        fail("W1", expected, f"shape {W1.shape}, one row per unit", fix)
    if W1.ndim != 2 or W1.shape[0] != 784:
        fail("W1", expected, f"shape {W1.shape}", "Pass params['W1']: only the first layer's weights are images.")
    if W1.dtype == bool or not np.issubdtype(W1.dtype, np.number):
        fail("W1", "weights, numbers", f"dtype {W1.dtype}", error=TypeError)
    if not np.isfinite(W1).all():
        fail("W1", "finite weights", "NaN or infinity", "The training diverged: train it again with a lower lr.")
    n = min(check_int(n, "n", low=1, high=MAX_IMAGES), W1.shape[1])
    ncols = check_int(ncols, "ncols", low=1)
    clip = check_number(clip, "clip", positive=True)
    if clip > 100:
        fail("clip", "a percentile of the weights' sizes, at most 100", f"{clip:g}")
    size = check_number(size, "size", positive=True)
    nrows = -(-n // ncols)
    limit = float(np.percentile(np.abs(W1[:, :n]), clip))  # one colour scale for every unit, so they can be compared
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size + 0.8, nrows * size * 1.1))
    for j, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if j < n:
            image = ax.imshow(W1[:, j].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"{label} {j}", fontsize=8 if size < 1.5 else 10)
    if clip < 100:
        bar_label = f"weight (clipped at the\n{clip:g}th percentile of |w|)"
        fig.colorbar(image, ax=axes, shrink=0.8, extend="both", label=bar_label)
    else:
        fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
    return fig


def plot_error_rates(accuracies: pd.Series, n: int, title: str = "", highlight: str = "") -> plt.Figure:
    """Horizontal bars of the error rate (1 - accuracy) of each model, on an axis from 0.

    `accuracies` maps model names to accuracies (fractions) measured on n images: a
    Series indexed by name, or a dict. The error bars show one standard error either
    side, of each accuracy alone (overlapping bars do not mean that a paired test finds no
    difference). Models whose name starts with `highlight` are drawn in orange, the others in
    blue. An axis from 0 keeps the lengths honest: a model with twice the errors has a
    bar twice as long.
    """
    if isinstance(accuracies, dict):
        accuracies = pd.Series(accuracies)
    if isinstance(accuracies, pd.DataFrame):
        found = f"a DataFrame with columns {list(accuracies.columns)}"
        fix = "Pick the names and one column, e.g. table.set_index('model')['test_accuracy']."
        fail("accuracies", "a Series mapping model names to accuracies", found, fix, error=TypeError)
    if not isinstance(accuracies, pd.Series):
        fix = "Name each accuracy: pd.Series(accuracies, index=names), or a dict {name: accuracy}."
        fail("accuracies", "a Series mapping model names to accuracies", _a(accuracies), fix, error=TypeError)
    if accuracies.empty:
        fail("accuracies", "at least one model", "none (an empty Series)")
    _check_accuracies(accuracies, "accuracies")
    if accuracies.isna().any():
        fail("accuracies", "a measured accuracy for every model", f"NaN for {accuracies.index[accuracies.isna()][0]!r}")
    if accuracies.index.duplicated().any():
        twice = accuracies.index[accuracies.index.duplicated()][0]
        fail("accuracies", "one accuracy per model", f"{twice!r} more than once", "Give each model its own name.")
    n = check_int(n, "n", low=1)
    if not isinstance(highlight, str):
        fail("highlight", "the start of the names to draw in orange (a string)", _a(highlight), error=TypeError)
    ordered = accuracies.astype(np.float64).sort_values()  # the worst (longest bar) at the bottom
    errors = 100 * (1 - ordered)
    spread = [100 * standard_error(a, n) for a in ordered]
    colors = [OKABE_ITO[1] if highlight and str(m).startswith(highlight) else OKABE_ITO[0] for m in ordered.index]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(ordered) + 1.2))
    ax.barh(ordered.index.astype(str), errors, xerr=spread, color=colors, capsize=3)
    longest = max(max(errors), 0.01)  # every model perfect: still an axis with some width
    for i, (err, se, acc) in enumerate(zip(errors, spread, ordered, strict=True)):
        ax.text(err + se + longest * 0.02, i, f"{err:.2f}% wrong ({acc:.2%} right)", va="center", fontsize=8)
    ax.set(xlim=(0, longest * 1.6), xlabel=f"error rate on {n:,} images (%), with one standard error (unpaired)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _check_runs(results: Any, x: Any, measured: list[Any]) -> pd.DataFrame:
    """A table of runs, one per row: the setting `x` (in every row), a `seed` and the measured columns."""
    for arg, column in [("x", x)] + [("y", y) for y in measured]:
        if not isinstance(column, str):
            fail(arg, "the name of a column of results (a string)", _a(column), error=TypeError)
    results = _check_table(results, "results", [x, *measured, "seed"])
    missing = results[x].isna().to_numpy()
    if missing.any():
        found = f"a missing value (NaN or None) in row {int(np.argmax(missing))}"
        fail(f"results['{x}']", "a setting in every row", found, "Name it, e.g. 'none'.")
    for y in measured:
        fix = "Train with X_val and y_val to measure it." if y == "val_acc" else ""
        _check_numbers(results[y], f"results['{y}']", fix)
    return results


def _seed_offsets(seeds: pd.Series) -> np.ndarray:
    """A sideways offset from -1 to 1 for each run, by its seed, so that the dots of equal runs stay apart."""
    codes = pd.factorize(seeds, sort=True)[0].astype(np.float64)
    half = (codes.max() if len(codes) else 0) / 2
    return (codes - half) / half if half else np.zeros_like(codes)


def _sweep_values(results: pd.DataFrame, y: str) -> tuple[pd.Series, str]:
    """What a sweep draws: an accuracy column as its error rate in %, from 0; anything else as it is."""
    if y.endswith("acc") or y.endswith("accuracy"):
        _check_accuracies(results[y], f"results['{y}']")
        return 100 * (1 - results[y]), f"{'validation ' if y.startswith('val') else ''}error rate (%)"
    return results[y], y.replace("_", " ")


def plot_sweep(
    results: pd.DataFrame, x: str, y: str = "val_acc", title: str = "", log_x: bool = False, xlabel: str = ""
) -> plt.Figure:
    """The mean of `y` over seeds at each value of `x` as a line, and every seed's run as a dot.

    `results` has one row per run: the setting `x` (a number: a learning rate, a width),
    a `seed` column and the measured `y`. An accuracy is drawn as its error rate, on an
    axis from 0; the x axis is ticked at the tested values and labelled `xlabel` (in words:
    "learning rate", not "lr"). The dots of one value are spread a little sideways, so that
    equal runs stay apart. For settings that are names, see `plot_choices`.
    """
    results = _check_runs(results, x, [y])
    _check_numbers(results[x], f"results['{x}']", "Use plot_choices for settings that are names.")
    if log_x and (results[x] <= 0).any():
        found = f"{results[x][results[x] <= 0].iloc[0]:g}"
        fail(f"results['{x}']", "settings above 0 on a log scale (log_x=True)", found, "Use log_x=False.")
    values, ylabel = _sweep_values(results, y)
    stats = values.groupby(results[x], sort=True).agg(["mean", "min", "max"])
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    tested = stats.index.to_numpy(dtype=np.float64)
    where = np.log10(tested) if log_x else tested
    step = np.diff(where).min() if len(where) > 1 else 1.0
    sideways = 0.12 * step * _seed_offsets(results["seed"])  # in log10 units on a log axis
    at = results[x].to_numpy(dtype=np.float64)
    at = at * 10**sideways if log_x else at + sideways
    seeds = results["seed"].nunique()
    ax.scatter(at, values, s=16, color=OKABE_ITO[0], alpha=0.55, edgecolor="none", label="one seed (one network)")
    ax.plot(stats.index, stats["mean"], marker="_", markersize=14, markeredgewidth=2, color="black",
            label=f"mean of {seeds} seeds")  # fmt: skip
    if log_x:
        ax.set_xscale("log")
    ax.set_xticks(stats.index, [f"{value:g}" for value in stats.index])
    ax.minorticks_off()
    ax.set(xlabel=xlabel or x, ylabel=ylabel, title=title)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def plot_computational_graph() -> plt.Figure:
    """The two-layer network as a computational graph.

    Left to right along the top of each arrow (black): the forward pass, each
    node a value with its shape. Right to left under it (red): the backward
    pass, each arrow carrying the gradient of the loss with respect to the
    value it points to. Parameters sit above the node they feed; the red arrow
    beside each parameter's black one carries its gradient back up to it.
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
        "ℒ": (10, 0, "a number"),
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
        if x0 == x1:  # a vertical arrow (a parameter's): the offset moves it sideways, its label to its right
            style = {"arrowstyle": "->", "color": color, "shrinkA": 20, "shrinkB": 20, "lw": 1.5}
            ax.annotate("", xy=(x1 + offset, y1), xytext=(x0 + offset, y0), arrowprops=style)
            ax.text(x0 + offset + 0.1, (y0 + y1) / 2, label, color=color, ha="left", va="center", fontsize=9)
            return
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
        ("A₂", "ℒ", "mean of −log A₂[i, yᵢ]"),
    ]
    for a, b, label in forward:
        arrow(a, b, label, "black", 0.12)
    backward = [
        ("ℒ", "Z₂", "dZ₂ = (A₂ − Y) / m   (softmax and loss together)", -1.0),
        ("Z₂", "A₁", "dA₁ = dZ₂ W₂ᵀ", -0.2),
        ("A₁", "Z₁", "dZ₁ = dA₁ ⊙ [Z₁ > 0]", -0.2),
    ]
    for a, b, label, offset in backward:
        arrow(a, b, label, "tab:red", offset)
    arrow("W₁, b₁", "Z₁", "", "black", -0.12)
    arrow("W₂, b₂", "Z₂", "", "black", -0.12)
    arrow("y", "ℒ", "", "black", 0)
    arrow("Z₁", "W₁, b₁", "dW₁ = Xᵀ dZ₁\ndb₁ = dZ₁ᵀ 1", "tab:red", 0.12)
    arrow("Z₂", "W₂, b₂", "dW₂ = A₁ᵀ dZ₂\ndb₂ = dZ₂ᵀ 1", "tab:red", 0.12)
    ax.text(
        5,
        -1.75,
        "black: forward pass, values and their shapes    red: backward pass, the gradient of the loss ℒ "
        "with respect to each value (dZ means ∂ℒ/∂Z)",
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
    results = _check_runs(results, x, ["train_acc", "val_acc"])
    for column in ("train_acc", "val_acc"):
        _check_accuracies(results[column], f"results['{column}']")
        if results[column].isna().any():
            row = int(np.argmax(results[column].isna().to_numpy()))
            fail(f"results['{column}']", "a measured accuracy in every row", f"NaN in row {row}")
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


def plot_choices(results: pd.DataFrame, x: str, y: str = "val_acc", title: str = "", xlabel: str = "") -> plt.Figure:
    """A sweep over settings that are names, not numbers (initialisations, activations, optimisers).

    `results` has one row per run: the setting `x`, a `seed` and the measured `y`. Each
    setting gets a dot for every seed's run and a black dash at their mean; no line joins
    the settings, since there is nothing between two names. An accuracy is drawn as its
    error rate, on an axis from 0. Settings keep the order in which they first appear.
    """
    results = _check_runs(results, x, [y])
    order = list(dict.fromkeys(results[x]))
    values, ylabel = _sweep_values(results, y)
    stats = values.groupby(results[x], sort=False).agg(["mean", "min", "max"]).loc[order]
    positions = np.arange(len(order))
    at = results[x].map({setting: i for i, setting in enumerate(order)}).to_numpy(dtype=np.float64)
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    ax.scatter(at + 0.15 * _seed_offsets(results["seed"]), values, s=22, color=OKABE_ITO[0], alpha=0.6,
               edgecolor="none", label="one seed (one network)")  # fmt: skip
    ax.plot(positions, stats["mean"], linestyle="none", marker="_", markersize=24, markeredgewidth=2.5,
            color="black", label=f"mean of {results['seed'].nunique()} seeds")  # fmt: skip
    ax.set_xticks(positions, [str(setting) for setting in order])
    ax.set_xlim(-0.5, len(order) - 0.5)
    ax.set(xlabel=xlabel or x, ylabel=ylabel, title=title)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def plot_recipes(
    results: pd.DataFrame,
    x: str,
    y: str = "val_acc",
    title: str = "",
    group: str | None = None,
    highlight: dict[str, str] | None = None,
) -> plt.Figure:
    """Recipes trained from several seeds, one row each: every seed's run as a dot, the mean as a bar.

    `results` has one row per run: the recipe `x` (a name in words, shown as the row's label),
    a `seed` and the measured `y` (an accuracy is drawn as its error rate, on an axis from 0).
    `group` names a column that splits the recipes into panels (such as candidates and
    ablations), in the order they first appear; within a panel the lowest mean error is on top.
    `highlight` maps recipes to what they are ({"784-800-10": "the choice"}): their bars take a
    colour of their own, which the legend names ("mean of the choice"). Each bar's mean is written
    at the right.
    """
    results = _check_runs(results, x, [y])
    if group is not None:
        results = _check_table(results, "results", [x, y, "seed", group])
    results = results.reset_index(drop=True)  # rows found by position, whatever the index
    highlight = {} if highlight is None else highlight
    if not isinstance(highlight, dict):
        fail("highlight", "a dict {recipe: what it is}, such as {'800': 'the choice'}", _a(highlight), error=TypeError)
    unknown = [name for name in highlight if name not in set(results[x])]
    if unknown:
        fail("highlight", f"recipes of results['{x}']", repr(unknown[0]))
    values, xlabel = _sweep_values(results, y)
    groups = list(dict.fromkeys(results[group])) if group is not None else [None]
    panels = []
    for g in groups:
        rows = results if g is None else results[results[group] == g]
        means = values[rows.index].groupby(rows[x], sort=False).mean().sort_values(ascending=False)
        panels.append((g, rows, means))  # the lowest error last, drawn on top
    colours = dict(zip(dict.fromkeys(highlight.values()), [OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[3]], strict=False))
    sizes = [len(means) + 0.8 for _, _, means in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 0.42 * sum(sizes) + 1.4), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": sizes})  # fmt: skip
    longest = max(float(values.max()), 0.01)
    for ax, (g, rows, means) in zip(axes[:, 0], panels, strict=True):
        for i, (name, mean) in enumerate(means.items()):
            colour = colours.get(highlight.get(name), "lightgray")
            ax.barh(i, mean, height=0.6, color=colour, edgecolor="black", linewidth=0.5)
            mine = rows[rows[x] == name]  # a recipe may appear in several panels (as a reference)
            runs = values[mine.index]
            offsets = 0.18 * _seed_offsets(mine["seed"])
            ax.scatter(runs, i + offsets, s=20, color=OKABE_ITO[0], zorder=3, edgecolor="black", linewidth=0.3)
            ax.text(longest * 1.04, i, f"{mean:.2f}", va="center", fontsize=8)
        ax.set_yticks(range(len(means)), [str(name) for name in means.index], fontsize=9)
        ax.set_ylim(-0.6, len(means) - 0.4)
        ax.grid(alpha=0.3, axis="x")
        if g is not None:
            ax.set_title(str(g), fontsize=10, loc="left")
    seeds = results.groupby(x)["seed"].nunique()
    k = f"{seeds.min()}" if seeds.min() == seeds.max() else f"{seeds.min()} to {seeds.max()}"
    handles = [
        plt.Line2D([], [], linestyle="none", marker="o", color=OKABE_ITO[0], label="one seed (one network)"),
        plt.Rectangle((0, 0), 1, 1, facecolor="lightgray", edgecolor="black", label=f"mean of {k} seeds"),
    ]
    handles += [plt.Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="black", label=f"mean of {what}")
                for what, c in colours.items()]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    axes[-1, 0].set(xlim=(0, longest * 1.2), xlabel=xlabel)
    fig.suptitle(title)
    legend_rows = (len(handles) + 1) // 2
    fig.tight_layout(rect=(0, (0.22 * legend_rows + 0.1) / fig.get_figheight(), 1, 1))
    return fig


def percent(p: float) -> str:
    """A probability in percent as computed: 99.97%, never a rounded-up 100% (or a rounded-down 0%)."""
    for digits in range(0, 6):
        text = f"{100 * p:.{digits}f}"
        if (float(text) < 100 or p >= 1) and (float(text) > 0 or p <= 0):
            return f"{text}%"
    return f"{100 * p:.6f}%"



def plot_readings(
    params: dict[str, np.ndarray],
    images: np.ndarray,
    titles: list[str],
    labels: Any = None,
    activation: str = "relu",
    top: int = 10,
) -> plt.Figure:
    """What a network reads in each image and which first-layer units respond most, one row per image.

    images (n, 784); titles: one per image. Each row shows the image, the network's ten
    probabilities (the digit read in blue when right and vermillion when wrong, given
    `labels`; in blue with no verdict without them) and the `top` most active units of the
    first hidden layer, each drawn as the 784 weights it puts on the pixels (red where ink
    raises its sum, blue where ink lowers it, one colour scale for all, the largest 0.5%
    clipped), with the image's ink outlined in black.
    """
    from .network import forward  # here, not at the top: the network's module does not need the figures

    params = check_params(params)
    images = check_images(images, "images", width=params["W1"].shape[0])
    if isinstance(titles, str) or len(titles) != len(images):
        fail("titles", f"one title per image: {len(images)} titles", _a(titles) if isinstance(titles, str) else
             f"{len(titles)}")  # fmt: skip
    if labels is not None:
        labels = check_labels(labels, "labels", n=len(images))
    top = check_int(top, "top", low=2)
    top -= top % 2  # two rows of units
    probs, cache = forward(params, images, activation)
    hidden = cache["A1"]  # the first hidden layer's activations, one row per image
    W1 = params["W1"]
    limit = float(np.percentile(np.abs(W1), 99.5))
    height = 3.1 * len(images) + 0.4
    fig = plt.figure(figsize=(12, height))
    grid = fig.add_gridspec(len(images), 4, width_ratios=[1, 1.4, 3.6, 0.08], left=0.02, right=0.93,
                            top=1 - 0.45 / height, bottom=0.5 / height, wspace=0.3, hspace=0.5)  # fmt: skip
    for r, image in enumerate(images):
        ax = fig.add_subplot(grid[r, 0])
        ax.imshow(image.reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        active = np.count_nonzero(hidden[r] > 0)
        ax.set(xticks=[], yticks=[])  # the frame shows the 28 x 28 field
        ax.set_title(f"{titles[r]}\n{active} of {hidden.shape[1]} first-layer units active", fontsize=10)
        read = int(probs[r].argmax())
        right = None if labels is None else bool(read == labels[r])  # a Python bool: `is False` must work on it
        colours = ["lightgray"] * 10
        colours[read] = WRONG if right is False else RIGHT
        ax = fig.add_subplot(grid[r, 1])
        ax.bar(range(10), probs[r], color=colours, edgecolor="black", linewidth=0.5)
        mark = {None: "", True: "✓ right: ", False: "✗ wrong: "}[right]
        ax.set(ylim=(0, 1), xticks=range(10), xlabel="digit", ylabel="probability")
        ax.set_title(f"{mark}reads {read} ({percent(probs[r, read])})", fontsize=10,
                     color=WRONG if right is False else "black")  # fmt: skip
        units = grid[r, 2].subgridspec(2, top // 2, wspace=0.05, hspace=0.25)
        for k, j in enumerate(np.argsort(-hidden[r])[:top]):  # the most active units first
            ax = fig.add_subplot(units[k // (top // 2), k % (top // 2)])
            weights = ax.imshow(W1[:, j].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.contour(image.reshape(28, 28), levels=[0.5], colors="black", linewidths=0.6)  # where the ink is
            ax.set_title(f"{k + 1}. unit {j}: {hidden[r, j]:.2f}", fontsize=8)
            ax.axis("off")
    fig.colorbar(weights, cax=fig.add_subplot(grid[:, 3]), label="weight on the pixel", extend="both")  # clipped
    return fig


def plot_decision_regions(
    predict_class, X: np.ndarray, y: np.ndarray, title: str = "", ax: Axes | None = None
) -> Figure:
    """Which class a model chooses at every point of the plane, with the points it was trained on.

    predict_class: a function from points (n, 2) to classes (n,), such as
    lambda P: predict(params, P); X (n, 2) the points in [0, 1] (as from `data.spirals`), y their classes.
    """
    if not callable(predict_class):
        fix = "Pass lambda P: predict(params, P)."
        fail("predict_class", "a function from points (n, 2) to classes (n,)", _a(predict_class), fix, TypeError)
    X = check_images(X, "X", width=2)  # points in [0, 1], as data.spirals makes them
    y = check_labels(y, "y", n=len(X), num_classes=len(OKABE_ITO))
    grid = np.linspace(0, 1, 200, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    regions = np.asarray(predict_class(np.column_stack([gx.ravel(), gy.ravel()])))
    if regions.shape != (gx.size,) or not np.issubdtype(regions.dtype, np.integer):
        found = f"an array of shape {regions.shape} and dtype {regions.dtype}"
        fail(
            "predict_class",
            "one class (a whole number) per point",
            found,
            "Return predict(params, P), not probabilities.",
        )
    regions = check_labels(regions, "predict_class's classes", num_classes=len(OKABE_ITO)).reshape(gx.shape)
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(4.2, 4.2))
    colours = OKABE_ITO[: int(max(regions.max(), y.max())) + 1]
    ax.contourf(gx, gy, regions, levels=np.arange(len(colours) + 1) - 0.5, colors=colours, alpha=0.3)
    for k, (colour, marker) in enumerate(zip(colours, "os^Dv*Px", strict=False)):
        ax.scatter(
            *X[y == k].T, s=12, color=colour, marker=marker, edgecolor="black", linewidth=0.3, label=f"class {k}"
        )
    ax.set(xlim=(0, 1), ylim=(0, 1), xticks=[], yticks=[], aspect="equal", title=title)
    ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    return fig
