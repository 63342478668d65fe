"""The network: gradients checked numerically, and the sanity checks any network should pass."""

import numpy as np
import pytest

from mnistnn import (
    accuracy,
    backward,
    cross_entropy,
    forward,
    init_params,
    layer_sizes,
    numerical_gradient,
    predict,
    rel_error,
    softmax,
    train,
    update,
)


def away_from_kink(params, X, activation):
    """True if no hidden pre-activation is within 1e-3 of 0, where ReLU's slope jumps."""
    _, cache = forward(params, X, activation)
    return all(np.abs(cache[k]).min() > 1e-3 for k in cache if k.startswith("Z"))


def check_gradients(sizes, m, activation="relu", weight_decay=0.0, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(sizes, seed=seed, dtype=np.float64)
    for key in params:  # non-zero biases, so their gradients are tested at a general point
        params[key] += 0.1 * rng.standard_normal(params[key].shape)
    X = rng.standard_normal((m, sizes[0]))
    y = rng.integers(0, sizes[-1], size=m)
    assert away_from_kink(params, X, activation)

    def loss():
        probs, _ = forward(params, X, activation)
        penalty = sum(np.sum(params[k] ** 2) for k in params if k.startswith("W"))
        return cross_entropy(probs, y) + 0.5 * weight_decay * penalty

    _, cache = forward(params, X, activation)
    grads = backward(params, cache, y, weight_decay)
    assert list(grads) == list(params)
    for key in params:
        assert grads[key].shape == params[key].shape
        num = numerical_gradient(loss, params[key])
        assert np.abs(num).max() > 1e-4, f"{key}: its true gradient is 0 here, so the check would prove nothing"
        assert rel_error(grads[key], num) < 1e-7, key


@pytest.mark.parametrize(
    "sizes, m, seed",
    [
        ((5, 4, 3), 1, 1),  # a batch of one (a seed where some hidden unit is on)
        ((7, 6, 10), 13, 0),  # odd sizes
        ((784, 10, 10), 3, 0),  # the classic network's shapes
        ((9, 8, 7, 6, 10), 11, 0),  # a deeper network
    ],
)
def test_backward_matches_numerical_gradient(sizes, m, seed):
    check_gradients(sizes, m, seed=seed)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_backward_other_activations(activation):
    check_gradients((6, 5, 4, 3), 7, activation=activation)


def test_backward_with_weight_decay():
    check_gradients((6, 5, 3), 4, weight_decay=0.3)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_dropout_backward_matches_numerical_gradient_for_a_fixed_mask(activation):
    rng = np.random.default_rng(1)
    params = init_params((6, 8, 7, 3), seed=1, dtype=np.float64)
    for key in params:  # non-zero biases keep the ReLU inputs of dropped-out rows away from 0
        params[key] += 0.1 * rng.standard_normal(params[key].shape)
    X, y = rng.standard_normal((5, 6)), rng.integers(0, 3, size=5)
    _, cache = forward(params, X, activation, dropout=0.5, rng=np.random.default_rng(7))
    assert all(np.abs(cache[k]).min() > 1e-3 for k in cache if k.startswith("Z"))

    def loss():  # the same random generator state gives the same dropout mask every time
        probs, _ = forward(params, X, activation, dropout=0.5, rng=np.random.default_rng(7))
        return cross_entropy(probs, y)

    grads = backward(params, cache, y)
    for key in params:
        assert rel_error(grads[key], numerical_gradient(loss, params[key])) < 1e-7, key


def test_init_shapes_and_dtype():
    params = init_params()
    assert {k: v.shape for k, v in params.items()} == {"W1": (784, 10), "b1": (10,), "W2": (10, 10), "b2": (10,)}
    assert all(v.dtype == np.float32 for v in params.values())
    assert layer_sizes(init_params((784, 32, 16, 10))) == (784, 32, 16, 10)


def test_he_initialisation_scale():
    W1 = init_params((784, 1000, 10), seed=3)["W1"]
    assert W1.std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)


@pytest.mark.parametrize(
    "init, std",
    [("xavier", np.sqrt(2 / (784 + 1000))), ("lecun", np.sqrt(1 / 784))],
)
def test_glorot_and_lecun_initialisation_scales(init, std):
    # Glorot and Bengio's "Xavier" normal: variance 2 / (n_in + n_out); LeCun's: 1 / n_in
    assert init_params((784, 1000, 10), seed=3, init=init)["W1"].std() == pytest.approx(std, rel=0.02)


def test_initial_loss_is_close_to_ln10():
    rng = np.random.default_rng(0)
    X = rng.random((500, 784), dtype=np.float32) * 0.1  # small inputs give nearly uniform predictions
    y = rng.integers(0, 10, size=500)
    probs, _ = forward(init_params((784, 64, 10)), X)
    assert cross_entropy(probs, y) == pytest.approx(np.log(10), abs=0.1)


def test_probabilities_sum_to_one():
    rng = np.random.default_rng(0)
    probs, _ = forward(init_params((784, 20, 10)), rng.random((8, 784), dtype=np.float32))
    assert probs.shape == (8, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)


def test_softmax_and_cross_entropy_stay_finite_at_extreme_logits():
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    P = softmax(Z)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P[0], [1, 0, 0])
    np.testing.assert_allclose(P[1], [1 / 3] * 3)
    loss = cross_entropy(P, np.array([1, 0]))  # probability 0 for the true class of row 0
    assert np.isfinite(loss) and loss > 100


def test_update_is_a_gradient_descent_step():
    params = init_params((4, 3, 2), seed=0)
    before = {k: v.copy() for k, v in params.items()}
    grads = {k: np.ones_like(v) for k, v in params.items()}
    update(params, grads, 0.5)
    for key in params:
        np.testing.assert_allclose(params[key], before[key] - 0.5)


def test_can_overfit_twenty_examples():
    rng = np.random.default_rng(0)
    X = (rng.random((20, 784)) < 0.2).astype(np.float32)  # sparse, like the ink of a digit
    y = np.arange(20) % 10
    params = init_params((784, 50, 10), seed=0)
    history = train(params, X, y, epochs=100, lr=0.1, progress=False)
    assert accuracy(params, X, y) == 1.0
    assert history["loss"].iloc[-1] < 0.05


def test_same_seed_gives_identical_results():
    rng = np.random.default_rng(0)
    X, y = rng.random((300, 784), dtype=np.float32), rng.integers(0, 10, size=300)
    runs = []
    for _ in range(2):
        params = init_params((784, 16, 10), seed=5)
        history = train(params, X, y, epochs=3, lr=0.1, batch_size=32, dropout=0.2, max_shift=1, seed=5, progress=False)
        runs.append((params, history))
    (p1, h1), (p2, h2) = runs
    for key in p1:
        np.testing.assert_array_equal(p1[key], p2[key])
    np.testing.assert_array_equal(h1["loss"], h2["loss"])
    np.testing.assert_array_equal(predict(p1, X), predict(p2, X))


def test_dropout_mask_keeps_each_unit_with_probability_1_minus_p_and_has_mean_1():
    from mnistnn.network import dropout_mask

    rng = np.random.default_rng(0)
    mask = dropout_mask((1000, 1000), 0.2, rng)
    values = np.unique(mask)
    assert values[0] == 0 and len(values) == 2 and mask.dtype == np.float32
    kept = float(np.mean(mask > 0))
    assert abs(kept - 0.8) < 4 * np.sqrt(0.2 * 0.8 / mask.size)  # 4 standard errors
    p_used = 13107 / 65536  # round(0.2 * 65536) / 65536
    assert values[1] == np.float32(1 / (1 - p_used))  # so that the expected value of the mask is exactly 1
    assert not np.array_equal(mask, dropout_mask((1000, 1000), 0.2, rng))  # a new mask at every call
    assert np.all(dropout_mask((3, 5), 0.0, rng) == 1)
