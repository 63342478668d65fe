"""Slides that work with the network off: notebooks/slides/build.py, on a tiny notebook made here.

The lesson notebooks are large, so every deck here comes from one small
notebook: a title slide with Euler's formula, a code cell, a cell tagged
`hide-input`, a cell tagged `remove-cell` and a speaker note. The first run
fetches reveal.js, jQuery, require.js and MathJax with `npm pack` into pytest's
own cache folder (.pytest_cache, never a tracked file); later runs reuse the
checked tarballs. The deck is then opened from disk in headless Chromium with
every request that is not a file:// URL aborted and counted: none may be needed.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
FORMULA = r"$e^{i\pi} + 1 = 0$"


def load_build_module():
    """notebooks/slides/build.py is a script, not part of the package: import it from its path."""
    spec = importlib.util.spec_from_file_location("slides_build", ROOT / "notebooks" / "slides" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = load_build_module()


def tiny_notebook(folder: Path) -> Path:
    """A four-slide notebook with a formula, code, a hidden input, a removed cell and a speaker note."""
    slide = {"slideshow": {"slide_type": "slide"}}
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# Euler\n\nThe formula {FORMULA} joins five numbers.", metadata=slide),
        nbformat.v4.new_code_cell(
            "print(1 + 1)", metadata=slide, outputs=[nbformat.v4.new_output("stream", name="stdout", text="2\n")]
        ),
        nbformat.v4.new_code_cell(
            "hidden_source = 3",
            metadata={"tags": ["hide-input"]},
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="output of the hidden cell\n")],
        ),
        nbformat.v4.new_markdown_cell("a cell that must vanish", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_markdown_cell("what to say here", metadata={"slideshow": {"slide_type": "notes"}}),
    ]
    # saved widget state makes nbconvert add a widget loader from a CDN, which offline decks leave out
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": {}}
    }
    path = folder / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def npm_cache(request, tmp_path_factory) -> Path:
    """Where the fetched tarballs are kept between test runs: pytest's cache folder when it is on."""
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("slides-npm-tarballs")) if cache is not None else tmp_path_factory.mktemp("npm")


@pytest.fixture(scope="session")
def offline_deck(npm_cache, tmp_path_factory) -> Path:
    """The tiny notebook's deck, built with the vendor folder beside it."""
    folder = tmp_path_factory.mktemp("slides")
    out = folder / "decks"
    try:
        build.prepare_vendor(out, npm_cache)
    except build.VendorUnavailable as reason:
        pytest.skip(f"cannot fetch the front-end libraries: {reason.args[0]}")
    decks, offline = build.build([tiny_notebook(folder)], out, npm_cache)
    assert offline
    assert [d.name for d in decks] == ["tiny.slides.html"]
    return decks[0]


def test_offline_deck_references_no_web_url(offline_deck):
    html = offline_deck.read_text(encoding="utf-8")
    assert 'src="http' not in html.lower()
    assert 'href="http' not in html.lower()
    assert build.web_loads(html) == []
    assert "mermaid" not in html
    assert "html-manager" not in html  # the widget loader


def test_every_local_script_and_style_exists(offline_deck):
    html = offline_deck.read_text(encoding="utf-8")
    urls = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"#]+)"', html)
    urls += re.findall(r'"(vendor/[^"]+\.js)"', html)  # the files require.js loads: reveal.js and its notes plugin
    assert len(urls) >= 7
    for url in urls:
        assert url.startswith("vendor/"), url
        assert (offline_deck.parent / url.split("?")[0]).is_file(), url


def test_vendor_theme_loads_fonts_from_disk_only(offline_deck):
    theme = offline_deck.parent / "vendor" / "reveal.js" / "dist" / "theme" / f"{build.THEME}.css"
    imports = re.findall(r"@import\s+url\(([^)]+)\)", theme.read_text(encoding="utf-8"))
    assert imports, "the theme should import its font from a local file"
    for url in imports:
        assert not url.strip("'\"").startswith(("http:", "https:", "//")), url
        assert (theme.parent / url.strip("'\"")).is_file(), url


def test_tags_hide_input_and_remove_cells(offline_deck):
    html = offline_deck.read_text(encoding="utf-8")
    assert "output of the hidden cell" in html
    assert "hidden_source" not in html
    assert "a cell that must vanish" not in html
    assert re.search(r'<aside class="notes">.*?what to say here', html, re.DOTALL)
    assert '<span class="nb">print</span>' in html  # an ordinary code cell keeps its code


def test_second_build_reuses_the_vendor_folder(offline_deck, npm_cache, capsys):
    out = offline_deck.parent
    stamp = out / "vendor" / build.STAMP
    before = stamp.stat().st_mtime_ns
    build.build([offline_deck.parent.parent / "tiny.ipynb"], out, npm_cache)
    assert stamp.stat().st_mtime_ns == before
    assert "fetching" not in capsys.readouterr().out


def test_deck_renders_in_chromium_with_the_network_off(offline_deck):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("chromium not found")
    web_requests, failed, errors = [], [], []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            web_requests.append(route.request.url)
            route.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", only_files)
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(offline_deck.as_uri())
            page.wait_for_selector(".reveal.ready", state="attached", timeout=30_000)
            reveal = "require('vendor/reveal.js/dist/reveal.js')"  # require.js loaded it as a module
            assert page.evaluate(f"{reveal}.isReady()") is True
            assert page.evaluate(f"{reveal}.getTotalSlides()") == 2  # title; code + hidden-input output
            page.wait_for_selector(".reveal .slides .MathJax_CHTML", state="attached", timeout=30_000)
            page.wait_for_function("() => MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running")
            text = page.evaluate("document.querySelector('.reveal .slides').innerText")
            math_errors = page.evaluate("document.querySelectorAll('.mjx-merror, .MathJax_Error').length")
        finally:
            browser.close()
    assert "$e^{" not in text
    assert "joins five numbers" in text
    assert math_errors == 0
    assert web_requests == []
    assert failed == []
    assert errors == []


def test_without_npm_the_decks_load_from_the_web(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no npm on PATH, and an empty cache
    decks, offline = build.build([tiny_notebook(tmp_path)], tmp_path / "decks", tmp_path / "cache")
    assert not offline
    printed = capsys.readouterr().out
    assert printed.startswith("npm not found: ")
    html = decks[0].read_text(encoding="utf-8")
    assert re.search(r'<script src="https://[^"]+reveal|<link href="https://[^"]+reveal', html)
    assert not (tmp_path / "decks" / "vendor").exists()


def test_a_cached_tarball_is_checked_before_use(tmp_path, monkeypatch):
    packages = build.read_lock()
    cache = tmp_path / "cache"
    cache.mkdir()
    for package in packages:  # right names, wrong contents
        build.tarball_path(package, cache).write_bytes(b"not the published package")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(build.VendorUnavailable, match="npm not found"):
        build.prepare_vendor(tmp_path / "decks", cache)
    assert not (tmp_path / "decks" / "vendor").exists()


def test_integrity_matches_npm_format(tmp_path):
    path = tmp_path / "f.tgz"
    path.write_bytes(b"abc")
    expected = "sha512-" + base64.b64encode(hashlib.sha512(b"abc").digest()).decode()
    assert build.integrity_of(path) == expected


def test_lock_file_pins_every_vendored_package():
    packages = build.read_lock()
    assert sorted(p["name"] for p in packages) == sorted(build.KEEP)
    for package in packages:
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]), package
        assert len(base64.b64decode(package["integrity"].removeprefix("sha512-"))) == 64
    versions = {p["name"]: p["version"] for p in packages}
    assert versions["reveal.js"].startswith("5.")  # the layout nbconvert 7's reveal template expects
    assert versions["mathjax"].startswith("2.7.")  # the MathJax 2 API the template calls


def test_bad_lock_file_is_reported(tmp_path):
    lock = tmp_path / "vendor.json"
    lock.write_text(json.dumps({"packages": [{"name": "jquery", "version": "3.7.1", "integrity": "md5-x"}]}))
    with pytest.raises(ValueError, match="sha512"):
        build.read_lock(lock)


def test_strip_web_fonts_keeps_local_imports():
    css = "@import url(https://fonts.example/css?family=Lato);\n@import url(./fonts/local.css);\nbody { color: red; }"
    stripped, removed = build.strip_web_fonts(css)
    assert "https://" not in stripped
    assert "@import url(./fonts/local.css);" in stripped
    assert len(removed) == 1


def test_missing_notebook_is_reported(tmp_path):
    with pytest.raises(ValueError, match="notebook: expected an existing .ipynb file"):
        build.build([tmp_path / "nope.ipynb"], tmp_path / "decks", tmp_path / "cache")


def test_jupyterlab_lists_rise_as_enabled():
    import subprocess

    listing = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)  # drop the colour codes
    assert re.search(r"jupyterlab-rise v\S+ enabled OK", text), text


def test_lesson_notebooks_present_live_with_a_theme_that_loads_no_web_fonts():
    # RISE's default theme fetches two web fonts; "white" uses the font shipped with reveal.js
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        assert metadata.get("rise", {}).get("theme") == "white", path.name


def test_formulas_are_not_drawn_again_at_each_slide_change(offline_deck):
    # nbconvert's script calls MathJax.Hub.Rerender when the slide changes, which with MathJax 2.7's
    # CommonHTML output adds a second copy of every formula on the slide ("a_y a_y"); ours leaves it out
    html = offline_deck.read_text(encoding="utf-8")
    assert "Reveal.initialize" in html
    assert "MathJax.Hub.Rerender" not in html
