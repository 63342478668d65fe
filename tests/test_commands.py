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
    path = tmp_path / "trained" / "improved.npz"
    meta = read_metadata(path)
    assert meta["layer_sizes"] == [784, 256, 10] and meta["activation"] == "relu" and meta["epochs"] == 1
    assert meta["test_accuracy"] > 0.9
    cli_main(["evaluate", str(path)])
    assert f"test accuracy {meta['test_accuracy']:.4f}" in capsys.readouterr().out


@needs_mnist
def test_benchmark_writes_its_table(tmp_path, monkeypatch):
    from benchmarks.train_speed import main as bench_main

    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    bench_main(["--epochs", "2", "--subset", "2000", "--no-torch"])  # PyTorch is not a requirement
    results = pd.read_csv(tmp_path / "benchmarks.csv")
    ours = results[(results["framework"] == "mnistnn") & results["mnistnn_speed_up"].notna()].set_index("task")
    assert (ours["seconds_per_epoch"] > 0).all() and (ours["mnistnn_speed_up"] == 1).all()
    assert set(results["framework"]) >= {"MLPClassifier float64", "MLPClassifier float32", "mnistnn: Adam steps"}
    shares = results["share_of_epoch"].dropna()
    assert len(shares) == 4 and ((shares > 0) & (shares < 1.5)).all()
    assert ours.loc["784-256-10", "test_accuracy"] > 0.8  # 2 epochs on 2,000 images
    assert set(results["training_images"]) == {2000}
    assert not (tmp_path / "README.md").exists()


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

    full = save_params(tiny_cli / "trained" / "improved.npz", init_params((784, 256, 10)), activation="relu", epochs=10)
    before = full.read_bytes()
    steps = {"n": 0}
    real_forward = training._forward

    def interrupt_in_the_second_epoch(*args, **kwargs):
        steps["n"] += 1
        # epoch 1: 200 training images (5,200 less 5,000 for validation) in 2 batches of 128, then its
        # validation pass; the next call is the first batch of the second epoch
        if steps["n"] == 2 + 1 + 1:
            raise KeyboardInterrupt
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(training, "_forward", interrupt_in_the_second_epoch)
    cli_main(["train", "improved", "--epochs", "3"])
    out = capsys.readouterr().out
    assert "interrupted after 1 of 3 epochs" in out
    meta = read_metadata(tiny_cli / "trained" / "improved.partial.npz")
    assert meta["interrupted"] is True and meta["epochs"] == 1 and meta["epochs_planned"] == 3
    assert full.read_bytes() == before


def test_evaluate_names_a_model_that_does_not_fit_the_data(tiny_cli):
    save_params(tiny_cli / "wide.npz", init_params((100, 8, 10)), activation="relu")
    save_params(tiny_cli / "five.npz", init_params((784, 8, 5)), activation="relu")
    np.savez(tiny_cli / "odd.npz", **init_params((784, 8, 10)), __metadata__=np.array('{"activation": "swish"}'))
    for name, message in [
        ("wide.npz", "expected a model for the data's 784 inputs per image, found one with 100 inputs"),
        ("five.npz", "expected a model with 10 outputs, one per digit, found 5 outputs"),
        ("odd.npz", "expected an activation among ['relu', 'sigmoid', 'tanh'] in its metadata, found 'swish'"),
        ("missing.npz", "expected a model file, found no such file. Train one first (python -m mnistnn train NAME)"),
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


# --- every mistake: one line "mnistnn COMMAND: ...", naming the file, and a non-zero exit code


def damaged_data_folder(folder):
    """All four IDX names, none of them MNIST: web pages saved in their place, and an empty file."""
    folder.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        (folder / name).write_bytes(b"<html>404</html>")
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"")
    return sorted(p.name for p in folder.iterdir())


def test_mistakes_end_in_one_line_and_a_non_zero_exit_code(tmp_path):
    # for real, in a subprocess: what the terminal shows, and the exit code a script sees
    env = dict(os.environ, MNISTNN_DATA_DIR=str(tmp_path / "data"), MNISTNN_RESULTS_DIR=str(tmp_path / "results"))
    names = damaged_data_folder(tmp_path / "data")
    images = tmp_path / "data" / "train-images-idx3-ubyte"
    cases = [
        (["evaluate", str(tmp_path / "missing.npz")], 1, f"mnistnn evaluate: {tmp_path / 'missing.npz'}: expected a"),
        (["data"], 1, f"mnistnn data: {images}: expected an IDX magic number"),  # reported, not downloaded over
        (["train", "improved", "--seed", "-1"], 2, "mnistnn train: argument --seed: expected a whole number of at"),
    ]
    for args, code, start in cases:
        out = subprocess.run([sys.executable, "-m", "mnistnn", *args], capture_output=True, text=True, env=env)
        assert (out.returncode, out.stdout) == (code, ""), args
        assert out.stderr.startswith(start) and out.stderr.count("\n") == 1, (args, out.stderr)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == names


@pytest.mark.parametrize(
    "args, start",
    [
        (["evaluate", "{tmp}/bare.npz"], "mnistnn evaluate: {tmp}/bare.npz: expected its activation"),
        (["data"], "mnistnn data: {tmp}/data/train-images-idx3-ubyte: expected an IDX magic number"),
        (
            ["report"],
            "mnistnn report: {tmp}/results: expected the results of the notebooks (baselines.csv, from_scratch.csv, ",
        ),
    ],
)
def test_a_mistake_is_one_line(tmp_path, monkeypatch, args, start):
    monkeypatch.setenv("MNISTNN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path / "results"))
    damaged_data_folder(tmp_path / "data")
    np.savez(tmp_path / "bare.npz", **init_params((784, 8, 10)))  # no activation recorded
    with pytest.raises(SystemExit) as e:
        cli_main([arg.format(tmp=tmp_path) for arg in args])
    message = e.value.code  # a str: Python prints it to stderr and exits with 1
    assert message.startswith(start.format(tmp=tmp_path)) and "\n" not in message, message


@pytest.mark.parametrize(
    "args, message",
    [
        (["train"], "mnistnn train: name a configuration to train (or use --list): classic, improved, best."),
        (["train", "imporved"], "mnistnn train: argument name: invalid choice: 'imporved'"),
        (["evaluate"], "mnistnn evaluate: the following arguments are required: file."),
    ],
)
def test_a_usage_mistake_is_one_line_and_exit_code_2(capsys, args, message):
    with pytest.raises(SystemExit) as e:
        cli_main(args)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.startswith(message) and err.count("\n") == 1, err


def test_evaluate_reports_a_bad_model_before_loading_mnist(tmp_path, monkeypatch):
    import mnistnn.cli as cli

    monkeypatch.setattr(cli, "load_mnist", lambda: pytest.fail("MNIST loaded for a model that cannot be used"))
    path = tmp_path / "nan.npz"
    params = init_params((784, 8, 10))
    params["W1"][0, 0] = np.nan
    np.savez(path, **params, __metadata__=np.array('{"activation": "relu"}'))
    with pytest.raises(SystemExit) as e:
        cli_main(["evaluate", str(path)])
    assert str(e.value) == (
        f"mnistnn evaluate: {path}: expected finite weights, found 1 NaN or infinite value in W1. "
        "The training diverged: train again with a smaller learning rate."
    )


def test_ctrl_c_outside_training_is_one_line(monkeypatch):
    import mnistnn.cli as cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load_mnist", interrupted)
    with pytest.raises(SystemExit) as e:
        cli_main(["data"])
    assert str(e.value) == "mnistnn data: interrupted"


# --- train: the destination is checked first, and a trained model is never silently replaced


def test_train_checks_the_models_folder_before_training(tmp_path, monkeypatch):
    import mnistnn.cli as cli

    monkeypatch.setattr(cli, "load_mnist", lambda: pytest.fail("training started"))
    (tmp_path / "results").write_text("a file where the results folder should be")
    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path / "results"))
    with pytest.raises(SystemExit) as e:
        cli_main(["train", "improved", "--epochs", "1"])
    assert str(e.value) == (
        f"mnistnn train: {tmp_path / 'results' / 'trained'}: expected a folder the trained model can be saved in, "
        f"found not a directory. Set {RESULTS_DIR_ENV} to a folder you can write to."
    )


def test_train_checks_that_the_models_folder_can_be_written(tmp_path, monkeypatch):
    import mnistnn.cli as cli

    def refuse(dir):
        raise PermissionError(13, "Permission denied", os.path.join(dir, "tmpabc123"))

    monkeypatch.setattr(cli, "load_mnist", lambda: pytest.fail("training started"))
    monkeypatch.setattr(cli.tempfile, "TemporaryFile", refuse)
    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    with pytest.raises(SystemExit) as e:
        cli_main(["train", "improved"])
    assert str(e.value).startswith(f"mnistnn train: {tmp_path / 'trained'}: expected a folder the trained model can be")
    assert "found permission denied" in str(e.value) and "tmpabc123" not in str(e.value)


def test_train_keeps_the_previous_model(tiny_cli, capsys):
    old = save_params(
        tiny_cli / "trained" / "improved.npz",
        init_params((784, 256, 10)),
        activation="relu",
        epochs=500,
        test_accuracy=0.97,
    )
    before = old.read_bytes()
    cli_main(["train", "improved", "--epochs", "1"])
    previous = tiny_cli / "trained" / "improved.previous.npz"
    assert (
        f"kept the previous improved.npz (500 epochs, test accuracy 0.9700) as {previous}\n" in capsys.readouterr().out
    )
    assert previous.read_bytes() == before and read_metadata(old)["epochs"] == 1
    assert sorted(p.name for p in (tiny_cli / "trained").iterdir()) == ["improved.npz", "improved.previous.npz"]


# --- report: README.md only for the repository's own results


def write_results(folder, rows="from scratch: tiny,0.5,1.0,test\n"):
    folder.mkdir(exist_ok=True)
    (folder / "from_scratch.csv").write_text("model,test_accuracy,fit_seconds,settings\n" + rows)
    return folder / "from_scratch.csv"


def test_report_with_results_elsewhere_leaves_the_readme_alone(tmp_path, monkeypatch, capsys):
    import mnistnn.report as report

    readme = tmp_path / "README.md"
    readme.write_text("# a copy\n<!-- results:start -->\nold\n<!-- results:end -->\n")
    monkeypatch.setattr(report, "README", readme)
    write_results(tmp_path / "results")
    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path / "results"))
    cli_main(["report"])
    assert "old" in readme.read_text() and "README.md left alone" in capsys.readouterr().out
    assert (tmp_path / "results" / "metrics.csv").read_text().startswith("model,notebook,test_accuracy")
    assert report.update_readme("new table") is False and "old" in readme.read_text()


def test_report_with_the_repositorys_own_results_updates_the_readme(tmp_path, monkeypatch):
    import mnistnn.report as report

    readme = tmp_path / "README.md"
    readme.write_text("# a copy\n<!-- results:start -->\nold\n<!-- results:end -->\ntail\n")
    monkeypatch.setattr(report, "README", readme)
    monkeypatch.setattr(report, "results_path", lambda name: tmp_path / "results" / name)  # never the real results/
    write_results(tmp_path / "results")
    monkeypatch.delenv(RESULTS_DIR_ENV, raising=False)
    cli_main(["report"])
    assert readme.read_text() == (
        "# a copy\n<!-- results:start -->\n"
        "| model | notebook | test accuracy | training time (s) |\n|---|---|---:|---:|\n"
        "| from scratch: tiny | 03 network and backprop | 50.00% | 1.0 |\n<!-- results:end -->\ntail\n"
    )


@pytest.mark.parametrize(
    "rows, found",
    [
        (None, "expected a CSV table of results, found one that could not be read (No columns to parse from file)"),
        ("tiny,97.8,1.0,x\n", "expected test accuracies from 0 to 1, found 97.8. Accuracies are fractions"),
        ("tiny,n/a,1.0,x\n", "expected numbers in test_accuracy, found 'n/a'."),
    ],
)
def test_report_names_a_results_file_it_cannot_use(tmp_path, monkeypatch, rows, found):
    path = write_results(tmp_path, rows or "")
    if rows is None:
        path.write_text("")
    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    with pytest.raises(SystemExit) as e:
        cli_main(["report"])
    assert str(e.value).startswith(f"mnistnn report: {path}: {found}")
    assert not (tmp_path / "metrics.csv").exists()


def test_report_names_missing_columns(tmp_path, monkeypatch):
    (tmp_path / "baselines.csv").write_text("model,accuracy\nknn,0.97\n")
    monkeypatch.setenv(RESULTS_DIR_ENV, str(tmp_path))
    with pytest.raises(SystemExit) as e:
        cli_main(["report"])
    assert str(e.value) == (
        f"mnistnn report: {tmp_path / 'baselines.csv'}: expected the columns "
        "['model', 'test_accuracy', 'fit_seconds'], found ['model', 'accuracy'] "
        "(missing ['test_accuracy', 'fit_seconds']). Run the notebook 02 scikit-learn again (make run)."
    )


def test_a_users_training_never_writes_over_the_committed_model(monkeypatch):
    """`python -m mnistnn train best`, as README gives it, writes results/trained/best.npz, ignored by git."""
    from pathlib import Path

    import mnistnn.cli as cli

    monkeypatch.delenv(RESULTS_DIR_ENV, raising=False)
    folder = cli.models_folder()
    root = Path(__file__).resolve().parent.parent
    assert folder == root / "results" / "trained"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(folder / "best.npz")], cwd=root, check=False)
    assert ignored.returncode == 0, "results/trained/ must be ignored by git"
