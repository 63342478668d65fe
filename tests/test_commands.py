"""The command line, `python -m mnistnn COMMAND`, and the training-speed benchmark.

These run on the real MNIST, which `make test` fetches first; without it they are skipped.
"""

import os
import subprocess
import sys

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


def tiny_split(n=5200, seed=0):
    """A stand-in for load_mnist(): random images, enough rows for the 5,000-image validation split."""
    rng = np.random.default_rng(seed)
    return (
        rng.random((n, 784), dtype=np.float32),
        rng.integers(0, 10, n),
        rng.random((50, 784), dtype=np.float32),
        rng.integers(0, 10, 50),
    )


@pytest.fixture
def tiny_cli(tmp_path, monkeypatch):
    """The command line on a tiny random dataset, writing its models into tmp_path."""
    import mnistnn.cli as cli

    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(cli, "load_mnist", tiny_split)
    return tmp_path


def test_no_command_prints_usage(capsys):
    with pytest.raises(SystemExit) as e:
        cli_main([])
    assert e.value.code == 2 and "COMMAND" in capsys.readouterr().err


def test_data_help_prints_help_and_downloads_nothing(tmp_path):
    env = dict(os.environ, MNISTNN_DATA_DIR=str(tmp_path / "data"))
    out = subprocess.run([sys.executable, "-m", "mnistnn", "data", "--help"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and "usage: python -m mnistnn data" in out.stdout
    assert not (tmp_path / "data").exists()


def test_the_console_script_is_declared():
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="mnistnn")
    assert script.value == "mnistnn.cli:main"


@pytest.mark.parametrize("epochs", ["0", "-3", "two"])
def test_epochs_must_be_a_positive_whole_number(epochs, capsys):
    with pytest.raises(SystemExit) as e:
        cli_main(["train", "improved", "--epochs", epochs])
    assert e.value.code == 2 and "--epochs: expected a whole number" in capsys.readouterr().err


def test_ctrl_c_saves_a_partial_model_and_leaves_the_full_one_alone(tiny_cli, monkeypatch, capsys):
    import mnistnn.training as training

    full = save_params(tiny_cli / "models" / "improved.npz", init_params((784, 256, 10)), epochs=10)
    before = full.read_bytes()
    steps = {"n": 0}
    real_forward = training.forward

    def interrupt_in_the_second_epoch(*args, **kwargs):
        steps["n"] += 1
        if steps["n"] == 2 + 1:  # 200 training images (5,200 less 5,000 for validation), batches of 128
            raise KeyboardInterrupt
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(training, "forward", interrupt_in_the_second_epoch)
    cli_main(["train", "improved", "--epochs", "3"])
    out = capsys.readouterr().out
    assert "interrupted after 1 of 3 epochs" in out
    meta = read_metadata(tiny_cli / "models" / "improved.partial.npz")
    assert meta["interrupted"] is True and meta["epochs"] == 1 and meta["epochs_planned"] == 3
    assert full.read_bytes() == before


def test_evaluate_names_a_model_that_does_not_fit_the_data(tiny_cli):
    save_params(tiny_cli / "wide.npz", init_params((100, 8, 10)))
    save_params(tiny_cli / "five.npz", init_params((784, 8, 5)))
    np.savez(tiny_cli / "odd.npz", **init_params((784, 8, 10)), __metadata__=np.array('{"activation": "swish"}'))
    for name, message in [
        ("wide.npz", "expected a model for the data's 784 inputs per image, found one with 100 inputs"),
        ("five.npz", "expected a model with 10 outputs, one per digit, found 5 outputs"),
        ("odd.npz", "expected an activation among ['relu', 'sigmoid', 'tanh'] in its metadata, found 'swish'"),
        ("missing.npz", "no such model file. Train one first: python -m mnistnn train NAME"),
    ]:
        with pytest.raises(SystemExit) as e:
            cli_main(["evaluate", str(tiny_cli / name)])
        assert message in str(e.value), name


def test_figures_and_tables_are_written_only_when_make_run_asks(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from mnistnn.plots import SAVE_ENV, save_figure, save_table

    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(SAVE_ENV, raising=False)
    fig, table = plt.figure(), pd.DataFrame({"a": [1]})
    assert save_figure(fig, "f.png") is None and save_table(table, "t.csv") is None
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv(SAVE_ENV, "1")
    assert save_figure(fig, "f.png").exists() and save_table(table, "t.csv").read_text() == "a\n1\n"
    plt.close(fig)


def test_notebooks_write_results_only_through_the_gated_savers():
    # save_figure / save_table write only under `make run`; a direct write would dirty results/ in `make test`
    import json
    import re
    from pathlib import Path

    for path in sorted(Path(__file__).parent.parent.glob("notebooks/**/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        direct = re.findall(r"\.(?:to_csv|savefig|write_text|write_bytes)\(", code)
        assert not direct, f"{path.name} writes {direct} directly; use mnistnn.plots.save_figure / save_table"
