"""Every wrong input a learner is likely to make gets an error that says what to do.

Each case below is one mistake, the function it is made in, and the words the
learner must see: the argument's name, what was expected, what was found and,
where there is one, the fix.
"""

import re

import numpy as np
import pandas as pd
import pytest

from mnistnn import (
    accuracy,
    backward,
    compare,
    cross_entropy,
    forward,
    init_params,
    load_mnist,
    one_hot,
    predict,
    random_shift,
    train,
    train_config,
    update,
    validation_split,
)
from mnistnn.network import dropout_mask
from mnistnn.optim import adam

RNG = np.random.default_rng(0)
X = RNG.random((40, 784), dtype=np.float32)
Y = RNG.integers(0, 10, size=40)
P = init_params((784, 8, 10))


def fit(**changes):
    """train() on the small problem above, with some arguments changed."""
    kwargs = {"epochs": 1, "lr": 0.1, "batch_size": 10, "progress": False} | changes
    X_, y_ = kwargs.pop("X", X), kwargs.pop("y", Y)
    return train(kwargs.pop("params", init_params((784, 8, 10))), X_, y_, **kwargs)


CASES = {
    # images
    "images still 28 x 28": (lambda: fit(X=X.reshape(40, 28, 28)), ValueError, r"reshape\(len\(X\), 784\)"),
    "wrong width": (lambda: fit(X=X[:, :700]), ValueError, r"X: expected one image per row, shape \(m, 784\)"),
    "one image, no batch axis": (lambda: predict(P, X[0]), ValueError, r"shape \(784,\)\. Use X\.reshape\(1, 784\)"),
    "raw 0-255 pixels": (lambda: fit(X=X * 255), ValueError, r"values from .* to .*\. Raw 0-255 pixels\? Use X / 255"),
    "integer pixels": (lambda: fit(X=(X * 255).astype(np.uint8)), TypeError, r"dtype uint8\. Use X / 255"),
    "a NaN in X": (lambda: fit(X=np.where(np.arange(784) == 5, np.nan, X)), ValueError, r"expected finite.*row 0"),
    "an infinity in X": (lambda: accuracy(P, np.full((2, 784), np.inf, np.float32), Y[:2]), ValueError, "finite"),
    "standardised pixels": (lambda: fit(X=X - 0.5), ValueError, r"pixel values in \[0, 1\].*load_mnist"),
    # labels
    "one-hot labels": (lambda: fit(y=one_hot(Y)), ValueError, r"one-hot labels\?.*y\.argmax\(axis=1\)"),
    "labels out of range": (lambda: fit(y=Y + 1), ValueError, r"expected integer labels 0-9, found 10\."),
    "fractional labels": (lambda: fit(y=Y + 0.5), ValueError, r"integer labels 0-9"),
    "string labels": (lambda: fit(y=Y.astype(str)), TypeError, r"integer labels 0-9, found dtype <U"),
    "fewer labels than images": (lambda: fit(y=Y[:30]), ValueError, r"y: expected one label per image: 40 labels"),
    "X_val without y_val": (lambda: fit(X_val=X), ValueError, r"X_val, y_val: expected both or neither"),
    "y_val the wrong length": (lambda: fit(X_val=X, y_val=Y[:3]), ValueError, r"y_val: .*40 labels, found 3"),
    # settings
    "batch_size 0": (lambda: fit(batch_size=0), ValueError, r"batch_size: expected a whole number of at least 1"),
    "batch_size 12.5": (lambda: fit(batch_size=12.5), TypeError, r"batch_size: expected a whole number"),
    "negative epochs": (lambda: fit(epochs=-1), ValueError, r"epochs: expected a whole number of at least 0"),
    "lr 0": (lambda: fit(lr=0), ValueError, r"lr: expected a positive finite number, found 0\.0"),
    "lr NaN": (lambda: fit(lr=float("nan")), ValueError, r"lr: expected a positive finite number"),
    "lr as text": (lambda: fit(lr="0.1"), TypeError, r"lr: expected a number, found '0\.1'"),
    "dropout 1": (lambda: fit(dropout=1.0), ValueError, r"dropout: expected a number in \[0, 1\)"),
    "dropout -0.1": (lambda: fit(dropout=-0.1), ValueError, r"dropout: expected a number in \[0, 1\)"),
    "max_shift 28": (lambda: fit(max_shift=28), ValueError, r"max_shift: expected a whole number from 0 to 27"),
    "max_shift 1.5": (lambda: fit(max_shift=1.5), TypeError, r"max_shift: expected a whole number"),
    "negative weight decay": (lambda: fit(weight_decay=-1e-4), ValueError, r"weight_decay: .*at least 0"),
    "optimizer typo": (lambda: fit(optimizer="adma"), ValueError, r"optimizer: expected one of .*Did you mean 'adam'"),
    "schedule typo": (lambda: fit(lr_schedule="cosin"), ValueError, r"lr_schedule: .*Did you mean 'cosine'"),
    "activation typo": (lambda: fit(activation="Relu"), ValueError, r"activation: expected one of .*'relu'"),
    "init typo": (
        lambda: init_params(init="he_normal"),
        ValueError,
        r"init: .*\['he', 'xavier', 'lecun'",
    ),
    "configuration typo": (lambda: train_config("bets", X, Y), ValueError, r"name: .*Did you mean 'best'"),
    # the network itself
    "layer size 0": (lambda: init_params((784, 0, 10)), ValueError, r"layer_sizes\[1\]: .*at least 1, found 0"),
    "layer size 256.0": (lambda: init_params((784, 256.0, 10)), TypeError, r"layer_sizes\[1\]: expected a whole"),
    "a single layer size": (lambda: init_params((784,)), ValueError, r"layer_sizes: expected a tuple of at least two"),
    "params missing b2": (
        lambda: forward({k: v for k, v in P.items() if k != "b2"}, X),
        ValueError,
        r"missing \['b2'\]",
    ),
    "params that do not chain": (
        lambda: forward(P | {"W2": np.zeros((9, 10), np.float32)}, X),
        ValueError,
        r"expected W2 of shape \(8, n_out\).*found W2 \(9, 10\)",
    ),
    "params from another network": (lambda: forward(init_params((100, 8, 10)), X), ValueError, r"shape \(m, 100\)"),
    "NaN in the weights": (
        lambda: fit(params=init_params((784, 8, 10)) | {"b1": np.full(8, np.nan, np.float32)}),
        ValueError,
        r"params\['b1'\]: expected finite numbers.*init_params",
    ),
    "optimizer state of another network": (
        lambda: fit(optimizer="adam", optimizer_state=_adam_state_of((784, 16, 10))),
        ValueError,
        r"optimizer_state: expected the state of the params it was made for, found other params \(this state "
        r"holds 1 epoch of another network, layer sizes \(784, 16, 10\)\)\. Give each new network a new",
    ),
    "backward with one-hot labels": (
        lambda: backward(P, forward(P, X)[1], one_hot(Y)),
        ValueError,
        r"y\.argmax\(axis=1\)",
    ),
    "grads missing a key": (
        lambda: update(init_params(), {"W1": 0}, 0.1),
        ValueError,
        r"grads: expected the same keys",
    ),
    "cross_entropy, labels of another batch": (
        lambda: cross_entropy(forward(P, X)[0], Y[:5]),
        ValueError,
        r"y: expected one label per image: 40 labels, found 5",
    ),
    # issue 14: training and schedules
    "one state shared by two runs of a sweep": (
        lambda: fit(optimizer="adam", optimizer_state=_adam_state_of((784, 8, 10))),
        ValueError,
        r"optimizer_state: expected the state of the params it was made for, found other params",
    ),
    "schedule_epochs below epochs": (
        lambda: fit(optimizer="adam", lr_schedule="cosine", epochs=3, schedule_epochs=2),
        ValueError,
        r"schedule_epochs: expected at least epochs=3: the schedule spans the whole run, found 2\.",
    ),
    "pixels divided by 255 twice": (
        lambda: fit(X=X / 255),
        ValueError,
        r"X: expected pixel values in \[0, 1\] with the ink near 1, found images almost all black \(largest "
        r"0\.00392\)\. Divided by 255 twice\?",
    ),
    "the hidden layer forgotten": (
        lambda: fit(params=init_params((784, 256))),
        ValueError,
        r"params: expected a network with 10 outputs, one per digit, found 256 outputs \(layer sizes \(784, 256\)\)",
    ),
    "5 outputs for labels 0-9": (
        lambda: accuracy(init_params((784, 8, 5)), X, Y),
        ValueError,
        r"params: expected a network with 10 outputs, one per digit, found 5 outputs",
    ),
    "cross_entropy of scores": (
        lambda: cross_entropy(RNG.standard_normal((40, 10)), Y),
        ValueError,
        r"probs: expected probabilities: rows of numbers >= 0 that sum to 1, found row 0 .*Use mnistnn\.softmax",
    ),
    # round two: found by trying more wrong inputs
    "decoupled decay that would zero the weights": (
        lambda: fit(lr=0.1, decoupled_decay=10),
        ValueError,
        r"decoupled_decay: expected less than 1 / lr = 10, found 10\.",
    ),
    "early stopping in a run continued across calls": (
        lambda: fit(X_val=X, y_val=Y, patience=2, optimizer_state={}),
        ValueError,
        r"patience: expected a run trained in one call, found an optimizer_state",
    ),
    "shifts of points that are not images": (
        lambda: train(init_params((2, 4, 3)), X[:, :2], Y % 3, epochs=1, lr=0.1, max_shift=1, progress=False),
        ValueError,
        r"max_shift: expected images of 28 x 28 pixels \(784 inputs\) to shift, found 2 inputs",
    ),
    "a dropout rate in percent": (
        lambda: dropout_mask((2, 3), 20, RNG),
        ValueError,
        r"p: expected a number in \[0, 1\), found 20\.0",
    ),
    "a scalar bias gradient given to Adam": (
        lambda: adam(
            init_params((784, 8, 10)),
            {k: (0.5 if k == "b1" else v) for k, v in init_params((784, 8, 10)).items()},
            {},
            1e-3,
        ),
        ValueError,
        r"grads\['b1'\]: expected shape \(8,\), like params\['b1'\], found shape \(\)",
    ),
    "load_mnist(download='no')": (lambda: load_mnist(download="no"), TypeError, r"download: expected True or False"),
    "integer weights": (lambda: init_params((784, 8, 10), dtype=int), TypeError, r"dtype: expected a floating-point"),
    "compare of seeds in columns": (
        lambda: compare(np.ones((50, 3), bool), np.ones((50, 3), bool)),
        ValueError,
        r"correct_a: expected one row per seed .*found shape \(50, 3\)\. One row per seed: pass correct_a\.T",
    ),
    "compare of predictions": (
        lambda: compare(Y, Y[::-1]),
        ValueError,
        r"correct_a: expected True/False \(right or wrong\) per image, found dtype int64",
    ),
    "validation split too large": (lambda: validation_split(X, Y, n_val=40), ValueError, r"n_val: .*from 1 to 39"),
    "random_shift of 28 x 28 images": (
        lambda: random_shift(X.reshape(40, 28, 28), 2, RNG),
        ValueError,
        r"reshape\(len\(X\), 784\)",
    ),
}


def _adam_state_of(sizes):
    state: dict = {}
    train(
        init_params(sizes),
        X,
        Y,
        epochs=1,
        lr=1e-3,
        batch_size=20,
        optimizer="adam",
        optimizer_state=state,
        progress=False,
    )
    return state


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_gets_a_message_that_says_what_to_do(case):
    call, error, message = CASES[case]
    with pytest.raises(error, match=message):
        call()


def test_pandas_inputs_are_taken_by_position_not_by_index_label():
    # a Series whose index is not 0..m-1, as after df.sample() or a boolean filter
    y_series = pd.Series(Y, index=np.arange(40)[::-1] * 3)
    X_frame = pd.DataFrame(X, index=y_series.index)
    a, b = init_params((784, 8, 10)), init_params((784, 8, 10))
    fit(params=a, X=X_frame, y=y_series)
    fit(params=b)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert accuracy(a, X_frame, y_series) == accuracy(a, X, Y)
    X_tr, y_tr, _, _ = validation_split(X_frame, y_series, n_val=10)
    assert np.array_equal(y_tr, Y[:30])


def test_float64_images_are_converted_once_and_train_like_float32():
    a, b = init_params((784, 8, 10)), init_params((784, 8, 10))
    fit(params=a, X=X.astype(np.float64))
    fit(params=b)
    assert all(a[k].dtype == np.float32 and np.array_equal(a[k], b[k]) for k in a)


def test_whole_float_labels_are_accepted():
    a, b = init_params((784, 8, 10)), init_params((784, 8, 10))
    fit(params=a, y=Y.astype(np.float64))
    fit(params=b)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_divergence_names_the_learning_rate_and_suggests_a_smaller_one():
    # a step this large overflows the float32 weights to inf, so the loss becomes NaN
    with pytest.raises(
        FloatingPointError, match=re.escape("(lr=1e+38) is probably too high") + r".*try lr=1e\+37"
    ) as e:
        fit(lr=1e38, epochs=5, batch_size=None)
    assert list(e.value.history["epoch"]) == [1]  # the epoch finished before it diverged is kept
