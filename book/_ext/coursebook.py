"""coursebook: the Sphinx extension that turns the course's executed notebooks into its website.

The notebooks are never changed on disk. When Sphinx reads one (its `source-read` event), this
extension rewrites the JSON it is about to parse, so that MyST-NB renders what a reader needs:

- a prose cell (code tagged `hide-input` that calls `say(...)`) shows its text and not the code
  that built it: the tag becomes MyST-NB's `remove-input`;
- a helper cell (code with slide type `skip` that is not a solution: imports, the functions that
  write the sentences, saving tables) is removed, outputs and all (`remove-cell`);
- an exercise's solution (code with slide type `skip` whose source starts `# 1.`, `# 2.`, ...)
  becomes a closed toggle with its code and outputs inside (`hide-cell`); a worked answer written
  in markdown (slide type `skip`, source hidden) becomes a closed dropdown, titled with every
  answer it holds ("Solutions 2 and 3");
- a speaker note (markdown with slide type `notes`) goes into a closed "For the teacher" dropdown,
  set apart from the learner's text;
- a widget that needs a live kernel (the drawing pad of lesson 7) shows a sentence saying how to
  run it instead of its Python repr, and the saved widget state (which would make the page load a
  widget manager from the web) is dropped;
- an assignment's student edition starts with a note and a link to download the notebook.

The book's own pages take their content from README.md (the course table, the results, the
glossary, presenting) and get three generated parts: the lessons and assignments in README's
order (`{{course_order}}`), the package reference (`{{package_modules}}`) and the slide decks
of results/slides/ when `make slides` has built them (`{{slide_decks}}`).

MathJax is served from the site: the version pinned in notebooks/slides/vendor.json, fetched by
the slides' own code (npm, integrity-checked, cached in notebooks/slides/.cache/).
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
SLIDES = REPO / "results" / "slides"  # where `make slides` writes the decks
MATHJAX_PATH = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"  # relative to _static/, as the decks load it
BINDER = "https://mybinder.org"
COLAB = "https://colab.research.google.com"

SOLUTION = re.compile(r"#\s*(\d+)\.")  # the first line of an exercise's solution: "# 1. ..."
WIDGET = "application/vnd.jupyter.widget-view+json"
DRAWING_PAD = (
    "Here, in a notebook running in Jupyter, a square pad appears, with a box to tick for MNIST's "
    "preparation, and the network's reading below it changes as you draw."
)
PACKAGE_ORDER = "data network optim training models gradcheck grading stats checks plots widgets report cli".split()


# --- MathJax, from the slides' pinned and checked tarball


def docstring_as_written(app, what, name, obj, options, lines: list[str]) -> None:
    """Show a docstring as its author wrote it: plain text with aligned shapes, not reStructuredText.

    `mnistnn`'s docstrings are plain text (formulas and shape tables lined up in columns, `names`
    in backticks), so each becomes a block of text kept line for line, which also means a docstring
    edited tomorrow can never break the build.
    """
    if any(line.strip() for line in lines):
        lines[:] = [".. code-block:: text", "   :class: docstring", ""] + [f"   {line}" for line in lines] + [""]


def slides_build_module():
    """notebooks/slides/build.py, the script that fetches and checks the front-end libraries."""
    name = "mnistnn_slides_build"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "notebooks" / "slides" / "build.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def prepare_mathjax(cache: Path | None = None) -> Path:
    """A folder holding `mathjax/`, MathJax as vendor.json pins it, for `html_static_path`.

    Unpacked once from the checked tarball into the cache (notebooks/slides/.cache/ unless
    MNISTNN_NPM_CACHE says otherwise) and reused while the tarball's integrity stays the same.
    """
    build = slides_build_module()
    cache = Path(os.environ.get("MNISTNN_NPM_CACHE") or cache or build.DEFAULT_CACHE)
    (mathjax,) = [p for p in build.read_lock() if p["name"] == "mathjax"]
    static = cache / f"book-mathjax-{mathjax['version']}"
    stamp = cache / f"book-mathjax-{mathjax['version']}.integrity"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == mathjax["integrity"]:
        return static
    try:
        tarball = build.checked_tarball(mathjax, cache)
    except build.VendorUnavailable as reason:
        problem, _ = reason.args
        raise RuntimeError(
            f"The website serves MathJax {mathjax['version']} itself, and {problem}. Install Node.js and npm "
            f"and build once with the network on: the checked tarball is then kept in {cache}."
        ) from None
    shutil.rmtree(static, ignore_errors=True)
    build.unpack(mathjax, tarball, static / "mathjax")
    stamp.write_text(mathjax["integrity"], encoding="utf-8")
    return static


# --- Launch buttons, from one setting


def theme_options(repository_url: str) -> dict[str, Any]:
    """sphinx-book-theme's options; launch buttons (Binder, Colab) only when the repository's address is given."""
    options: dict[str, Any] = {
        "home_page_in_toc": True,
        "show_toc_level": 2,
        "use_download_button": True,
        "use_fullscreen_button": False,
        "use_source_button": False,
    }
    if repository_url:
        options |= {
            "repository_url": repository_url,
            "repository_branch": "main",
            "path_to_docs": "",  # the site's source folder is the repository itself
            "use_repository_button": True,
            "launch_buttons": {"binderhub_url": BINDER, "colab_url": COLAB, "notebook_interface": "jupyterlab"},
        }
    return options


# --- The notebooks as a reader sees them


def slide_type(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def source_of(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def is_solution(cell: dict) -> bool:
    """An exercise's worked solution in code: slide type skip, first line `# 1. ...`."""
    return cell["cell_type"] == "code" and slide_type(cell) == "skip" and bool(SOLUTION.match(source_of(cell).lstrip()))


def fenced(directive: str, argument: str, options: dict[str, str], body: str) -> str:
    """A MyST colon-fenced directive around `body`, its fence longer than any fence inside."""
    inner = [len(m.group(1)) for m in re.finditer(r"^\s*(:{3,})", body, re.MULTILINE)]
    fence = ":" * max([3, *(n + 1 for n in inner)])
    lines = [f"{fence}{{{directive}}} {argument}".rstrip()]
    lines += [f":{key}: {value}" for key, value in options.items()]
    return "\n".join([*lines, "", body.strip("\n"), fence])


def set_tags(cell: dict, add: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> None:
    metadata = cell.setdefault("metadata", {})
    tags = [t for t in metadata.get("tags", []) if t not in drop]
    metadata["tags"] = tags + [t for t in add if t not in tags]


def widget_sentence(docname: str, shown: str, launch: bool) -> dict:
    """The output that stands in for a live widget whose Python repr is `shown`."""
    what = "The drawing pad" if "DigitPad" in shown else "This interactive widget"
    where = ", or with the Binder or Colab button at the top of this page" if launch else ""
    text = f"**{what} needs a live notebook.** " + (DRAWING_PAD + " " if "DigitPad" in shown else "")
    text += f"Open `{docname}.ipynb` in JupyterLab (`make lab`{where}) and run it from the top."
    return {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": text, "text/plain": text}}


def for_the_web(nb: dict, docname: str, launch: bool = False) -> dict:
    """The notebook `nb` (parsed JSON) rewritten for the website; see the module's docstring."""
    nb.get("metadata", {}).pop("widgets", None)  # the saved widget state: a page with it loads a widget manager
    number = ""  # of the last exercise's solution
    for cell in nb["cells"]:
        metadata = cell.setdefault("metadata", {})
        tags = metadata.get("tags", [])
        hidden = metadata.get("jupyter", {}).get("source_hidden", False)
        if cell["cell_type"] == "code":
            if is_solution(cell):
                number = SOLUTION.match(source_of(cell).lstrip()).group(1)
                set_tags(cell, add=("hide-cell",), drop=("hide-input",))
                metadata["mystnb"] = {
                    "code_prompt_show": f"Solution {number}",
                    "code_prompt_hide": f"Solution {number}",
                }
            elif slide_type(cell) == "skip":
                set_tags(cell, add=("remove-cell",))
            elif "hide-input" in tags:
                set_tags(cell, add=("remove-input",), drop=("hide-input",))
            outputs = cell.get("outputs", [])
            cell["outputs"] = [
                widget_sentence(docname, source_of({"source": o["data"].get("text/plain", "")}), launch)
                if WIDGET in o.get("data", {})
                else o
                for o in outputs
            ]
        elif cell["cell_type"] == "markdown":
            if slide_type(cell) == "notes":
                cell["source"] = fenced("dropdown", "For the teacher", {"class-container": "teacher"}, source_of(cell))
            elif slide_type(cell) == "skip" and hidden:  # worked answers in words: "**2.** ...", "**3.** ..."
                numbers = re.findall(r"^\s*\*\*(\d+)\.\*\*", source_of(cell), re.MULTILINE)
                if not re.match(r"\s*\*\*\d+\.\*\*", source_of(cell)):
                    title = f"Solution {number}, continued".replace(" ,", "")
                elif len(numbers) == 1:
                    title = f"Solution {numbers[0]}"
                else:
                    title = f"Solutions {', '.join(numbers[:-1])} and {numbers[-1]}"
                number = numbers[-1] if numbers else number
                cell["source"] = fenced("dropdown", title, {"class-container": "solution"}, source_of(cell))
    if docname.startswith("notebooks/assignments/"):
        name = Path(docname).name
        note = fenced(
            "note",
            "",
            {},
            f"The student edition of this assignment, shown read-only. {{download}}`Download the notebook "
            f"<{name}.ipynb>`, open it in Jupyter and run it from the top: each check cell grades the function "
            "above it.",
        )
        first = nb["cells"][0] if nb["cells"] else {}
        title, _, rest = source_of(first).partition("\n")
        if first.get("cell_type") == "markdown" and title.startswith("# "):  # right under the title
            first["source"] = f"{title}\n\n{note}\n\n{rest}"
        else:
            nb["cells"].insert(
                0, {"cell_type": "markdown", "id": "coursebook-download", "metadata": {}, "source": note}
            )
    return nb


# --- The book's own pages


def readme_section(heading: str) -> str:
    """The text of README's section `heading` (a line such as "## The course"), up to the next heading of its level."""
    text = README.read_text(encoding="utf-8")
    level = heading.split()[0]
    match = re.search(rf"^{re.escape(heading)}\s*$(.*?)(?=^#{{1,{len(level)}}} |\Z)", text, re.MULTILINE | re.DOTALL)
    if match is None:
        raise RuntimeError(f"README.md has no section {heading!r}, which the website's pages take their text from.")
    return match.group(1)


def course_order() -> list[str]:
    """The lessons and assignments as README's course table orders them, as docnames."""
    links = re.findall(r"\]\((notebooks/[^)\s]+)\.ipynb\)", readme_section("## The course"))
    if not links:
        raise RuntimeError("README.md's section '## The course' links no notebook: the website takes its order there.")
    return list(dict.fromkeys(links))


def package_modules() -> str:
    """One automodule directive per module of mnistnn, in the order of README's package table."""
    found = sorted(p.stem for p in (REPO / "mnistnn").glob("*.py") if not p.stem.startswith("_"))
    ordered = [m for m in PACKAGE_ORDER if m in found] + [m for m in found if m not in PACKAGE_ORDER]
    return "\n\n".join(f"## `mnistnn.{m}`\n\n```{{eval-rst}}\n.. automodule:: mnistnn.{m}\n```" for m in ordered)


def title_of(doc: str) -> str:
    """A notebook's title: the first line of its first markdown cell that starts with "# "."""
    for cell in json.loads((REPO / f"{doc}.ipynb").read_text(encoding="utf-8"))["cells"]:
        for line in source_of(cell).splitlines() if cell["cell_type"] == "markdown" else []:
            if line.startswith("# "):
                return html.escape(line[2:].strip())
    return Path(doc).name


def slide_decks() -> str:
    """Links to the decks that `make slides` built, or how to build them."""
    decks = {doc: SLIDES / f"{Path(doc).name}.slides.html" for doc in course_order() if "/assignments/" not in doc}
    if not all(deck.is_file() for deck in decks.values()) or not (SLIDES / "vendor").is_dir():
        return (
            "The decks are not in this build of the site: run `make slides`, then `make book`, and they are "
            "linked here, with the libraries they need beside them."
        )
    items = "\n".join(f'<li><a href="../slides/{deck.name}">{title_of(doc)}</a></li>' for doc, deck in decks.items())
    return (
        "The decks, built by `make slides` and copied here with the libraries they need (open one, then press `s` "
        f'for the speaker notes):\n\n<ul class="decks">\n{items}\n</ul>\n'
    )


def on_source_read(app, docname: str, source: list[str]) -> None:
    if app.env.doc2path(docname).suffix == ".ipynb":
        launch = bool(app.config.coursebook_repository)
        source[0] = json.dumps(for_the_web(json.loads(source[0]), docname, launch), ensure_ascii=False)
        return
    parts = {
        "{{course_order}}": lambda: "\n".join(f"/{doc}" for doc in course_order()),
        "{{package_modules}}": package_modules,
        "{{slide_decks}}": slide_decks,
        "{{assignments}}": lambda: "\n".join(
            f"- [{Path(doc).name}](/{doc}.ipynb): {{download}}`download the notebook </{doc}.ipynb>`"
            for doc in course_order()
            if "/assignments/" in doc
        ),
    }
    for marker, make in parts.items():
        if marker in source[0]:
            source[0] = source[0].replace(marker, make())


def always_read(app, env, added, changed, removed) -> list[str]:
    """The book's own pages, read again at every build: they hold what README, the decks and the package say now."""
    return [doc for doc in env.found_docs if doc.startswith("book/")]


def copy_decks(app, exception: Exception | None) -> None:
    """Put the decks of results/slides/ (and their vendor/ folder) in the site's slides/ folder."""
    if exception is None and app.builder.format == "html" and "not in this build" not in slide_decks():
        shutil.copytree(SLIDES, Path(app.outdir) / "slides", dirs_exist_ok=True)


def setup(app) -> dict[str, Any]:
    # the repository's address for the launch buttons; "env": a change makes Sphinx read the pages again
    app.add_config_value("coursebook_repository", "", "env", types=frozenset({str}))
    app.connect("source-read", on_source_read)
    app.connect("autodoc-process-docstring", docstring_as_written)
    app.connect("env-get-outdated", always_read)
    app.connect("build-finished", copy_decks)
    # env_version: an edit of this file makes Sphinx read every page again (what it does to them may have changed)
    env_version = int(hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8], 16)
    return {"version": "1", "env_version": env_version, "parallel_read_safe": True, "parallel_write_safe": True}
