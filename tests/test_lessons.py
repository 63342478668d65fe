"""The lessons as a course: each fits one class, shows short code, hides the code behind its prose, and
holds the outputs of one clean run. (nbmake runs them; these tests read the committed files.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
TITLES = [
    "01_data_exploration",
    "02_sklearn_baseline",
    "03_network_and_backprop",
    "04_training_well",
    "05_overfitting_and_regularisation",
    "06_experiments_and_best_model",
    "07_draw_a_digit",
]


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def slide_type(cell: dict) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "")


def test_the_course_reads_in_order_and_ends_with_drawing_a_digit():
    assert [path.stem for path in LESSONS] == TITLES
    for number, path in enumerate(LESSONS, start=1):
        title = "".join(cells(path)[0]["source"]).splitlines()[0]
        assert title.startswith(f"# {number} · "), (path.name, title)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_fits_one_class(path):
    every = cells(path)
    assert all(slide_type(cell) for cell in every), f"{path.name}: a cell without slide metadata"
    slides = sum(slide_type(cell) in ("slide", "subslide") for cell in every)
    assert slides <= 35, f"{path.name}: {slides} slides, at most 35"
    for cell in every:
        shown = cell["cell_type"] == "code" and slide_type(cell) not in ("skip", "notes")
        hidden = "hide-input" in cell.get("metadata", {}).get("tags", [])
        lines = "".join(cell["source"]).strip().count("\n") + 1
        if shown and not hidden:
            assert lines <= 15, f"{path.name}: a code cell of {lines} lines on a slide: {cell['source'][:3]}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_prose_cells_are_short_and_hidden_and_solutions_hide_their_outputs(path):
    for cell in cells(path):
        source, metadata = "".join(cell["source"]), cell.get("metadata", {})
        if cell["cell_type"] == "code" and "hide-input" in metadata.get("tags", []) and slide_type(cell) != "skip":
            assert source.strip().count("\n") < 3, f"{path.name}: a prose cell of more than 3 lines:\n{source[:300]}"
            assert metadata.get("jupyter", {}).get("source_hidden"), f"{path.name}: a prose cell shown in JupyterLab"
        if cell["cell_type"] == "code" and slide_type(cell) == "skip" and re.match(r"# \d+\.", source):
            hidden = metadata.get("jupyter", {})
            assert hidden.get("source_hidden") and hidden.get("outputs_hidden"), f"{path.name}: an open solution"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_holds_the_outputs_of_one_clean_run(path):
    code = [cell for cell in cells(path) if cell["cell_type"] == "code"]
    assert [cell["execution_count"] for cell in code] == list(range(1, len(code) + 1)), path.name
    errors = [out for cell in code for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors, f"{path.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    stderr = [out for cell in code for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    assert not [out for out in stderr if "Warning" in "".join(out.get("text", ""))], f"{path.name}: a warning"


def learner_words(path: Path) -> int:
    """The words a learner reads: markdown and the prose that cells build from their numbers (hide-input cells'
    markdown output); formulas, code and speaker notes are not counted."""
    texts = []
    for cell in cells(path):
        if slide_type(cell) == "notes":
            continue
        if cell["cell_type"] == "markdown":
            texts.append("".join(cell["source"]))
        elif "hide-input" in cell.get("metadata", {}).get("tags", []):
            for out in cell.get("outputs", []):
                texts.append("".join(out.get("data", {}).get("text/markdown", "")))
    text = "\n".join(texts)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$|```.*?```|`[^`\n]*`", " ", text, flags=re.S)  # formulas and code
    links = r"!\[[^\]]*\]\([^)]*\)|<[^>]+>|\([^)\s]*\.(?:png|ipynb|html)[^)]*\)"  # images, tags, links
    text = re.sub(links, " ", text)
    return len(re.findall(r"[A-Za-zÀ-ÿ0-9][A-Za-zÀ-ÿ0-9'’.,%-]*", text))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_is_at_most_2500_words_and_28_slides(path):
    words = learner_words(path)
    slides = sum(slide_type(cell) in ("slide", "subslide") for cell in cells(path))
    assert words <= 2500, f"{path.name}: {words:,} words a learner reads, at most 2,500 fit a class of 50 minutes"
    assert slides <= 28, f"{path.name}: {slides} slides, at most 28"
