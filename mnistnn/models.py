"""Trained models on disk: save them, load them, evaluate them from the file alone.

A model file is a NumPy `.npz` archive holding the arrays W1, b1, W2, b2, ...
and one more entry, a small JSON text of metadata: the layer sizes, the hidden
activation, and whatever else the trainer recorded (accuracies, epochs, seed).
Everything needed to use the model is in the file, and it is read without
pickle, so a file from anywhere cannot run code on your machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .checks import _describe, check_choice, check_images, check_labels, check_params, fail
from .data import write_atomically
from .network import ACTIVATIONS, Params, accuracy, layer_sizes

METADATA_KEY = "__metadata__"


def _model_path(path: Any) -> Path:
    """The path of a model file, `~` expanded. An empty path would mean the current folder: refused."""
    expected = "the path of a .npz model file, such as 'results/models/best.npz'"
    if not isinstance(path, (str, os.PathLike)):
        fail("path", expected, _describe(path), error=TypeError)
    if not os.fspath(path).strip():
        fail("path", expected, repr(path))
    return Path(path).expanduser()


def _check_weights(params: Params, name: str) -> None:
    """Weights must be finite floats: NaN comes from a training run that diverged, and an
    array of Python objects would need pickle to be saved."""
    for key, a in params.items():
        if not np.issubdtype(a.dtype, np.floating):
            fail(name, f"{key} as an array of floats", f"dtype {a.dtype}", f"Use {key}.astype(np.float32).")
        if not np.isfinite(a).all():
            n = np.count_nonzero(~np.isfinite(a))
            found = f"{n} NaN or infinite value{'s' if n > 1 else ''} in {key}"
            fail(name, "finite weights", found, "The training diverged: train again with a smaller learning rate.")


def _json_value(value: Any) -> Any:
    """NumPy numbers and arrays (np.float32(0.98), np.int64(3)) go into the metadata as plain numbers."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(type(value).__name__)


def save_params(path: str | os.PathLike, params: Params, *, activation: str, **metadata: Any) -> Path:
    """Save the parameters, their hidden `activation` and any JSON-friendly metadata to a `.npz` file.

    The metadata always records `layer_sizes` (read from the arrays) and `activation`,
    everything `evaluate` needs to rebuild the network; pass e.g. test_accuracy=0.98
    to record more. The file is written under a temporary name and renamed when
    complete, so a crash never leaves half a file.
    """
    path = _model_path(path)
    check_params(params)
    check_choice(activation, "activation", ACTIVATIONS)
    _check_weights(params, "params")
    sizes = list(layer_sizes(params))
    if "layer_sizes" in metadata:  # taken from the arrays; a different value would be a lie in the file
        given = metadata.pop("layer_sizes")
        if not isinstance(given, (list, tuple)) or list(given) != sizes:
            fail("layer_sizes", f"the sizes of the arrays, {sizes}", repr(given), "Leave layer_sizes out.")
    metadata = {"layer_sizes": sizes, "activation": activation, **metadata}
    for key, value in metadata.items():  # checked before any file is touched
        try:
            json.dumps(value, default=_json_value)
        except TypeError:
            fail(key, "a value JSON can store (a number, text, a list or a dict)", _describe(value))
    text = json.dumps(metadata, default=_json_value)
    write_atomically(path, lambda f: np.savez(f, **params, **{METADATA_KEY: np.array(text)}))
    return path


def _read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array in a .npz file, read without pickle; an error naming the file if that fails."""
    path = _model_path(path)
    if not path.exists():
        found = f"a broken link to {os.readlink(path)}" if path.is_symlink() else "no such file"
        fix = "Train one first (python -m mnistnn train NAME), or check the path."
        fail(str(path), "a model file", found, fix, error=FileNotFoundError)
    if path.is_dir():
        fail(str(path), "a .npz model file", "a folder", "Name the .npz file inside it.")
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic == b"\x93NUMPY":
        fail(str(path), "a .npz file written by save_params", "a single array (a .npy file)", "Save with save_params.")
    if not magic.startswith(b"PK"):  # a .npz file is a zip archive
        fail(str(path), "a .npz file written by save_params (a zip archive)", "another kind of file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except ValueError as e:  # numpy's own text suggests allow_pickle: a model never needs it
        found = "an array of Python objects, which only pickle could read" if "pickle" in str(e) else str(e)
        fail(str(path), "a .npz file written by save_params", found, "Save the model with save_params.")
    except Exception as e:  # a damaged zip
        fail(str(path), "a .npz file written by save_params", f"a file that could not be read as one ({e})")


def load_params(path: str | os.PathLike) -> Params:
    """Load parameters saved by `save_params`: a dict W1, b1, W2, b2, ...

    A file that is not such a parameter file, or whose weights are not finite,
    gets a ValueError that names the file and says what is wrong.
    """
    arrays = _read_npz(path)
    params = check_params({key: a for key, a in arrays.items() if key != METADATA_KEY}, name=str(path))
    _check_weights(params, str(path))
    return params


def read_metadata(path: str | os.PathLike) -> dict:
    """The metadata dict that `save_params` stored with the parameters ({} if there is none)."""
    arrays = _read_npz(path)
    if METADATA_KEY not in arrays:
        return {}
    try:
        metadata = json.loads(str(arrays[METADATA_KEY]))
    except ValueError as e:
        fail(str(path), "metadata written by save_params (JSON text)", f"text that is not JSON ({e})")
    if not isinstance(metadata, dict):
        fail(str(path), 'metadata written by save_params (a JSON object, {"activation": ...})', repr(metadata))
    return metadata


def load_model(path: str | os.PathLike) -> tuple[Params, str]:
    """`(params, activation)` of a saved model: all that is needed to compute with it.

    A file that does not say which activation it was trained with is refused:
    guessing ReLU for a tanh network would give wrong answers without a word.
    """
    params, activation = load_params(path), read_metadata(path).get("activation")
    if activation is None:
        fix = "Save it again with save_params(path, load_params(path), activation=...), naming the one it used."
        fail(str(_model_path(path)), f"its activation, one of {list(ACTIVATIONS)}, in its metadata", "none", fix)
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        fail(str(_model_path(path)), f"an activation among {list(ACTIVATIONS)} in its metadata", repr(activation))
    return params, activation


def evaluate(path: str | os.PathLike, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of a saved model on X, y, using only the file: its weights and the
    activation recorded in its metadata.

    The model must fit the data: as many inputs as X has columns, 10 outputs,
    and an activation that mnistnn knows; otherwise the error names the mismatch.
    """
    params, activation = load_model(path)
    sizes, name = layer_sizes(params), str(_model_path(path))
    X = np.asarray(X)
    if X.ndim == 2 and X.shape[1] != sizes[0]:
        fail(name, f"a model for the data's {X.shape[1]} inputs per image", f"one with {sizes[0]} inputs")
    if sizes[-1] != 10:
        fail(name, "a model with 10 outputs, one per digit", f"{sizes[-1]} outputs (layer sizes {list(sizes)})")
    X = check_images(X, "X", width=sizes[0])
    y = check_labels(y, "y", n=len(X))
    return accuracy(params, X, y, activation)
