"""Models on disk: every wrong way to save, load or evaluate one gets a message naming the file."""

import os
from pathlib import Path

import numpy as np
import pytest

from mnistnn import CONFIGS, accuracy, evaluate, init_params, load_params, read_metadata, save_params
from mnistnn.models import METADATA_KEY, load_model


@pytest.fixture
def params():
    return init_params((784, 8, 10), seed=1)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.random((20, 784), dtype=np.float32), rng.integers(0, 10, 20)


def raw_model(path, params, metadata=None):
    """A model file written without save_params, as a learner's own np.savez would."""
    extra = {} if metadata is None else {METADATA_KEY: np.array(metadata)}
    np.savez(path, **params, **extra)
    return path


# --- what save_params records


def test_the_activation_must_be_given(tmp_path, params):
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'activation'"):
        save_params(tmp_path / "m.npz", params)
    with pytest.raises(ValueError, match=r"activation: expected one of \['relu', 'sigmoid', 'tanh'\], found 'swish'"):
        save_params(tmp_path / "m.npz", params, activation="swish")
    assert list(tmp_path.iterdir()) == []


def test_layer_sizes_come_from_the_arrays(tmp_path, params):
    path = save_params(tmp_path / "m.npz", params, activation="tanh", layer_sizes=(784, 8, 10))
    assert read_metadata(path) == {"layer_sizes": [784, 8, 10], "activation": "tanh"}
    with pytest.raises(ValueError) as info:
        save_params(tmp_path / "other.npz", params, activation="tanh", layer_sizes=(784, 256, 10))
    assert str(info.value) == (
        "layer_sizes: expected the sizes of the arrays, [784, 8, 10], found (784, 256, 10). Leave layer_sizes out."
    )
    assert not (tmp_path / "other.npz").exists()


def test_numpy_numbers_are_stored_as_plain_numbers(tmp_path, params):
    path = save_params(tmp_path / "m.npz", params, activation="relu", test_accuracy=np.float32(0.5), epochs=np.int64(3))
    assert read_metadata(path) == {"layer_sizes": [784, 8, 10], "activation": "relu", "test_accuracy": 0.5, "epochs": 3}


def test_metadata_that_json_cannot_store_is_named(tmp_path, params):
    with pytest.raises(ValueError, match=r"^history: expected a value JSON can store \(a number, text, a list or a"):
        save_params(tmp_path / "m.npz", params, activation="relu", history=object())
    assert list(tmp_path.iterdir()) == []


def test_home_folder_is_expanded(tmp_path, params, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    path = save_params("~/m.npz", params, activation="relu")
    assert path == tmp_path / "home" / "m.npz" and path.exists()
    assert not (tmp_path / "~").exists()
    assert load_params("~/m.npz").keys() == params.keys() and read_metadata("~/m.npz")["activation"] == "relu"


@pytest.mark.parametrize("path, error", [("", ValueError), ("  ", ValueError), (None, TypeError), (123, TypeError)])
def test_a_path_that_is_no_path(tmp_path, params, monkeypatch, path, error):
    monkeypatch.chdir(tmp_path)
    for call in (lambda: save_params(path, params, activation="relu"), lambda: load_params(path)):
        with pytest.raises(error, match=r"^path: expected the path of a \.npz model file, such as"):
            call()
    assert list(tmp_path.iterdir()) == []


# --- weights that cannot be right


def test_weights_with_nan_are_refused_on_save_and_on_evaluate(tmp_path, params, data):
    params["W2"][3, 4] = np.nan
    params["b1"][0] = np.inf
    with pytest.raises(ValueError) as info:
        save_params(tmp_path / "m.npz", params, activation="relu")
    assert str(info.value) == (
        "params: expected finite weights, found 1 NaN or infinite value in b1. "
        "The training diverged: train again with a smaller learning rate."
    )
    assert list(tmp_path.iterdir()) == []
    path = raw_model(tmp_path / "nan.npz", params, '{"activation": "relu"}')
    with pytest.raises(ValueError, match=rf"^{path}: expected finite weights, found 1 NaN or infinite value in b1"):
        evaluate(path, *data)


def test_arrays_that_would_need_pickle_are_refused(tmp_path, params):
    params["b1"] = np.array([None] * 8, dtype=object)
    with pytest.raises(ValueError) as info:
        save_params(tmp_path / "m.npz", params, activation="relu")
    assert (
        str(info.value) == "params: expected b1 as an array of floats, found dtype object. Use b1.astype(np.float32)."
    )


def test_an_extra_key_is_unexpected_not_missing(tmp_path, params):
    with pytest.raises(ValueError) as info:
        save_params(tmp_path / "m.npz", {**params, "x": np.zeros(1)}, activation="relu")
    assert str(info.value) == (
        "params: expected keys W1, b1, W2, b2, ..., found keys ['W1', 'W2', 'b1', 'b2', 'x'] (unexpected ['x'])."
    )
    del params["b2"]
    with pytest.raises(ValueError, match=r"found keys \['W1', 'W2', 'b1'\] \(missing \['b2'\]\)\.$"):
        save_params(tmp_path / "m.npz", params, activation="relu")


# --- errors name the file the user asked for, never a temporary one


def test_saving_over_a_folder(tmp_path, params):
    (tmp_path / "models").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        save_params(tmp_path / "models", params, activation="relu")
    assert str(info.value) == f"{tmp_path / 'models'}: expected a file that can be written, found a folder. " + (
        "Give the name of a file inside it."
    )
    assert list((tmp_path / "models").iterdir()) == []


def test_saving_inside_a_file(tmp_path, params):
    (tmp_path / "notes").write_text("a file, not a folder")
    with pytest.raises(OSError) as info:
        save_params(tmp_path / "notes" / "sub" / "m.npz", params, activation="relu")
    assert str(info.value).startswith(
        f"{tmp_path / 'notes' / 'sub' / 'm.npz'}: expected a file that can be written, "
        f"found that {tmp_path / 'notes'} is a file, not a folder."
    )


def test_a_full_disk_names_the_model_file(tmp_path, params, monkeypatch):
    def full_disk(file, **arrays):
        file.write(b"PK half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(OSError) as info:
        save_params(tmp_path / "m.npz", params, activation="relu")
    assert str(info.value).startswith(f"{tmp_path / 'm.npz'}: expected a file that can be written, found no space left")
    assert ".tmp" not in str(info.value) and list(tmp_path.iterdir()) == []


# --- reading back


def test_a_model_without_its_activation_is_not_taken_for_relu(tmp_path, params, data):
    for path in (raw_model(tmp_path / "bare.npz", params), raw_model(tmp_path / "meta.npz", params, '{"seed": 0}')):
        for call in (lambda p: evaluate(p, *data), load_model):
            with pytest.raises(ValueError) as info:
                call(path)
            assert str(info.value) == (
                f"{path}: expected its activation, one of ['relu', 'sigmoid', 'tanh'], in its metadata, found none. "
                "Save it again with save_params(path, load_params(path), activation=...), naming the one it used."
            )


def test_the_recorded_activation_is_used(tmp_path, params, data):
    path = save_params(tmp_path / "m.npz", params, activation="sigmoid")
    assert load_model(path)[1] == "sigmoid"
    assert evaluate(path, *data) == accuracy(params, *data, "sigmoid")


@pytest.mark.parametrize(
    "text, found",
    [
        ("{not json", "found text that is not JSON (Expecting property name"),
        ("[1, 2]", "found [1, 2]."),
        ('"relu"', "found 'relu'."),
    ],
)
def test_metadata_that_is_not_a_json_object_names_the_file(tmp_path, params, text, found):
    path = raw_model(tmp_path / "m.npz", params, text)
    with pytest.raises(ValueError, match=rf"^{path}: expected metadata written by save_params") as info:
        read_metadata(path)
    assert found in str(info.value)


def test_an_activation_that_is_not_a_name(tmp_path, params, data):
    path = raw_model(tmp_path / "m.npz", params, '{"activation": ["relu"]}')
    with pytest.raises(ValueError) as info:
        evaluate(path, *data)
    assert (
        str(info.value)
        == f"{path}: expected an activation among ['relu', 'sigmoid', 'tanh'] in its metadata, found ['relu']."
    )


def test_loading_a_folder_or_a_broken_link(tmp_path):
    (tmp_path / "models").mkdir()
    with pytest.raises(ValueError) as info:
        load_params(tmp_path / "models")
    assert (
        str(info.value)
        == f"{tmp_path / 'models'}: expected a .npz model file, found a folder. Name the .npz file inside it."
    )
    os.symlink(tmp_path / "gone.npz", tmp_path / "link.npz")
    with pytest.raises(
        FileNotFoundError, match=rf"^{tmp_path / 'link.npz'}: expected a model file, found a broken link"
    ):
        load_params(tmp_path / "link.npz")


def test_files_that_are_not_model_archives_are_named_without_pointing_at_pickle(tmp_path):
    from mnistnn import load_params

    (tmp_path / "model.json").write_text('{"a": 1}')
    np.save(tmp_path / "weights.npy", np.ones(3))
    with pytest.raises(ValueError, match=r"model\.json: expected a \.npz file .*found another kind of file\.$"):
        load_params(tmp_path / "model.json")
    with pytest.raises(ValueError, match=r"weights\.npy: .*found a single array \(a \.npy file\)"):
        load_params(tmp_path / "weights.npy")


def test_the_best_configuration_is_the_candidate_the_search_chose():
    # CONFIGS["best"] is what benchmarks/best_settings.py chose, and results/models/best.npz is its network
    saved = read_metadata(Path(__file__).resolve().parent.parent / "results" / "models" / "best.npz")
    config = {key: list(value) if isinstance(value, tuple) else value for key, value in CONFIGS["best"].items()}
    assert config.pop("epochs") == saved["epochs"]
    assert config == saved["settings"], (saved["candidate"], saved["settings"])
