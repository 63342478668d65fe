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

import numpy as np

from .checks import check_images, check_labels, check_params, fail
from .data import write_atomically
from .network import ACTIVATIONS, Params, accuracy, layer_sizes

METADATA_KEY = "__metadata__"


def save_params(path: str | os.PathLike, params: Params, **metadata) -> Path:
    """Save the parameters (and any JSON-friendly metadata) to a `.npz` file.

    The metadata always records `layer_sizes`; pass e.g. activation="relu",
    test_accuracy=0.98 to record more. The file is written under a temporary
    name and renamed when complete, so a crash never leaves half a file.
    """
    check_params(params)
    metadata = {"layer_sizes": list(layer_sizes(params)), **metadata}
    if metadata.get("activation", "relu") not in ACTIVATIONS:
        fail("activation", f"one of {list(ACTIVATIONS)}", repr(metadata["activation"]))
    text = json.dumps(metadata)  # fails here, before any file is touched, if metadata is not JSON-friendly
    write_atomically(Path(path), lambda f: np.savez(f, **params, **{METADATA_KEY: np.array(text)}))
    return Path(path)


def _read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array in a .npz file, read without pickle; a clear ValueError if that fails."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such model file. Train one first: python -m mnistnn train NAME") from None
    except Exception as e:  # a damaged zip, or an object array that would need pickle
        raise ValueError(f"{path}: expected a .npz file written by save_params, but it could not be read ({e})") from e


def load_params(path: str | os.PathLike) -> Params:
    """Load parameters saved by `save_params`: a dict W1, b1, W2, b2, ...

    A file that is not such a parameter file gets a ValueError that says what is wrong.
    """
    arrays = _read_npz(path)
    params = {key: a for key, a in arrays.items() if key != METADATA_KEY}
    return check_params(params, name=str(path))


def read_metadata(path: str | os.PathLike) -> dict:
    """The metadata dict that `save_params` stored with the parameters."""
    arrays = _read_npz(path)
    return json.loads(str(arrays[METADATA_KEY])) if METADATA_KEY in arrays else {}


def evaluate(path: str | os.PathLike, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of a saved model on X, y, using only the file: its weights and the
    activation recorded in its metadata (ReLU if none was recorded).

    The model must fit the data: as many inputs as X has columns, 10 outputs,
    and an activation that mnistnn knows; otherwise the error names the mismatch.
    """
    params, activation = load_params(path), read_metadata(path).get("activation", "relu")
    sizes = layer_sizes(params)
    X = np.asarray(X)
    if X.ndim == 2 and X.shape[1] != sizes[0]:
        fail(str(path), f"a model for the data's {X.shape[1]} inputs per image", f"one with {sizes[0]} inputs")
    if sizes[-1] != 10:
        fail(str(path), "a model with 10 outputs, one per digit", f"{sizes[-1]} outputs (layer sizes {sizes})")
    if activation not in ACTIVATIONS:
        fail(str(path), f"an activation among {list(ACTIVATIONS)} in its metadata", repr(activation))
    X = check_images(X, "X", width=sizes[0])
    y = check_labels(y, "y", n=len(X))
    return accuracy(params, X, y, activation)
