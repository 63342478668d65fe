"""The neural network: parameters, forward pass, backward pass, one update step.

The lesson is the two-layer network

    Z1 = X W1 + b1        (m, h)    X is one image per row: (m, 784)
    A1 = ReLU(Z1)         (m, h)
    Z2 = A1 W2 + b2       (m, 10)
    A2 = softmax(Z2)      (m, 10)   each row is a probability for every digit

and its gradients, worked backwards from the loss:

    dZ2 = (A2 - Y) / m              Y is the one-hot matrix of the labels
    dW2 = A1^T dZ2,   db2 = column sums of dZ2
    dZ1 = dZ2 W2^T * ReLU'(Z1)
    dW1 = X^T dZ1,    db1 = column sums of dZ1

The code below is exactly that, written once for layer l and run for l = 1, 2
(or more: give `init_params` more layer sizes and the same loop builds a
deeper network). Every parameter lives in a dict, `params`, with keys
W1, b1, W2, b2, ...; `backward` returns `grads` with the same keys and shapes,
so any code (the update, the gradient check) can walk both dicts together.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import (
    _describe,
    check_choice,
    check_images,
    check_int,
    check_labels,
    check_labels_fit,
    check_number,
    check_params,
    check_probabilities,
    fail,
)

Params = dict[str, np.ndarray]

INITS = ("he", "xavier", "lecun", "uniform", "zeros")


def init_params(
    layer_sizes: tuple[int, ...] = (784, 10, 10),
    seed: int = 0,
    dtype: type = np.float32,
    init: str = "he",
) -> Params:
    """Create the weights and biases of a network with the given layer sizes.

    `layer_sizes` lists the width of every layer from input to output:
    (784, 10, 10) is the classic 784-10-10 network. Layer l gets a weight
    matrix W{l} of shape (n_in, n_out) and a bias vector b{l} of shape (n_out,).

    Weights must start random and different from each other: if every hidden
    unit started the same, every unit would get the same gradient and they
    would stay identical forever ("symmetry"). How large they start matters too:
    - "he": normal with standard deviation sqrt(2 / n_in). It keeps the size of
      the signal steady through ReLU layers, which zero half their inputs.
    - "xavier" (Glorot and Bengio, 2010): normal with standard deviation
      sqrt(2 / (n_in + n_out)), a compromise that keeps the signal's size steady
      going forward (which wants 1 / n_in) and the gradient's going back (1 / n_out).
      It assumes an activation with slope 1 near 0, as tanh has (sigmoid's is only 1/4).
    - "lecun": normal with standard deviation sqrt(1 / n_in) (LeCun, 1998): only
      the forward argument.
    - "uniform": uniform in [-0.5, 0.5), as in the popular video tutorial; too
      large for 784 inputs, which is one reason that network learns slowly.
    - "zeros": all zeros; only here to show why not. It is worse than symmetry:
      with every weight 0, every weight's gradient is 0 too (dW2 = A1^T dZ2 with
      A1 = 0, and dA1 = dZ2 W2^T = 0), so only the output bias ever moves.
    Biases start at zero. The same seed always gives the same numbers.
    """
    check_choice(init, "init", INITS)
    if not (isinstance(dtype, type) and np.issubdtype(dtype, np.floating)):
        fail("dtype", "a floating-point type, np.float32 or np.float64", repr(dtype), error=TypeError)
    if not isinstance(layer_sizes, (tuple, list)) or len(layer_sizes) < 2:
        fail("layer_sizes", "a tuple of at least two sizes, input to output, such as (784, 256, 10)", repr(layer_sizes))
    layer_sizes = tuple(check_int(n, f"layer_sizes[{i}]", low=1) for i, n in enumerate(layer_sizes))
    seed = check_int(seed, "seed", low=0)
    rng = np.random.default_rng(seed)
    params: Params = {}
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:], strict=True), start=1):
        if init == "he":
            W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        elif init == "xavier":
            W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
        elif init == "lecun":
            W = rng.standard_normal((n_in, n_out)) * np.sqrt(1.0 / n_in)
        elif init == "uniform":
            W = rng.uniform(-0.5, 0.5, size=(n_in, n_out))
        else:
            W = np.zeros((n_in, n_out))
        params[f"W{l}"] = W.astype(dtype)
        params[f"b{l}"] = np.zeros(n_out, dtype=dtype)
    return params


def num_layers(params: Params) -> int:
    """How many weight layers a parameter dict holds (2 for 784-h-10)."""
    return sum(1 for key in params if key.startswith("W"))


def layer_sizes(params: Params) -> tuple[int, ...]:
    """The layer sizes that `init_params` was given, read back from the shapes."""
    L = num_layers(params)
    return (params["W1"].shape[0],) + tuple(params[f"W{l}"].shape[1] for l in range(1, L + 1))


# Hidden-layer activations and their derivatives, both as functions of Z.
def relu(Z: np.ndarray) -> np.ndarray:
    """ReLU(z) = max(z, 0), element by element."""
    return np.maximum(Z, 0)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """sigmoid(z) = 1 / (1 + e^-z), squashing every value into (0, 1)."""
    return 1.0 / (1.0 + np.exp(-Z))


def sigmoid_grad(Z: np.ndarray) -> np.ndarray:
    """sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))."""
    S = sigmoid(Z)
    return S * (1 - S)


def tanh_grad(Z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2."""
    return 1 - np.tanh(Z) ** 2


ACTIVATIONS = {
    "relu": (relu, lambda Z: Z > 0),  # slope 1 where z > 0, else 0
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (np.tanh, tanh_grad),
}


def softmax(Z: np.ndarray) -> np.ndarray:
    """Turn each row of scores Z (m, 10) into probabilities that sum to 1.

    softmax(z)_k = e^{z_k} / sum_j e^{z_j}. Subtracting the row's largest score
    first changes nothing mathematically (it cancels in the fraction) but keeps
    e^z from overflowing: the largest exponent becomes e^0 = 1.
    """
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    E /= E.sum(axis=1, keepdims=True)
    return E


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator, dtype: type = np.float32) -> np.ndarray:
    """Inverted dropout's mask: 0 for a dropped unit (probability p), 1 / (1 - p) for a kept one.

    Its mean is 1, so multiplying by it leaves every unit's expected value unchanged and the
    network needs no change at prediction time. The textbook draws one random float per unit,
    keep = rng.random(shape) >= p; drawing them is the slow part of dropout, so each unit gets
    16 random bits instead (four units per 64-bit draw, four times fewer draws). A unit is dropped
    when its 16 bits, a whole number from 0 to 65535, are below round(p * 65536): p is used to
    within 1/65536 (0.2 becomes 13107 / 65536 = 0.19999695), and survivors are divided by exactly
    the 1 - p that results.
    """
    p = check_number(p, "p", low=0, high=1)
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a NumPy random Generator", _describe(rng), "Use np.random.default_rng(seed).", TypeError)
    if not (isinstance(shape, tuple) and all(isinstance(n, (int, np.integer)) and n >= 0 for n in shape)):
        fail("shape", "a tuple of whole numbers, such as A.shape", _describe(shape), error=TypeError)
    threshold = round(p * 65536)
    n = math.prod(shape)
    bits = rng.bit_generator.random_raw(-(-n // 4)).view(np.uint16)[:n].reshape(shape)
    return np.multiply(bits >= threshold, 65536 / (65536 - threshold), dtype=dtype)


def one_hot(y: np.ndarray, num_classes: int = 10, dtype: type = np.float32) -> np.ndarray:
    """Labels (m,) -> matrix (m, num_classes) with a single 1 per row, at column y[i]."""
    y = check_labels(y, "y", num_classes=num_classes)
    Y = np.zeros((len(y), num_classes), dtype=dtype)
    Y[np.arange(len(y)), y] = 1
    return Y


def forward(
    params: Params,
    X: np.ndarray,
    activation: str = "relu",
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, dict]:
    """Run the network on a batch and return `(probs, cache)`.

    X: (m, 784), one image per row. probs: (m, 10), row i holds the predicted
    probability of each digit for image i. `cache` keeps every A{l} and Z{l}
    (A0 is X) because the backward pass needs them.

    For l = 1 .. L-1 (the hidden layers): Z{l} = A{l-1} W{l} + b{l} and
    A{l} = activation(Z{l}). The last layer is Z{L} = A{L-1} W{L} + b{L},
    followed by softmax instead of the activation.

    `dropout` (training only) zeroes each hidden unit with that probability and
    scales the survivors by 1 / (1 - dropout) ("inverted" dropout, `dropout_mask`), so
    the expected value of every unit is unchanged and prediction needs no change:
    at prediction time call forward without dropout.
    """
    check_params(params)
    X = check_images(X, "X", width=params["W1"].shape[0], values=False)  # the values: see accuracy and train
    check_choice(activation, "activation", ACTIVATIONS)
    dropout = check_number(dropout, "dropout", low=0, high=1)
    if dropout > 0 and not isinstance(rng, np.random.Generator):
        fail("rng", "a random generator for dropout > 0", _describe(rng), "Pass rng=np.random.default_rng(seed).")
    return _forward(params, X, activation, dropout, rng)


def _forward(params: Params, X: np.ndarray, activation: str, dropout: float, rng) -> tuple[np.ndarray, dict]:
    """`forward`'s computation, without its checks: the training loop checks its inputs once."""
    act, _ = ACTIVATIONS[activation]
    L = num_layers(params)
    cache: dict = {"A0": X, "activation": activation, "dropout": dropout}
    A = X
    for l in range(1, L):
        Z = A @ params[f"W{l}"]
        Z += params[f"b{l}"]  # b is added to every row, in place (no second (m, n_out) array)
        A = act(Z)
        if dropout > 0:
            keep = dropout_mask(A.shape, dropout, rng, A.dtype)  # 0, or 1 / (1 - dropout)
            A *= keep  # A is a new array (act made it): changing it in place is safe
            cache[f"keep{l}"] = keep
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    Z = A @ params[f"W{L}"]
    Z += params[f"b{L}"]
    probs = softmax(Z)
    cache[f"A{L}"] = probs
    return probs, cache


def backward(params: Params, cache: dict, y: np.ndarray, weight_decay: float = 0.0) -> Params:
    """Gradient of the mean cross-entropy over the batch, for every parameter.

    `cache` is what `forward` returned for the same batch, `y` the integer
    labels (m,). Returns `grads` with the same keys and shapes as `params`.

    The softmax and the cross-entropy together have the simple gradient
    dZ{L} = (A{L} - Y) / m with respect to the output scores. From there,
    for l = L, L-1, ..., 1:
        dW{l} = A{l-1}^T dZ{l}        (n_in, n_out)
        db{l} = sum of dZ{l} over the batch (rows)   (n_out,)
        dA{l-1} = dZ{l} W{l}^T        (m, n_in), passed one layer down
        dZ{l-1} = dA{l-1} * activation'(Z{l-1})
    `weight_decay` adds the gradient of the L2 penalty (weight_decay / 2) * sum W^2,
    which is weight_decay * W, to every weight matrix (not to the biases).
    """
    check_params(params)
    if not isinstance(cache, dict) or "A0" not in cache or "activation" not in cache:
        fail("cache", "the cache that forward returned with the probabilities", _describe(cache), error=TypeError)
    y = check_labels_fit(params, y, "y", n=len(cache["A0"]))
    weight_decay = check_number(weight_decay, "weight_decay", low=0)
    return _backward(params, cache, y, weight_decay)


def _backward(params: Params, cache: dict, y: np.ndarray, weight_decay: float) -> Params:
    """`backward`'s computation, without its checks: the training loop checks its inputs once."""
    L = num_layers(params)
    _, act_grad = ACTIVATIONS[cache["activation"]]
    m = len(y)
    dZ = cache[f"A{L}"].copy()
    dZ[np.arange(m), y] -= 1  # A - Y without building the one-hot Y
    dZ /= m
    grads: Params = {}
    for l in range(L, 0, -1):
        A_prev = cache[f"A{l - 1}"]
        grads[f"W{l}"] = A_prev.T @ dZ
        grads[f"b{l}"] = dZ.sum(axis=0)
        if weight_decay:
            grads[f"W{l}"] += weight_decay * params[f"W{l}"]
        if l > 1:
            dA = dZ @ params[f"W{l}"].T
            if f"keep{l - 1}" in cache:
                dA *= cache[f"keep{l - 1}"]
            dZ = dA * act_grad(cache[f"Z{l - 1}"])
    return {key: grads[key] for key in params}  # same key order as params


def update(params: Params, grads: Params, lr: float) -> Params:
    """One step of gradient descent: W <- W - lr * dW for every parameter.

    Updates the arrays in place (no copies of the weights per step) and returns
    `params` so that `params = update(params, grads, lr)` also reads naturally.
    """
    check_step(params, grads, lr)
    for key in params:
        params[key] -= np.asarray(lr, dtype=params[key].dtype) * grads[key]
    return params


def check_step(params: Params, grads: Params, lr: float) -> None:
    """What every optimiser step checks first: gradients shaped like the parameters, and a learning rate.

    A gradient of the wrong shape (a single number for a bias, a transposed matrix) would otherwise be
    broadcast into the step without a word.
    """
    if not isinstance(params, dict):
        fail("params", "a dict of arrays W1, b1, ...", type(params).__name__, error=TypeError)
    check_number(lr, "lr", low=0)
    if not isinstance(grads, dict) or grads.keys() != params.keys():
        found = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
        fail("grads", f"the same keys as params, {sorted(params)}", f"{found}")
    for key in params:
        if np.shape(grads[key]) != params[key].shape:
            found = f"shape {np.shape(grads[key])}"
            fail(f"grads[{key!r}]", f"shape {params[key].shape}, like params[{key!r}]", found)


def cross_entropy(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy loss: the average of -log(probability of the true digit).

    probs: (m, 10), y: (m,) integer labels. A probability of exactly 0 for the
    true digit would give -log(0) = inf, so probabilities are clipped to a tiny
    positive number first: the loss stays finite (and very large). Scores (the
    network's outputs before softmax) are refused: their "loss" can be negative.
    """
    probs = np.asarray(probs)
    probs = check_probabilities(probs, "probs", num_classes=probs.shape[1] if probs.ndim == 2 else 10)
    y = check_labels(y, "y", n=len(probs), num_classes=probs.shape[1])
    return _cross_entropy(probs, y)


def _cross_entropy(probs: np.ndarray, y: np.ndarray) -> float:
    """cross_entropy without the checks, for the training loop (its probs come from softmax)."""
    p_true = probs[np.arange(len(y)), y]
    tiny = np.finfo(probs.dtype).tiny
    return float(-np.log(np.maximum(p_true, tiny)).sum() / len(y))


def predict(params: Params, X: np.ndarray, activation: str = "relu") -> np.ndarray:
    """The most probable digit for each row of X: (m,) integers."""
    X = check_images(X, "X", width=check_params(params)["W1"].shape[0])
    probs, _ = forward(params, X, activation)
    return probs.argmax(axis=1)


def accuracy(params: Params, X: np.ndarray, y: np.ndarray, activation: str = "relu") -> float:
    """Fraction of the rows of X whose predicted digit equals y."""
    X = check_images(X, "X", width=check_params(params)["W1"].shape[0])
    y = check_labels_fit(params, y, "y", n=len(X))
    return float(np.mean(predict(params, X, activation) == y))
