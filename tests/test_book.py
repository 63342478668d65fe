"""The course's website (book/, `make book`): built with warnings as errors, then read in a real browser.

The site is built once per test session into a temporary folder (so the tests leave the working
tree as they found it), from the notebooks as committed, with the launch-button setting given a
made-up repository address. Every page is then opened from disk in headless Chromium with every
request that leaves the site's folder aborted and counted, and checked: no console error, formulas
typeset, images loaded at a readable size, the prose that the lessons build from their numbers
present and the code that built it absent, helper cells gone, speaker notes and solutions closed
(a solution opens on a click), the drawing pad as a sentence instead of its repr; and a search for
"backpropagation" lists lesson 3. What each check expects is read from the notebooks themselves, so
the lessons' prose can change without touching these tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS

if sys.version_info < (3, 11):
    pytest.skip("the website's packages (requirements-book.txt) need Python 3.11 or later", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import coursebook  # noqa: E402

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not found (apt install chromium)")
REPOSITORY = "https://github.com/example/mnistnn"  # a made-up address: the buttons are links, never followed
BOOK_PAGES = ["book/index", "book/assignments", "book/presenting", "book/reference", "book/glossary"]
COURSE = coursebook.course_order()  # docnames of the lessons and assignments, in README's order
LESSONS = [doc for doc in COURSE if "/assignments/" not in doc]
MATH_TIMEOUT = 60_000  # ms: MathJax 2 typesets a long lesson in a few seconds on a slow machine


def sphinx_build(source: Path, out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`make book`'s command, into `out`: warnings are errors."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-c", str(ROOT / "book")]
    command += ["-d", str(out / "doctrees"), str(source), str(out / "html")]
    return subprocess.run(command, cwd=ROOT, env=os.environ | (env or {}), capture_output=True, text=True)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    start = time.perf_counter()
    result = sphinx_build(ROOT, out, {"MNISTNN_BOOK_REPOSITORY": REPOSITORY})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in (out / "html").rglob("*") if f.is_file())
    print(f"\nthe website: built in {seconds:.1f} s, {size / 1e6:.1f} MB")
    return out / "html"


def notebook(doc: str) -> dict:
    return json.loads((ROOT / f"{doc}.ipynb").read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return coursebook.source_of(cell)


def plain_words(markdown: str) -> str:
    """The longest stretch of a markdown text that a browser shows as it is written (no formula, no markup)."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", "\n", markdown, flags=re.DOTALL)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>|[*`\\]", "", text)
    pieces = [" ".join(p.split()) for p in re.split(r"[|\n]|\s-\s|:", text)]
    pieces = [re.sub(r"^([-+]|\d+\.)\s+", "", p) for p in pieces]  # list markers
    longest = max(pieces, key=len)
    return longest[:80].rsplit(" ", 1)[0] if len(longest) > 80 else longest


def normalised(text: str) -> str:
    """Whitespace collapsed and Sphinx's typographic quotes and dashes undone."""
    for fancy, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "---"), ("–", "--"), ("…", "...")):
        text = text.replace(fancy, plain)
    return " ".join(text.split())


# --- The build


def test_every_lesson_and_assignment_has_a_page(site):
    for doc in COURSE + BOOK_PAGES + ["search"]:
        assert (site / f"{doc}.html").is_file(), doc
    assert (site / "index.html").is_file()  # the site's root sends the reader to the home page


@pytest.mark.parametrize(
    ("page", "warning"),
    [
        ("See [the missing lesson](nowhere.md).\n", "nowhere.md"),
        ("![a figure](missing.png)\n", "missing.png"),
        ("```{nonsense}\n```\n", "nonsense"),
    ],
    ids=["broken reference", "missing image", "unknown directive"],
)
def test_a_warning_fails_the_build(tmp_path, page, warning):
    (tmp_path / "src" / "book").mkdir(parents=True)
    (tmp_path / "src" / "book" / "index.md").write_text(f"# A page\n\n{page}", encoding="utf-8")
    result = sphinx_build(tmp_path / "src", tmp_path / "out")
    assert result.returncode != 0
    assert warning in result.stderr


def test_without_the_repository_address_there_are_no_launch_buttons():
    options = coursebook.theme_options("")
    assert "launch_buttons" not in options and "repository_url" not in options
    options = coursebook.theme_options(REPOSITORY)
    assert options["repository_url"] == REPOSITORY
    assert options["launch_buttons"]["binderhub_url"] and options["launch_buttons"]["colab_url"]


def test_launch_buttons_open_the_same_notebook_in_the_repository(site):
    for doc in COURSE:
        html = (site / f"{doc}.html").read_text(encoding="utf-8")
        assert f"/v2/gh/example/mnistnn/main?urlpath=lab/tree/{doc}.ipynb" in html, doc  # Binder
        assert f"/github/example/mnistnn/blob/main/{doc}.ipynb" in html, doc  # Colab
    assert "/v2/gh/" not in (site / "book" / "index.html").read_text(encoding="utf-8")


def test_every_local_link_and_script_points_at_a_file_of_the_site(site):
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts and "slides" not in p.parts]
    assert len(pages) >= len(COURSE) + len(BOOK_PAGES)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for url in re.findall(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"', html):
            assert not re.match(r"(https?:)?//", url), f"{page.relative_to(site)} loads {url}"
        for url in re.findall(r'\b(?:href|src)="([^"#?]+)', html):
            if re.match(r"[a-z]+:", url):  # links to the web are fine (they are followed only by a click)
                continue
            assert (page.parent / url).resolve().exists(), f"{page.relative_to(site)} links to a missing {url}"


def test_assignment_pages_offer_their_notebook(site):
    for doc in COURSE:
        if "/assignments/" in doc:
            name = Path(doc).name
            html = (site / f"{doc}.html").read_text(encoding="utf-8")
            links = re.findall(rf'href="([^"]*_downloads/[^"]*/{name}\.ipynb)"', html)
            assert links, doc
            downloaded = (site / doc).parent / links[0]
            assert json.loads(downloaded.read_text(encoding="utf-8")) == notebook(doc)


def test_sidebar_lists_the_course_in_readmes_order(site):
    html = (site / "book" / "index.html").read_text(encoding="utf-8")
    nav = html[html.index("bd-docs-nav") :]
    found = [m for m in re.findall(r'href="\.\./([^"#]+)\.html"', nav) if m in COURSE]
    assert list(dict.fromkeys(found)) == COURSE


def test_the_browser_checks_have_something_to_check():
    cells = [(doc, c) for doc in LESSONS for c in notebook(doc)["cells"]]
    assert any("hide-input" in c["metadata"].get("tags", []) and c.get("outputs") for _, c in cells)  # prose
    assert any(coursebook.is_solution(c) for _, c in cells)
    assert any(coursebook.slide_type(c) == "notes" for _, c in cells)
    assert any(c["cell_type"] == "code" and coursebook.slide_type(c) == "skip" for _, c in cells)  # helpers
    assert any(coursebook.WIDGET in o.get("data", {}) for _, c in cells for o in c.get("outputs", []))


# --- In the browser, with the network off


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium not found (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One page opened from the built site, with what went wrong on the way."""

    def __init__(self, browser, site: Path, path: str):
        self.left_the_site, self.errors = [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        root = site.as_uri() + "/"

        def only_the_site(route):
            if route.request.url.startswith(root):
                route.continue_()
            else:
                self.left_the_site.append(route.request.url)
                route.abort()

        self.page.route("**/*", only_the_site)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.goto(root + path)

    def text(self, selector: str = "article", visible: bool = True) -> str:
        prop = "innerText" if visible else "textContent"
        return normalised(self.page.evaluate(f"document.querySelector({selector!r}).{prop}"))

    def close(self):
        self.page.close()
        assert self.left_the_site == [], "requests that left the site's folder"
        assert self.errors == [], "errors in the console"


def wait_for_formulas(page) -> int:
    """Wait until MathJax has typeset every formula on the page; return how many there are."""
    count = page.evaluate("document.querySelectorAll('.math').length")
    if count:
        page.wait_for_function(
            "() => window.MathJax && MathJax.isReady && MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running"
            " && document.querySelectorAll('.math .mjx-chtml').length >= document.querySelectorAll('.math').length",
            timeout=MATH_TIMEOUT,
        )
        assert page.evaluate("document.querySelectorAll('.mjx-merror, .MathJax_Error').length") == 0
    return count


def check_images(page) -> int:
    """Every image has loaded, and a figure is drawn at its own size or as wide as the text column."""
    images = page.evaluate(
        """() => [...document.querySelectorAll('article img')].map(img => ({
            src: img.getAttribute('src').slice(0, 80), loaded: img.complete && img.naturalWidth > 0,
            natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
            column: img.closest('article').getBoundingClientRect().width}))"""
    )
    for image in images:
        assert image["loaded"], image
        if image["shown"]:  # images in closed toggles are not laid out
            assert image["shown"] >= min(image["natural"], 0.75 * image["column"]) - 1, image
    return len(images)


@needs_chromium
@pytest.mark.parametrize("doc", BOOK_PAGES + ["genindex", "py-modindex"])
def test_book_page_in_the_browser(browser, site, doc):
    visit = Visit(browser, site, f"{doc}.html")
    wait_for_formulas(visit.page)
    check_images(visit.page)
    text = visit.text()
    if doc == "book/index":
        for lesson in COURSE:  # the course table links every lesson and assignment
            assert visit.page.locator(f'article a[href$="{Path(lesson).name}.html"]').count() >= 1, lesson
        assert "%" in text  # the results table
    if doc == "book/reference":  # every module of the package, from its docstrings
        for module in (ROOT / "mnistnn").glob("[a-z]*.py"):
            assert f"mnistnn.{module.stem}" in text, module.name
        assert "init_params" in text
    visit.close()


@needs_chromium
@pytest.mark.parametrize("doc", COURSE)
def test_lesson_page_in_the_browser(browser, site, doc):
    nb = notebook(doc)
    cells = nb["cells"]
    visit = Visit(browser, site, f"{doc}.html")
    page = visit.page
    math = wait_for_formulas(page)
    if any("$" in source(c) for c in cells if c["cell_type"] == "markdown"):
        assert math > 0
    check_images(page)
    shown, everything = visit.text(), visit.text(visible=False)

    # prose built by code: its text is there, the code that built it is not
    prose = [c for c in cells if "hide-input" in c["metadata"].get("tags", []) and coursebook.slide_type(c) != "skip"]
    for cell in prose:
        assert normalised(source(cell)) not in everything, source(cell)
        for line in source(cell).splitlines():
            assert "say(" not in line or normalised(line) not in everything, line
        for output in cell.get("outputs", []):
            if "text/markdown" in output.get("data", {}):
                words = normalised(plain_words(coursebook.source_of({"source": output["data"]["text/markdown"]})))
                assert words in shown, words

    # helper cells are gone; solutions are there, folded
    helpers = [c for c in cells if c["cell_type"] == "code" and coursebook.slide_type(c) == "skip"]
    for cell in helpers:
        if not coursebook.is_solution(cell):
            assert normalised(source(cell)) not in everything, source(cell)[:80]
    solutions = [c for c in cells if coursebook.is_solution(c)]
    toggles = page.locator("article details.hide")
    assert toggles.count() == len(solutions)

    # speaker notes: one closed box each, set apart, their text not shown
    notes = [c for c in cells if c["cell_type"] == "markdown" and coursebook.slide_type(c) == "notes"]
    boxes = page.locator("article details.teacher")
    assert boxes.count() == len(notes)
    for i in range(boxes.count()):
        assert boxes.nth(i).locator("summary").inner_text().strip() == "For the teacher"
    assert page.evaluate("[...document.querySelectorAll('article details')].filter(d => d.open).length") == 0
    for note in notes:
        words = normalised(plain_words(source(note)))
        assert words in everything and words not in shown, words

    # a widget is a sentence, not its repr
    assert "object at 0x" not in everything and "VBox(children" not in everything
    if any(coursebook.WIDGET in o.get("data", {}) for c in cells for o in c.get("outputs", [])):
        assert "needs a live notebook." in shown

    # every solution opens on a click, with its code and outputs inside
    for i, cell in enumerate(solutions):
        toggle = toggles.nth(i)
        toggle.locator("summary").click()
        assert toggle.evaluate("d => d.open") is True
        first_line = source(cell).splitlines()[0]
        assert normalised(first_line) in normalised(toggle.inner_text())
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            toggle.locator("img").first.wait_for(state="visible")
            check_images(page)
    visit.close()


@needs_chromium
def test_search_for_backpropagation_lists_lesson_3(browser, site):
    visit = Visit(browser, site, "search.html?q=backpropagation")
    results = visit.page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=30_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("notebooks/03_network_and_backprop.html" in h for h in hrefs), hrefs
    visit.close()
