"""The command line, `python -m mnistnn COMMAND`, and the training-speed benchmark.

These run on the real MNIST, which `make test` fetches first; without it they are skipped.
"""

import numpy as np
import pandas as pd
import pytest

from mnistnn import accuracy, evaluate, init_params, read_metadata, save_params
from mnistnn.cli import main as cli_main
from mnistnn.data import CACHE_NAME, default_data_dir
from mnistnn.plots import RESULTS_DIR_ENV

needs_mnist = pytest.mark.skipif(not (default_data_dir() / CACHE_NAME).exists(), reason="MNIST not fetched yet")


def test_evaluate_uses_the_activation_saved_with_the_model(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.random((50, 784), dtype=np.float32), rng.integers(0, 10, size=50)
    params = init_params((784, 8, 10), seed=2, init="xavier")
    path = save_params(tmp_path / "m.npz", params, activation="tanh")
    assert evaluate(path, X, y) == accuracy(params, X, y, "tanh")
    assert accuracy(params, X, y, "tanh") != accuracy(params, X, y, "relu")


def test_list_configurations(capsys):
    cli_main(["train", "--list"])
    out = capsys.readouterr().out
    assert "classic:" in out and "best:" in out


@needs_mnist
def test_train_command_saves_a_model_that_evaluates_alone(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    cli_main(["train", "improved", "--epochs", "1"])
    path = tmp_path / "models" / "improved.npz"
    meta = read_metadata(path)
    assert meta["layer_sizes"] == [784, 256, 10] and meta["activation"] == "relu" and meta["epochs"] == 1
    assert meta["test_accuracy"] > 0.9
    cli_main(["evaluate", str(path)])
    assert f"test accuracy {meta['test_accuracy']:.4f}" in capsys.readouterr().out


@needs_mnist
def test_benchmark_writes_its_table(tmp_path, monkeypatch):
    from benchmarks.train_speed import main as bench_main

    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    bench_main(["--epochs", "2", "--subset", "3000"])
    results = pd.read_csv(tmp_path / "benchmarks.csv")
    values = dict(zip(results["measure"], results["value"], strict=True))
    assert values["mnistnn seconds per epoch"] > 0
    assert 0 < values["share of mnistnn epoch in matrix products"] < 1.5
    assert values["mnistnn test accuracy"] > 0.8  # 2 epochs on 3,000 images
    assert set(results["training_images"]) == {3000}
