"""The figures (mnistnn.plots): every public function refuses wrong input with a message that says what to do."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")  # no window: the tests only draw into memory

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mnistnn.checks import check_probabilities  # noqa: E402
from mnistnn.plots import (  # noqa: E402
    RESULTS_DIR_ENV,
    SAVE_ENV,
    confusion_matrix,
    plot_choices,
    plot_confusion_matrix,
    plot_error_rates,
    plot_history,
    plot_predictions,
    plot_readings,
    plot_recipes,
    plot_sweep,
    plot_validation_and_gap,
    save_figure,
    save_table,
    show_images,
    show_misclassified,
    show_weights,
    standard_error,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def refuses(call, message: str, error: type[Exception] = ValueError) -> None:
    """`call()` raises `error` whose message contains `message` word for word."""
    with pytest.raises(error, match=re.escape(message)):
        call()


rng = np.random.default_rng(0)
X = rng.random((6, 784)).astype(np.float32)
y = np.array([0, 1, 2, 3, 4, 5])
probs = np.eye(10)[[0, 1, 2, 3, 4, 9]] * 0.9 + 0.01  # rows sum to 1; the last digit is read wrong
history = pd.DataFrame({"epoch": [1, 2], "loss": [0.5, 0.3], "train_acc": [0.9, 0.95], "val_acc": [0.88, 0.93]})
runs = pd.DataFrame(
    {"lr": [0.1, 0.1, 1.0, 1.0], "seed": [0, 1, 0, 1], "train_acc": [0.95, 0.96, 0.9, 0.91], "val_acc": [0.9] * 4}
)


# --- confusion matrices: by value, digits only


def test_confusion_matrix_takes_lists_and_series_by_value():
    assert np.trace(confusion_matrix([1, 2, 3], [1, 2, 4])) == 2  # was 33 from list arithmetic
    true, pred = pd.Series([1, 2, 3]), pd.Series([1, 2, 0], index=[5, 6, 7])  # indexes that do not match
    assert np.trace(confusion_matrix(true, pred)) == 2
    fig = plot_confusion_matrix([1, 2, 3], pd.Series([1, 2, 4], index=[9, 8, 7]))
    assert fig.axes[0].get_title() == "accuracy 66.67%"  # was "accuracy 0.00%"


@pytest.mark.parametrize("function", [confusion_matrix, plot_confusion_matrix])
@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        (y, probs, "y_pred: expected digits 0-9, one per image, shape (m,), found shape (6, 10) (probabilities or "
         "one-hot rows?). Pass digits: probs.argmax(axis=1) is the most probable digit of each row."),
        (probs, y, "y_true: expected digits 0-9, one per image, shape (m,), found shape (6, 10)"),
        ([10, 1], [0, 1], "y_true: expected integer labels 0-9, found 10."),
        ([1, 2], [-1, 2], "y_pred: expected integer labels 0-9, found -1."),
        ([1, 2, 3], [1, 2], "y_pred: expected one predicted digit per label of y_true: 3, found 2. "
         "Predict the images that y_true labels."),
        ([], [], "y_true: expected at least one digit, found none (an empty array)."),
        ([1, 2], [], "y_pred: expected at least one digit, found none (an empty array)."),
    ],
)  # fmt: skip
def test_confusion_matrix_refuses_what_is_not_two_lists_of_digits(function, y_true, y_pred, message):
    refuses(lambda: function(y_true, y_pred), message)


# --- accuracies are fractions


def test_standard_error_refuses_percentages_and_bad_n():
    assert standard_error(0.98, 10_000) == pytest.approx(0.0014)
    assert standard_error(np.float32(0.5), 100) == pytest.approx(0.05)
    refuses(
        lambda: standard_error(97.8, 10_000),
        "accuracy: expected an accuracy as a fraction in [0, 1], found 97.8. Accuracies are fractions: use 97.8 / 100.",
    )
    refuses(lambda: standard_error(-0.1, 100), "accuracy: expected an accuracy as a fraction in [0, 1], found -0.1.")
    refuses(lambda: standard_error(0.9, 0), "n: expected a whole number of at least 1, found 0.")
    refuses(lambda: standard_error(0.9, 10.5), "n: expected a whole number, found 10.5 (float).", TypeError)
    refuses(lambda: standard_error("0.9", 10), "accuracy: expected a number, found '0.9' (str).", TypeError)


def test_plot_error_rates_draws_a_dict_and_refuses_what_it_cannot_draw_right():
    fig = plot_error_rates({"a": 0.98, "b": 0.96}, n=10_000)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["b", "a"]  # the worst at the bottom
    plot_error_rates(pd.Series({"a": 1.0, "b": 1.0}), n=100)  # every model perfect: still a figure
    accuracies = pd.Series({"mlp": 97.8, "knn": 96.0})
    refuses(
        lambda: plot_error_rates(accuracies, 10_000),
        "accuracies: expected accuracies as fractions in [0, 1], found 97.8. "
        "Accuracies are fractions: use 97.8 / 100 (divide accuracies by 100).",
    )
    table = pd.DataFrame({"model": ["a"], "test_accuracy": [0.9]})
    refuses(
        lambda: plot_error_rates(table, 10_000),
        "accuracies: expected a Series mapping model names to accuracies, found a DataFrame with columns "
        "['model', 'test_accuracy']. Pick the names and one column, e.g. table.set_index('model')['test_accuracy'].",
        TypeError,
    )
    refuses(
        lambda: plot_error_rates([0.9, 0.8], 10_000),
        "accuracies: expected a Series mapping model names to accuracies, found a list. "
        "Name each accuracy: pd.Series(accuracies, index=names), or a dict {name: accuracy}.",
        TypeError,
    )
    refuses(lambda: plot_error_rates({}, 10), "accuracies: expected at least one model, found none (an empty Series).")
    refuses(
        lambda: plot_error_rates(pd.Series([0.9, 0.8], index=["a", "a"]), 10),
        "accuracies: expected one accuracy per model, found 'a' more than once. Give each model its own name.",
    )
    refuses(
        lambda: plot_error_rates(pd.Series({"a": 0.9, "b": np.nan}), 10),
        "accuracies: expected a measured accuracy for every model, found NaN for 'b'.",
    )
    refuses(lambda: plot_error_rates({"a": 0.9}, 0), "n: expected a whole number of at least 1, found 0.")
    refuses(
        lambda: plot_error_rates({"a": 0.9}, 10, highlight=1),
        "highlight: expected the start of the names to draw in orange (a string), found an int.",
        TypeError,
    )


# --- grids of digits


def test_show_images_takes_both_shapes_lists_and_raw_pixels():
    assert len(show_images(X[:3]).axes) == 10
    show_images(X[:3].reshape(3, 28, 28).tolist(), titles=np.array(["a", "b", "c"]))
    fig = show_images((X[:2] * 255).astype(np.uint8), titles=[7, 3])  # labels as titles
    assert [ax.get_title() for ax in fig.axes[:2]] == ["7", "3"]


@pytest.mark.parametrize(
    ("images", "titles", "message"),
    [
        (np.zeros((60_000, 784), np.float32), None, "images: expected at most 100 images, found 60,000. "
         "Pick a few, e.g. show_images(X[:20]) or show_images(X[indices])."),
        (np.zeros(784), None, "images: expected one image per row, shape (m, 784), found one image, shape (784,). "
         "Use images.reshape(1, 784) for a batch of one."),
        (np.zeros((28, 28)), None, "images: expected images, shape (n, 784) or (n, 28, 28), found one image, "
         "shape (28, 28). Use images.reshape(1, 784) for a batch of one."),
        (np.zeros((0, 784)), None, "images: expected at least one image, found none (shape (0, 784))."),
        (np.zeros((3, 100)), None, "images: expected one image per row, shape (m, 784), found shape (3, 100)."),
        (np.full((3, 784), np.nan), None, "images: expected finite pixel values, found NaN or infinity in image 0."),
        (X[:3], ["a"], "titles: expected one title per image: 3 titles, found 1."),
        (X[:3], ["a"] * 4, "titles: expected one title per image: 3 titles, found 4."),
        (X[:3], "abc", "titles: expected one title per image, a list of 3, found a str 'abc'. "
         "Use ['abc'] * 3 to give them all the same title."),
    ],
)  # fmt: skip
def test_show_images_refuses(images, titles, message):
    refuses(lambda: show_images(images, titles), message)


def test_show_images_checks_its_layout_arguments():
    refuses(lambda: show_images(X, ncols=0), "ncols: expected a whole number of at least 1, found 0.")
    refuses(lambda: show_images(X, size=-1), "size: expected a positive finite number, found -1.0.")


def test_show_misclassified_shows_the_mistakes_or_says_there_are_none():
    fig = show_misclassified(X, y, probs)
    assert fig.axes[0].get_title() == "pred 9 (91%)\ntrue 5"
    fig = show_misclassified(X[:5], y[:5], probs[:5])
    assert fig.texts == [] and fig.axes[0].texts[0].get_text() == "no misclassified digits: all 5 are read right"
    sure = np.full((2, 10), 0.0004 / 9)
    sure[0, 7], sure[1, 3] = 0.9996, 0.9996  # nearly sure, and wrong: never shown as a rounded-up 100%
    titles = [ax.get_title() for ax in show_misclassified(X[:2], [1, 2], sure).axes if ax.get_title()]
    assert titles == ["pred 7 (99.96%)\ntrue 1", "pred 3 (99.96%)\ntrue 2"]


@pytest.mark.parametrize(
    ("args", "kwargs", "message", "error"),
    [
        ((X, probs, y), {}, "y_true: expected digits 0-9, shape (m,), found shape (6, 10), and probs shape (6,). "
         "Arguments swapped? The order is show_misclassified(X, y_true, probs).", ValueError),
        ((X, y, y), {}, "probs: expected one row of 10 probabilities per image, shape (m, 10), found shape (6,) "
         "(digits, not probabilities?). Pass probabilities, e.g. probs, _ = forward(params, X), or "
         "model.predict_proba(X).", ValueError),
        ((X, y, probs * 10), {}, "probs: expected probabilities: rows of numbers >= 0 that sum to 1, found row 0 "
         "with values from 0.1 to 9.1, summing to 10 (scores?). Use mnistnn.softmax(scores).", ValueError),
        ((X, y[:5], probs), {}, "y_true: expected one label per image: 6 labels, found 5.", ValueError),
        ((X, y, probs[:5]), {}, "probs: expected one row of probabilities per image: 6 rows, found 5.", ValueError),
        ((X, y + 5, probs), {}, "y_true: expected integer labels 0-9, found 10.", ValueError),
        ((X, y, probs), {"n": 1000}, "n: expected a whole number from 1 to 100, found 1000.", ValueError),
        ((X, y, probs), {"n": 0}, "n: expected a whole number from 1 to 100, found 0.", ValueError),
        ((X[0], y[:1], probs[:1]), {}, "X: expected one image per row, shape (m, 784), found one image", ValueError),
    ],
)  # fmt: skip
def test_show_misclassified_refuses(args, kwargs, message, error):
    refuses(lambda: show_misclassified(*args, **kwargs), message, error)


def test_plot_predictions_draws_a_few_and_refuses_the_rest():
    assert len(plot_predictions(X[:2], probs[:2], pd.Series(y[:2], index=[7, 8])).axes) == 4
    refuses(
        lambda: plot_predictions(np.zeros((100, 784)), np.full((100, 10), 0.1)),
        "X: expected at most 20 digits, found 100. Pick a few, e.g. plot_predictions(X[:6], probs[:6], y_true[:6]).",
    )
    refuses(
        lambda: plot_predictions(X, y, probs),
        "y_true: expected digits 0-9, shape (m,), found shape (6, 10), and probs shape (6,). "
        "Arguments swapped? The order is plot_predictions(X, probs, y_true).",
    )
    refuses(lambda: plot_predictions(X[0], probs[0]), "Use X.reshape(1, 784) for a batch of one.")
    negative = probs - 0.02  # scores: some below 0, rows summing to 0.8
    refuses(
        lambda: plot_predictions(X, negative), "found row 0 with values from -0.01 to 0.89, summing to 0.8 (scores?)"
    )
    refuses(lambda: plot_predictions(X, probs[:, :9]), "probs: expected one row of 10 probabilities per image")
    refuses(lambda: plot_predictions(X, probs, y[:2]), "y_true: expected one label per image: 6 labels, found 2.")


def test_check_probabilities_refuses_nan_and_non_numbers():
    refuses(lambda: check_probabilities(np.full((2, 10), np.nan)), "probs: expected finite probabilities, found NaN")
    refuses(lambda: check_probabilities(np.zeros((0, 10))), "probs: expected probabilities for at least one image")
    refuses(lambda: check_probabilities(np.full((1, 10), "a")), "probs: expected probabilities, numbers", TypeError)
    assert check_probabilities(np.eye(10, dtype=np.int64)).shape == (10, 10)  # one-hot rows are probabilities


def test_show_weights_refuses_what_is_not_the_first_layer():
    W1 = rng.normal(size=(784, 12))
    titles = [ax.get_title() for ax in show_weights(W1, n=20).axes if ax.get_title()]
    assert titles == [f"unit {j}" for j in range(12)]  # n above the number of units: all of them
    refuses(
        lambda: show_weights({"W1": W1}),
        "W1: expected the first layer's weights, one row per pixel: shape (784, h), found a dict (all the params?). "
        "Pass params['W1'].",
        TypeError,
    )
    refuses(
        lambda: show_weights(W1.T),
        "W1: expected the first layer's weights, one row per pixel: shape (784, h), found shape (12, 784), "
        "one row per unit. Pass W1.T (scikit-learn's coef_ is (units, 784): pass coef_.T).",
    )
    refuses(
        lambda: show_weights(np.zeros((256, 10))),
        "found shape (256, 10). Pass params['W1']: only the first layer's weights are images.",
    )
    spike = W1.copy()
    spike[0, 0] = 1000.0  # one weight far larger than the rest
    image = show_weights(spike, clip=99).axes[0].get_images()[0]
    limit = np.percentile(np.abs(spike[:, :10]), 99)  # of the ten units shown
    assert image.get_clim() == pytest.approx((-limit, limit))
    assert "99th percentile" in show_weights(spike, clip=99).axes[-1].get_ylabel()
    refuses(lambda: show_weights(W1, clip=120), "clip: expected a percentile of the weights' sizes, at most 100")
    refuses(lambda: show_weights(W1, n=0), "n: expected a whole number from 1 to 100, found 0.")
    refuses(lambda: show_weights(W1, n=4096), "n: expected a whole number from 1 to 100, found 4096.")
    refuses(
        lambda: show_weights(np.full((784, 3), np.nan)),
        "W1: expected finite weights, found NaN or infinity. The training diverged: train it again with a lower lr.",
    )


# --- tables: the columns they need


def test_plot_history_names_missing_columns_and_percentages():
    plot_history(history.drop(columns="val_acc"))  # no validation set: only the training curve
    plot_history(history.assign(val_acc=None))  # as train() returns it without X_val
    refuses(
        lambda: plot_history(history.drop(columns="train_acc")),
        "history: expected columns ['epoch', 'loss', 'train_acc'], found columns ['epoch', 'loss', 'val_acc'], "
        "without ['train_acc']. Did you mean 'val_acc'?",
    )
    refuses(
        lambda: plot_history(({"W1": 0}, history)),
        "history: expected a pandas DataFrame with columns ['epoch', 'loss', 'train_acc'], found a tuple. "
        "train_config returns (params, history): use params, history = train_config(...).",
        TypeError,
    )
    refuses(
        lambda: plot_history(history.assign(val_acc=[88.0, 93.0])),
        "history['val_acc']: expected accuracies as fractions in [0, 1], found 88. "
        "Accuracies are fractions: use 88 / 100 (divide history['val_acc'] by 100).",
    )
    refuses(lambda: plot_history(history.iloc[:0]), "history: expected at least one row, found an empty table.")
    refuses(lambda: plot_history(history.to_dict("list")), "found a dict. Use pd.DataFrame(history).", TypeError)
    refuses(
        lambda: plot_history(history.assign(loss=np.nan)),
        "history['loss']: expected measured numbers, found only missing values (NaN).",
    )


@pytest.mark.parametrize(
    ("call", "message", "error"),
    [
        (lambda: plot_sweep(runs, "learning rate"), "results: expected columns ['learning rate', 'val_acc', 'seed'], "
         "found columns ['lr', 'seed', 'train_acc', 'val_acc'], without ['learning rate'].", ValueError),
        (lambda: plot_sweep(runs, "lr", y="val_accuracy"), "without ['val_accuracy']. Did you mean 'val_acc'?",
         ValueError),
        (lambda: plot_sweep(runs.drop(columns="seed"), "lr"), "without ['seed'].", ValueError),
        (lambda: plot_sweep(runs.iloc[:0], "lr"), "results: expected at least one row, found an empty table.",
         ValueError),
        (lambda: plot_sweep(runs, runs["lr"]), "x: expected the name of a column of results (a string), found a "
         "Series.", TypeError),
        (lambda: plot_sweep(runs.to_dict("records"), "lr"), "results: expected a pandas DataFrame with columns "
         "['lr', 'val_acc', 'seed'], found a list. Use pd.DataFrame(results).", TypeError),
        (lambda: plot_sweep(runs.assign(lr=["he", "he", "x", "x"]), "lr"), "results['lr']: expected numbers, found "
         "values such as 'he'. Use plot_choices for settings that are names.", TypeError),
        (lambda: plot_sweep(runs.assign(lr=[0, 0, 1, 1]), "lr", log_x=True), "results['lr']: expected settings above "
         "0 on a log scale (log_x=True), found 0. Use log_x=False.", ValueError),
        (lambda: plot_sweep(runs.assign(val_acc=np.nan), "lr"), "results['val_acc']: expected measured numbers, "
         "found only missing values (NaN). Train with X_val and y_val to measure it.", ValueError),
        (lambda: plot_choices(runs.assign(lr=[None, None, "x", "x"]), "lr"), "results['lr']: expected a setting in "
         "every row, found a missing value (NaN or None) in row 0. Name it, e.g. 'none'.", ValueError),
        (lambda: plot_choices(runs, "lr", y="acc"), "without ['acc'].", ValueError),
        (lambda: plot_validation_and_gap(runs.drop(columns="train_acc"), "lr"), "results: expected columns ['lr', "
         "'train_acc', 'val_acc', 'seed'], found columns ['lr', 'seed', 'val_acc'], without ['train_acc'].",
         ValueError),
        (lambda: plot_validation_and_gap(runs.assign(train_acc=99.0), "lr"), "results['train_acc']: expected "
         "accuracies as fractions in [0, 1], found 99. Accuracies are fractions: use 99 / 100 (divide "
         "results['train_acc'] by 100).", ValueError),
        (lambda: plot_validation_and_gap(runs.assign(val_acc=[0.9, np.nan, 0.9, 0.9]), "lr"), "results['val_acc']: "
         "expected a measured accuracy in every row, found NaN in row 1.", ValueError),
    ],
)  # fmt: skip
def test_sweeps_refuse_tables_they_cannot_draw(call, message, error):
    refuses(call, message, error)


def test_sweeps_draw_good_tables():
    plot_sweep(runs, "lr", log_x=True)
    plot_choices(runs.assign(lr=["a", "a", "b", "b"]), "lr")
    plot_validation_and_gap(runs, "lr")


def dots(fig) -> int:
    """How many dots (scatter points) a figure draws."""
    return sum(len(c.get_offsets()) for ax in fig.axes for c in ax.collections if hasattr(c, "get_offsets"))


def test_every_seed_is_a_dot_in_sweeps_and_recipes():
    ten = pd.DataFrame({"lr": np.repeat([0.01, 0.1, 1.0], 10), "seed": np.tile(range(10), 3),
                        "val_acc": np.linspace(0.8, 0.95, 30)})  # fmt: skip
    assert dots(plot_sweep(ten, "lr", log_x=True)) == 30
    assert dots(plot_choices(ten.assign(lr=ten["lr"].astype(str)), "lr")) == 30
    search = ten.assign(recipe=ten["lr"].map({0.01: "small", 0.1: "middle", 1.0: "large"}),
                        kind=np.where(ten["lr"] < 1, "candidates", "ablations"))  # fmt: skip
    fig = plot_recipes(search, "recipe", group="kind", highlight={"middle": "the choice"})
    assert dots(fig) == 30 and [ax.get_title(loc="left") for ax in fig.axes] == ["candidates", "ablations"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "one seed (one network)", "mean of 10 seeds", "mean of the choice"]  # fmt: skip
    refuses(lambda: plot_recipes(search, "recipe", highlight={"huge": "the choice"}),
            "highlight: expected recipes of results['recipe'], found 'huge'.")  # fmt: skip


def test_plot_readings_colours_a_wrong_reading_as_wrong_with_numpy_labels():
    from matplotlib.colors import to_hex

    from mnistnn import init_params, predict
    from mnistnn.plots import RIGHT, WRONG

    params = init_params((784, 16, 10), seed=0)
    images = rng.random((2, 784)).astype(np.float32)
    read = predict(params, images)
    labels = np.array([read[0], (read[1] + 1) % 10])  # the first read right, the second wrong: NumPy ints
    fig = plot_readings(params, images, ["right", "wrong"], labels=labels, top=4)
    bars = [ax for ax in fig.axes if len(ax.patches) == 10]
    assert [to_hex(bars[r].patches[read[r]].get_facecolor()) for r in (0, 1)] == [RIGHT.lower(), WRONG.lower()]
    assert bars[0].get_title().startswith("✓ right: reads") and bars[1].get_title().startswith("✗ wrong: reads")
    from mnistnn.plots import percent  # a probability as computed, never rounded up to 100%

    assert [percent(p) for p in (0.534, 0.99996, 1.0, 0.0004)] == ["53%", "99.996%", "100%", "0.04%"]
    refuses(lambda: plot_readings(params, images, ["one title"]), "titles: expected one title per image: 2 titles")


# --- saving: only under `make run`, but the arguments are checked always


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(SAVE_ENV, "1")
    return tmp_path


def test_a_name_without_extension_gets_png_or_csv_and_the_path_exists(results_dir):
    fig = plt.figure()
    path = save_figure(fig, "history")
    assert path == results_dir / "history.png" and path.exists()
    assert save_figure(fig, "sub/x.PDF").exists()
    path = save_table(pd.DataFrame({"a": [1]}), "t")
    assert path == results_dir / "t.csv" and path.read_text() == "a\n1\n"


@pytest.mark.parametrize("saving", ["1", "0"])  # a wrong name fails in `make test` too, not only in `make run`
def test_save_figure_and_save_table_refuse_wrong_arguments(results_dir, monkeypatch, saving):
    monkeypatch.setenv(SAVE_ENV, saving)
    fig, table = plt.figure(), pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match=r"name: expected a file name ending in one of \.png, .*\.pdf, .*\.svg, ") as e:
        save_figure(fig, "history.txt")  # the list is matplotlib's own
    assert str(e.value).endswith("found 'history.txt'. Use 'history.png'.")
    refuses(
        lambda: save_table(table, "t.txt"), "name: expected a file name ending in .csv, found 't.txt'. Use 't.csv'."
    )
    refuses(lambda: save_figure("x.png", fig), "fig: expected a matplotlib Figure, found a str. The order is "
            "save_figure(fig, name).", TypeError)  # fmt: skip
    refuses(lambda: save_figure(fig.add_subplot(), "x.png"), "found an Axes. Pass ax.figure.", TypeError)
    refuses(
        lambda: save_figure(plt.subplots(), "x"),
        "found a tuple. plt.subplots() returns (fig, ax): pass fig.",
        TypeError,
    )
    refuses(
        lambda: save_figure(fig, "/tmp/x.png"),
        "name: expected a file name inside results/, such as 'history.png', found '/tmp/x.png'. "
        "save_figure writes into results/ only; for another folder use fig.savefig(path).",
    )
    refuses(lambda: save_table(table, "~/t.csv"), "found '~/t.csv'. save_table writes into results/ only; for another "
            "folder use table.to_csv(path).")  # fmt: skip
    refuses(lambda: save_figure(fig, "../x.png"), "found '../x.png'.")
    refuses(lambda: save_figure(fig, ""), "name: expected a file name such as 'history.png', found ''.")
    refuses(lambda: save_figure(fig, 3), "name: expected a file name such as 'history.png', found an int.", TypeError)
    refuses(lambda: save_table([{"a": 1}], "t.csv"), "table: expected a pandas DataFrame, found a list. Make one with "
            "pd.DataFrame(rows).", TypeError)  # fmt: skip
    refuses(lambda: save_table("t.csv", table), "The order is save_table(table, name).", TypeError)
    assert list(results_dir.iterdir()) == []


def test_spirals_and_their_decision_regions():
    from mnistnn.data import spirals
    from mnistnn.plots import plot_decision_regions

    X, y = spirals(50, classes=3, seed=0)
    assert X.shape == (150, 2) and X.dtype == np.float32 and 0 <= X.min() and X.max() <= 1
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert np.array_equal(spirals(50, seed=0)[0], X)
    fig = plot_decision_regions(lambda P: (P[:, 0] > 0.5).astype(int), X, y, "halves")
    assert fig.axes[0].get_title() == "halves"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"X: expected one image per row, shape \(m, 2\)"):
        plot_decision_regions(lambda P: P[:, 0] > 0, X[:, :1], y)
