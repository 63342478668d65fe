"""Training loop, optimisers, augmentation and saving models."""

import tracemalloc

import numpy as np
import pytest

import mnistnn.training as training
from mnistnn import (
    accuracy,
    init_params,
    load_params,
    random_shift,
    read_metadata,
    save_params,
    train,
    validation_split,
)
from mnistnn.optim import adam, cosine_lr, momentum, sgd


@pytest.fixture
def blobs():
    """An easy 10-class problem: each class is a noisy copy of its own random pattern."""
    rng = np.random.default_rng(0)
    centers = rng.random((10, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=600)
    X = centers[y] + 0.3 * rng.standard_normal((600, 784), dtype=np.float32)
    return np.clip(X, 0, 1).astype(np.float32), y  # pixels in [0, 1], as train expects


def test_history_has_one_row_per_epoch(blobs):
    X, y = blobs
    params = init_params((784, 32, 10))
    history = train(
        params, X[:500], y[:500], epochs=4, lr=0.1, batch_size=64, X_val=X[500:], y_val=y[500:], progress=False
    )
    assert list(history.columns) == ["epoch", "loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"]
    assert list(history["epoch"]) == [1, 2, 3, 4]
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]
    assert history["val_acc"].iloc[-1] == accuracy(params, X[500:], y[500:])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_every_optimizer_learns(blobs, optimizer, schedule):
    X, y = blobs
    params = init_params((784, 32, 10))
    lr = 0.001 if optimizer == "adam" else 0.05
    train(params, X, y, epochs=3, lr=lr, batch_size=50, optimizer=optimizer, lr_schedule=schedule, progress=False)
    assert accuracy(params, X, y) > 0.9


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_other_activations_learn(blobs, activation):
    X, y = blobs
    params = init_params((784, 32, 10), init="xavier")
    train(params, X, y, epochs=5, lr=0.01, batch_size=50, optimizer="adam", activation=activation, progress=False)
    assert accuracy(params, X, y, activation) > 0.9


def test_all_zero_initialisation_is_a_stationary_point_where_only_the_output_bias_moves(blobs):
    X, y = blobs
    params = init_params((784, 16, 10), init="zeros")
    train(params, X, y, epochs=3, lr=0.1, batch_size=50, progress=False)
    assert not any(params[k].any() for k in ("W1", "b1", "W2"))  # dW2 = A1^T dZ2 = 0 and dA1 = dZ2 W2^T = 0
    assert params["b2"].any()


def test_a_constant_start_moves_but_every_hidden_unit_stays_the_same(blobs):
    X, y = blobs
    params = {k: np.full_like(v, 0.01) for k, v in init_params((784, 16, 10)).items()}
    start = params["W1"].copy()
    train(params, X, y, epochs=3, lr=0.1, batch_size=50, progress=False)
    moved = np.abs(params["W1"] - start).max()
    assert moved > 1e-3  # the units learn ...
    # ... but all the same thing (up to rounding: BLAS may add the columns in different orders)
    assert np.abs(params["W1"] - params["W1"][:, :1]).max() < 1e-5 * moved


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_training_split_over_two_calls_equals_one_call(blobs, optimizer):
    # the state carries the optimiser's memory, the step count and the random generator, and
    # schedule_epochs keeps the cosine decay spanning the whole run: the result is the same to the bit
    X, y = blobs
    settings = {
        "lr": 0.01 if optimizer == "adam" else 0.05,
        "batch_size": 64,
        "optimizer": optimizer,
        "lr_schedule": "cosine",
        "dropout": 0.1,
        "max_shift": 1,
        "progress": False,
    }
    once = init_params((784, 16, 10))
    history = train(once, X, y, epochs=4, **settings)
    split, state = init_params((784, 16, 10)), {}
    first = train(split, X, y, epochs=3, schedule_epochs=4, optimizer_state=state, **settings)
    second = train(split, X, y, epochs=1, schedule_epochs=4, optimizer_state=state, **settings)
    assert all(np.array_equal(once[k], split[k]) for k in once)
    assert list(first["epoch"]) + list(second["epoch"]) == [1, 2, 3, 4]
    assert list(first["loss"]) + list(second["loss"]) == list(history["loss"])


def test_the_second_call_may_leave_schedule_epochs_out(blobs):
    X, y = blobs
    settings = {"lr": 0.01, "batch_size": 64, "optimizer": "adam", "lr_schedule": "cosine", "progress": False}
    once, split, state = init_params((784, 16, 10)), init_params((784, 16, 10)), {}
    train(once, X, y, epochs=3, **settings)
    train(split, X, y, epochs=2, schedule_epochs=3, optimizer_state=state, **settings)
    train(split, X, y, epochs=1, optimizer_state=state, **settings)  # the state remembers the schedule
    assert all(np.array_equal(once[k], split[k]) for k in once)


RESUME_MISTAKES = {
    # continuing a finished cosine run: it would climb back up from lr 0 (and Adam would divide by 0)
    "past the end of the schedule": ({}, r"epochs: expected at most the 0 epochs left of this run's cosine schedule"),
    "a longer schedule than it started with": ({"schedule_epochs": 4}, r"schedule_epochs: expected the schedule"),
    "another learning rate": ({"lr": 0.02}, r"lr: expected 0\.01, as in the run this optimizer_state continues"),
    "another optimiser": ({"optimizer": "momentum"}, r"optimizer: expected 'adam', as in the run"),
}


@pytest.mark.parametrize("case", RESUME_MISTAKES)
def test_continuing_a_run_with_other_settings_is_refused_before_training(blobs, case):
    X, y = blobs
    changes, message = RESUME_MISTAKES[case]
    settings = {"lr": 0.01, "batch_size": 64, "optimizer": "adam", "lr_schedule": "cosine", "progress": False}
    params, state = init_params((784, 16, 10)), {}
    train(params, X, y, epochs=2, optimizer_state=state, **settings)
    before = {k: v.copy() for k, v in params.items()}
    with pytest.raises(ValueError, match=message):
        train(params, X, y, epochs=1, optimizer_state=state, **(settings | changes))
    assert all(np.array_equal(before[k], params[k]) for k in params) and state["epoch"] == 2


def test_a_constant_schedule_continues_as_long_as_asked(blobs):
    X, y = blobs
    params, state = init_params((784, 16, 10)), {}
    for lr in (0.1, 0.05):  # a learning rate lowered by hand between calls is allowed here
        train(params, X, y, epochs=1, lr=lr, batch_size=64, optimizer="momentum", optimizer_state=state, progress=False)
    assert state["epoch"] == 2


def test_divergence_stops_with_a_clear_error(blobs):
    X, y = blobs
    # a step this large overflows float32 weights to inf, so the loss becomes NaN
    with pytest.raises(FloatingPointError, match=r"loss became nan at epoch \d+.*learning rate .* too high"):
        train(init_params((784, 32, 10)), X, y, epochs=5, lr=1e38, progress=False)


def test_interrupt_returns_what_was_learned(blobs, monkeypatch):
    X, y = blobs
    calls = {"n": 0}
    real_forward = training._forward

    def forward_then_interrupt(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 25:  # Ctrl-C during the third epoch (10 batches per epoch)
            raise KeyboardInterrupt
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(training, "_forward", forward_then_interrupt)
    params = init_params((784, 32, 10))
    before = params["W1"].copy()
    history = train(params, X, y, epochs=10, lr=0.1, batch_size=60, progress=False)
    assert list(history["epoch"]) == [1, 2]
    assert not np.array_equal(params["W1"], before)


def test_momentum_and_adam_match_their_formulas():
    rng = np.random.default_rng(0)
    w0, g1, g2 = (rng.standard_normal(5) for _ in range(3))
    params, state = {"W": w0.copy()}, {}
    momentum(params, {"W": g1}, state, lr=0.1, beta=0.9)
    momentum(params, {"W": g2}, state, lr=0.1, beta=0.9)
    np.testing.assert_allclose(params["W"], w0 - 0.1 * g1 - 0.1 * (0.9 * g1 + g2))

    params, state = {"W": w0.copy()}, {}
    adam(params, {"W": g1}, state, lr=0.01)
    # after one step Adam moves every weight by about lr, against its gradient's sign
    np.testing.assert_allclose(params["W"], w0 - 0.01 * np.sign(g1), rtol=1e-6)

    params, state = {"W": w0.copy()}, {}
    sgd(params, {"W": g1}, state, lr=0.5)
    np.testing.assert_allclose(params["W"], w0 - 0.5 * g1)


def test_adam_matches_the_textbook_formulas_over_several_steps():
    rng = np.random.default_rng(1)
    w = rng.standard_normal(6)
    params, state = {"W": w.copy()}, {}
    m, v = np.zeros(6), np.zeros(6)
    for t in range(1, 8):
        g = rng.standard_normal(6) * 10.0 ** rng.integers(-9, 2)  # include tiny gradients, where eps matters
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
        w = w - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        adam(params, {"W": g}, state, lr=0.01)
        np.testing.assert_allclose(params["W"], w, rtol=1e-12)


def subnormal_count(memory: dict) -> int:
    return sum(int(np.count_nonzero((a != 0) & (np.abs(a) < np.finfo(a.dtype).tiny))) for a in memory.values())


@pytest.mark.parametrize("step", [adam, momentum])
def test_the_optimisers_memory_never_holds_a_subnormal_number(step):
    # a weight whose gradient was non-zero once and 0 ever after (a pixel inked in one early batch):
    # without the flush its memory would decay by beta at every step into the subnormal range
    params = {"W1": np.ones((2, 3), np.float32), "b1": np.ones(3, np.float32)}
    first = {"W1": np.array([[1e-3, 1e-17, 0], [0, 0, 0]], np.float32), "b1": np.full(3, 1e-3, np.float32)}
    zeros = {key: np.zeros_like(g) for key, g in first.items()}
    state: dict = {}
    for t in range(10_000):  # v decays by 0.999: 1e-34 needs about 9,000 steps to fall below 1.2e-38
        step(params, first if t == 0 else zeros, state, 1e-3)
        memories = [state["m"], state["v"]] if step is adam else [state["velocity"]]
        assert all(subnormal_count(memory) == 0 for memory in memories), t


def test_training_on_rarely_inked_pixels_leaves_no_subnormal_in_adams_memory():
    rng = np.random.default_rng(0)
    X = np.zeros((256, 784), np.float32)
    X[:, :100] = rng.random((256, 100), dtype=np.float32)
    X[0, 500] = 1.0  # one pixel inked in a single image: its weights' gradients are almost always 0
    y = rng.integers(0, 10, size=256)
    state: dict = {}
    train(
        init_params((784, 8, 10)),
        X,
        y,
        epochs=60,
        lr=1e-3,
        batch_size=16,
        optimizer="adam",
        optimizer_state=state,
        progress=False,
    )  # 960 steps: 0.9^960 would take any moment below 1e-38
    assert subnormal_count(state["m"]) == subnormal_count(state["v"]) == 0


def test_adam_makes_its_arrays_once_not_every_step():
    """After the first step, an Adam step allocates nothing the size of a weight matrix."""
    params = init_params((784, 256, 10))
    grads = {key: np.full_like(W, 1e-3) for key, W in params.items()}
    state: dict = {}
    adam(params, grads, state, lr=1e-3)
    tracemalloc.start()
    adam(params, grads, state, lr=1e-3)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < params["W1"].nbytes / 2, f"a step allocated {peak} bytes"


def test_cosine_schedule_runs_from_lr_to_zero():
    assert cosine_lr(0.1, 0, 100) == pytest.approx(0.1)
    assert cosine_lr(0.1, 50, 100) == pytest.approx(0.05)
    assert cosine_lr(0.1, 100, 100) == pytest.approx(0.0)


def test_validation_split_takes_the_last_rows():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_tr, y_tr, X_val, y_val = validation_split(X, y, n_val=3)
    np.testing.assert_array_equal(y_tr, np.arange(7))
    np.testing.assert_array_equal(y_val, [7, 8, 9])
    assert X_val.shape == (3, 2)
    with pytest.raises(ValueError, match="n_val"):
        validation_split(X, y, n_val=10)


def test_random_shift_moves_images_without_changing_them():
    rng = np.random.default_rng(0)
    images = np.zeros((50, 28, 28), dtype=np.float32)
    images[:, 10:18, 12:16] = 1  # a block well inside the frame
    shifted = random_shift(images.reshape(50, 784), 2, rng).reshape(50, 28, 28)
    assert shifted.dtype == np.float32
    np.testing.assert_array_equal(shifted.sum(axis=(1, 2)), images.sum(axis=(1, 2)))  # nothing falls off
    rows = np.array([np.flatnonzero(s.any(axis=1))[0] for s in shifted])
    assert set(rows - 10) <= {-2, -1, 0, 1, 2} and len(set(rows)) > 1


def test_save_and_load_round_trip_exactly(tmp_path):
    params = init_params((784, 20, 15, 10), seed=4)
    path = save_params(tmp_path / "model.npz", params, activation="tanh", test_accuracy=0.5)
    loaded = load_params(path)
    assert list(loaded) == list(params)
    for key in params:
        np.testing.assert_array_equal(loaded[key], params[key])
        assert loaded[key].dtype == params[key].dtype
    assert read_metadata(path) == {"layer_sizes": [784, 20, 15, 10], "activation": "tanh", "test_accuracy": 0.5}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_load_rejects_a_corrupt_file(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"PK\x03\x04 this is no zip archive")
    with pytest.raises(ValueError, match="expected a .npz file written by save_params") as info:
        load_params(path)
    assert str(path) in str(info.value)


def test_load_rejects_a_file_with_other_arrays(tmp_path):
    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    with pytest.raises(ValueError, match=r"expected keys W1, b1, W2, b2, \.\.\., found keys \['weights'\]"):
        load_params(tmp_path / "other.npz")


def test_load_rejects_shapes_that_do_not_fit(tmp_path):
    params = init_params((6, 5, 4))
    params["b2"] = np.zeros(3, dtype=np.float32)
    np.savez(tmp_path / "bad.npz", **params)
    with pytest.raises(
        ValueError,
        match=r"expected W2 of shape \(5, n_out\) and b2 of shape \(n_out,\), found W2 \(5, 4\) and b2 \(3,\)",
    ):
        load_params(tmp_path / "bad.npz")


def test_load_refuses_pickled_objects(tmp_path):
    np.savez(tmp_path / "pickled.npz", W1=np.array([{"a": 1}], dtype=object), b1=np.zeros(1))
    with pytest.raises(ValueError, match="found an array of Python objects, which only pickle could read"):
        load_params(tmp_path / "pickled.npz")


def test_adam_with_a_learning_rate_of_exactly_0_moves_nothing():
    params = {"W1": np.ones((3, 2), np.float32), "b1": np.zeros(2, np.float32)}
    grads = {key: np.full_like(value, 0.5) for key, value in params.items()}
    state: dict = {}
    with np.errstate(divide="raise", invalid="raise"):
        adam(params, grads, state, 0.0)
    assert np.array_equal(params["W1"], np.ones((3, 2))) and state["t"] == 1


def test_rmsprop_matches_its_formula():
    from mnistnn.optim import rmsprop

    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal(2)}
    expected = {key: value.copy() for key, value in params.items()}
    square = {key: np.zeros_like(value) for key, value in params.items()}
    state: dict = {}
    for _ in range(3):
        grads = {key: rng.standard_normal(value.shape) for key, value in params.items()}
        rmsprop(params, grads, state, 0.01)
        for key in params:
            square[key] = 0.9 * square[key] + 0.1 * grads[key] ** 2
            expected[key] -= 0.01 * grads[key] / (np.sqrt(square[key]) + 1e-8)
    assert all(np.allclose(params[key], expected[key]) for key in params)


def test_decoupled_decay_shrinks_the_weights_after_the_step_not_through_adams_scaling(blobs):
    X, y = blobs
    settings = {"epochs": 1, "lr": 1e-3, "batch_size": len(X), "optimizer": "adam", "progress": False}
    plain, decayed = init_params((784, 16, 10)), init_params((784, 16, 10))
    train(plain, X, y, **settings)
    train(decayed, X, y, decoupled_decay=0.5, **settings)  # one step: W <- adam(W) * (1 - lr * 0.5)
    assert np.allclose(decayed["W1"], plain["W1"] * (1 - 1e-3 * 0.5))
    assert np.array_equal(decayed["b1"], plain["b1"])  # biases are not decayed


def test_early_stopping_restores_the_weights_of_the_lowest_validation_loss(blobs):
    X, y = blobs
    params = init_params((784, 64, 10))
    history = train(params, X[:100], y[:100], X_val=X[100:], y_val=y[100:], epochs=60, lr=0.5,
                    batch_size=10, patience=3, progress=False)  # fmt: skip
    best = int(history["val_loss"].idxmin())
    assert history.attrs["best_epoch"] == history["epoch"][best]
    assert len(history) == history.attrs["best_epoch"] + 3 < 60  # stopped 3 epochs after the best
    from mnistnn import cross_entropy, forward

    assert cross_entropy(forward(params, X[100:])[0], y[100:]) == pytest.approx(history["val_loss"][best], rel=1e-6)
    with pytest.raises(ValueError, match="patience: expected X_val and y_val to watch"):
        train(params, X, y, epochs=1, lr=0.1, patience=2, progress=False)
