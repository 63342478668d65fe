"""The command line: `python -m mnistnn COMMAND` (or `mnistnn COMMAND` once installed).

python -m mnistnn data                 fetch, verify and summarise MNIST
python -m mnistnn train NAME           train a named configuration and save the model
python -m mnistnn train --list         show the named configurations
python -m mnistnn evaluate FILE        test a saved model on the 10,000 test images
python -m mnistnn report               gather results/*.csv into the README's table
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from .data import CACHE_NAME, default_data_dir, load_mnist, validation_split
from .models import evaluate, read_metadata, save_params
from .network import accuracy
from .plots import results_path
from .training import CONFIGS, train_config


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (so `--epochs 0` is refused, not "the default")."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, found {value}")
    return value


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
    validation, the split notebook 4 chose the settings on), test once on the
    10,000 test images, and save results/models/NAME.npz with the layer sizes,
    activation and accuracies in its metadata.

    Interrupted with Ctrl-C, the partly trained model is saved as
    NAME.partial.npz with the epochs it completed, and NAME.npz is left as it was.
    """
    if args.list:
        for name, config in CONFIGS.items():
            print(f"{name}: {config}")
        return
    if args.name is None:
        raise SystemExit("mnistnn train: name a configuration to train (or use --list): " + ", ".join(CONFIGS))
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
    name = f"{args.name}.partial" if interrupted else args.name
    path = save_params(
        results_path(f"models/{name}.npz"),
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
        print(f"as {path}; {results_path(f'models/{args.name}.npz')} was not touched.")
        return
    print(f"{args.name}: test accuracy {test_acc:.4f} after {seconds:.1f} s of training")
    print(f"saved {path}; evaluated again from the file alone: {evaluate(path, X_test, y_test):.4f}")


def evaluate_command(args: argparse.Namespace) -> None:
    metadata = read_metadata(args.file)
    _, _, X_test, y_test = load_mnist()
    accuracy_ = evaluate(args.file, X_test, y_test)
    print(f"{args.file}: {metadata}")
    print(f"test accuracy {accuracy_:.4f}")


def report_command(args: argparse.Namespace) -> None:
    from .report import main as report_main

    report_main()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mnistnn", description="A neural network for MNIST, from scratch.")
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
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--list", action="store_true", help="show every configuration and exit")
    train.set_defaults(run=train_command)
    evaluate_ = commands.add_parser("evaluate", help="test a saved model file on the 10,000 test images")
    evaluate_.add_argument("file", help="a .npz file saved by `train` or save_params")
    evaluate_.set_defaults(run=evaluate_command)
    report = commands.add_parser("report", help="gather results/*.csv into results/metrics.csv and README's table")
    report.set_defaults(run=report_command)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, FileNotFoundError) as e:  # our own checks and data errors: the message says what to do
        raise SystemExit(f"mnistnn {args.command}: {e}") from e
