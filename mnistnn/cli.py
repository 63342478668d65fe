"""The command line: `python -m mnistnn COMMAND` (or `mnistnn COMMAND` once installed).

python -m mnistnn data                 fetch, verify and summarise MNIST
python -m mnistnn train NAME           train a named configuration and save the model
python -m mnistnn train --list         show the named configurations
python -m mnistnn evaluate FILE        test a saved model on the 10,000 test images
python -m mnistnn report               gather results/*.csv into the README's table
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import NoReturn

import numpy as np

from .checks import fail
from .data import CACHE_NAME, default_data_dir, load_mnist, validation_split, write_atomically
from .models import evaluate, load_model, read_metadata, save_params
from .network import accuracy
from .plots import RESULTS_DIR_ENV, results_path
from .training import CONFIGS, train_config


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake told in one line, "mnistnn COMMAND: ...", like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog.removeprefix('python -m ')}: {message}. See {self.prog} --help.\n")


def whole_number(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least {low}, found {value}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (so `--epochs 0` is refused, not "the default")."""
    return whole_number(text, 1)


def seed_int(text: str) -> int:
    """argparse type: a whole number of at least 0, as NumPy's seeds are."""
    return whole_number(text, 0)


def data_command(args: argparse.Namespace) -> None:
    X_train, y_train, X_test, y_test = load_mnist()
    print(f"MNIST verified (SHA-256); cache: {default_data_dir() / CACHE_NAME}")
    print(f"  train: X {X_train.shape} {X_train.dtype}, y {y_train.shape} {y_train.dtype}")
    print(f"  test:  X {X_test.shape} {X_test.dtype}, y {y_test.shape} {y_test.dtype}")
    print(f"  pixel range [{X_train.min():.1f}, {X_train.max():.1f}]")
    print(f"  train images per digit: {np.bincount(y_train).tolist()}")
    print(f"  test images per digit:  {np.bincount(y_test).tolist()}")


def train_command(args: argparse.Namespace) -> None:
    """Train on the first 55,000 training images (the last 5,000 are held out for
    validation), test once on the 10,000 test images, and save
    results/trained/NAME.npz with the layer sizes, activation and accuracies in its
    metadata. A NAME.npz already there is kept as NAME.previous.npz. The course's
    own model, results/models/best.npz, is never written here: it is made by the
    search, `python -m benchmarks.best_settings`.

    Interrupted with Ctrl-C, the partly trained model is saved as
    NAME.partial.npz with the epochs it completed, and NAME.npz is left as it was.
    """
    if args.list:
        for name, config in CONFIGS.items():
            print(f"{name}: {config}")
        return
    if args.name is None:
        args.parser.error("name a configuration to train (or use --list): " + ", ".join(CONFIGS))
    folder = models_folder()  # before training: minutes of work must not be lost to a folder that refuses them
    overrides = {"seed": args.seed} | ({"epochs": args.epochs} if args.epochs is not None else {})
    config = CONFIGS[args.name] | overrides
    print(f"training {args.name}: {config}")
    X_train, y_train, X_test, y_test = load_mnist()
    X_tr, y_tr, X_val, y_val = validation_split(X_train, y_train)
    start = time.perf_counter()
    params, history = train_config(args.name, X_tr, y_tr, X_val=X_val, y_val=y_val, **overrides)
    seconds = time.perf_counter() - start
    activation = config.get("activation", "relu")
    test_acc = accuracy(params, X_test, y_test, activation)
    interrupted = history.attrs.get("interrupted", False)
    path = folder / f"{args.name}.partial.npz" if interrupted else folder / f"{args.name}.npz"
    kept = keep_previous(path) if path.exists() and not interrupted else None
    save_params(
        path,
        params,
        activation=activation,
        config=args.name,
        seed=args.seed,
        epochs=int(len(history)),  # the epochs completed: fewer than asked if interrupted
        epochs_planned=config["epochs"],
        interrupted=interrupted,
        train_seconds=round(seconds, 1),
        val_accuracy=float(history["val_acc"].iloc[-1]) if len(history) else None,
        test_accuracy=test_acc,
    )
    if interrupted:
        print(f"interrupted after {len(history)} of {config['epochs']} epochs: saved the partly trained model")
        print(f"as {path}; {folder / f'{args.name}.npz'} was not touched.")
        return
    if kept:
        print(kept)
    print(f"{args.name}: test accuracy {test_acc:.4f} after {seconds:.1f} s of training")
    print(f"saved {path}; evaluated again from the file alone: {evaluate(path, X_test, y_test):.4f}")


def models_folder() -> Path:
    """results/trained (or $MNISTNN_RESULTS_DIR/trained), created, and proved writable by writing a file there.

    A folder of its own, ignored by git: a user's training never replaces the committed results/models/best.npz.
    """
    folder = None
    try:
        folder = results_path("trained/model.npz").parent  # results_path creates the folder
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        found = (e.strerror or str(e)).lower()
        fix = f"Set {RESULTS_DIR_ENV} to a folder you can write to."
        fail(str(folder or e.filename), "a folder the trained model can be saved in", found, fix, error=type(e))
    return folder


def keep_previous(path: Path) -> str:
    """Copy the model at `path` to NAME.previous.npz (atomically) before it is replaced; say so in one line."""
    previous = path.with_suffix(".previous.npz")
    write_atomically(previous, lambda f: f.write(path.read_bytes()))
    try:
        metadata = read_metadata(previous)
    except ValueError:  # a damaged old file is kept all the same
        metadata = {}
    accuracy_ = metadata.get("test_accuracy")
    accuracy_ = f"{accuracy_:.4f}" if isinstance(accuracy_, (int, float)) else "unknown"
    epochs = metadata.get("epochs")
    epochs = f"{epochs} epoch{'' if epochs == 1 else 's'}" if isinstance(epochs, int) else "epochs unknown"
    return f"kept the previous {path.name} ({epochs}, test accuracy {accuracy_}) as {previous}"


def evaluate_command(args: argparse.Namespace) -> None:
    load_model(args.file)  # a file that cannot be used is reported before MNIST is loaded
    metadata = read_metadata(args.file)
    _, _, X_test, y_test = load_mnist()
    accuracy_ = evaluate(args.file, X_test, y_test)
    print(f"{args.file}: {metadata}")
    print(f"test accuracy {accuracy_:.4f}")


def report_command(args: argparse.Namespace) -> None:
    from .report import main as report_main

    report_main()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m mnistnn", description="A neural network for MNIST, from scratch.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data = commands.add_parser("data", help="fetch, verify (SHA-256) and summarise MNIST")
    data.set_defaults(run=data_command)
    train = commands.add_parser(
        "train",
        help="train a named configuration and save the model",
        description=train_command.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("name", nargs="?", choices=list(CONFIGS), help="the configuration to train")
    train.add_argument("--epochs", type=positive_int, help="train this many epochs instead of the configuration's")
    train.add_argument("--seed", type=seed_int, default=0, help="random seed (default 0)")
    train.add_argument("--list", action="store_true", help="show every configuration and exit")
    train.set_defaults(run=train_command, parser=train)
    evaluate_ = commands.add_parser("evaluate", help="test a saved model file on the 10,000 test images")
    evaluate_.add_argument("file", help="a .npz file saved by `train` or save_params")
    evaluate_.set_defaults(run=evaluate_command)
    report = commands.add_parser("report", help="gather results/*.csv into results/metrics.csv and README's table")
    report.set_defaults(run=report_command)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run one command. A mistake (a file, a setting, the data) ends in one line naming it, without
    a traceback, and a non-zero exit code: 2 for the command line's usage, 1 otherwise."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, OSError) as e:  # our own checks, data errors, files: the message says what to do
        raise SystemExit(f"mnistnn {args.command}: {e}") from None
    except KeyboardInterrupt:
        raise SystemExit(f"mnistnn {args.command}: interrupted") from None
