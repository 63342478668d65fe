"""The graded assignments, run through nbgrader as an instructor would, in a temporary course folder.

nbgrader makes the student editions from the sources (and the committed ones are exactly what it
makes); the untouched student editions stop at their first unwritten function; autograding the
solution as a submission gives every point, and each planted bug loses the points of exactly the
parts it breaks, with feedback that names the function and what is wrong in it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

COURSE = Path(__file__).resolve().parent.parent / "notebooks" / "assignments"
ASSIGNMENTS = ["a1_softmax_regression", "a2_two_layer_network", "a3_training_well"]
FIRST_FUNCTION = {
    "a1_softmax_regression": "softmax",
    "a2_two_layer_network": "forward",
    "a3_training_well": "momentum_step",
}
AUTOGRADED_POINTS = {"a1_softmax_regression": 11, "a2_two_layer_network": 12, "a3_training_well": 12}

# name: (assignment, [(solution text, its replacement)], the test cells it must fail, words of its feedback)
BUGS = {
    "unstable softmax": (
        "a1_softmax_regression",
        [
            (
                "E = np.exp(Z - Z.max(axis=1, keepdims=True))  # the largest score becomes e^0 = 1: no overflow",
                "E = np.exp(Z)",
            )
        ],
        {"test_softmax"},
        ["softmax gives NaN or infinity", "largest score first: np.exp(Z - Z.max(axis=1, keepdims=True"],
    ),
    "scalar bias": (
        "a2_two_layer_network",
        [('"b1": dZ1.sum(axis=0),', '"b1": dZ1.sum(),'), ('"b2": dZ2.sum(axis=0),', '"b2": dZ2.sum(),')],
        {"test_backward"},
        ["backward: 2 of 4 gradients are wrong", "b1: relative error", "b2: relative error 1: a single number"],
    ),
    "missing 1/m": (
        "a2_two_layer_network",
        [("    dZ2 /= m\n", "")],
        {"test_backward", "test_train_network", "test_search"},
        ["backward: 4 of 4 gradients are wrong", "W1: relative error", "the 1/m of the mean loss is missing"],
    ),
    "ReLU forgotten in forward and backward": (
        "a2_two_layer_network",
        [("A1 = np.maximum(Z1, 0)\n", "A1 = Z1\n"), (' * (cache["Z1"] > 0)', "")],
        {"test_forward", "test_backward", "test_train_network", "test_search"},  # a linear network diverges at lr 0.5
        ["forward is wrong", "Likely slip: the ReLU is missing"],
    ),
    "transposed W": (
        "a2_two_layer_network",
        [('"W1": cache["X"].T @ dZ1,', '"W1": dZ1.T @ cache["X"],')],
        {"test_backward", "test_train_network", "test_search"},
        ["backward: 1 of 4 gradients are wrong", "W1: wrong shape", "its transpose would be right"],
    ),
    "Adam without bias correction": (
        "a3_training_well",
        [
            ('m_hat = state["m"][key] / (1 - beta1**t)', 'm_hat = state["m"][key]'),
            ('v_hat = state["v"][key] / (1 - beta2**t)', 'v_hat = state["v"][key]'),
        ],  # fmt: skip
        {"test_adam"},
        ["adam_step: params[", "Likely slip: no bias correction"],
    ),
    "dropout mask not applied in backward": (
        "a3_training_well",
        [("    return dout * keep / (1 - p)", "    return dout / (1 - p)")],
        {"test_dropout"},
        ["dropout_backward is wrong", "the mask is not applied on the way back"],
    ),
}


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run an nbgrader command in the course folder, as an instructor would, with no standard input."""
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs alembic from the PATH to make its gradebook
    env = os.environ | {"PATH": bin_dir + os.pathsep + os.environ["PATH"], "JUPYTER_NO_CONFIG": "1"}
    result = subprocess.run(
        [os.path.join(bin_dir, "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def new_course(tmp: Path) -> Path:
    course = tmp / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source", course / "source")
    return course


def submit(course: Path, student: str, assignment: str, replacements=()) -> None:
    """A submission: the source with its solutions, with each replacement made in its code (a planted bug)."""
    notebook = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    for old, new in replacements:
        cells = [cell for cell in notebook.cells if cell.cell_type == "code" and old in cell.source]
        assert cells, f"{student}: {old!r} is not in the solution of {assignment}"
        for cell in cells:
            cell.source = cell.source.replace(old, new)
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{assignment}.ipynb")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course with every assignment generated, the solution and each planted bug submitted,
    autograded and given feedback. Returns (course, {student: {assignment: {test cell: score}}})."""
    course = new_course(tmp_path_factory.mktemp("nbgrader"))
    students = {"solution": list(ASSIGNMENTS)} | {
        bug.replace(" ", "_").replace("/", ""): [a] for bug, (a, *_) in BUGS.items()
    }
    for assignment in ASSIGNMENTS:
        nbgrader(course, "generate_assignment", assignment, "--force")
        submit(course, "solution", assignment)
    for bug, (assignment, replacements, _, _) in BUGS.items():
        submit(course, bug.replace(" ", "_").replace("/", ""), assignment, replacements)
    for assignment in ASSIGNMENTS:
        nbgrader(course, "autograde", assignment, "--force")
        nbgrader(course, "generate_feedback", assignment, "--force")
    from nbgrader.api import Gradebook

    scores: dict = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="mnistnn") as gradebook:
        for student, assignments in students.items():
            for assignment in assignments:
                notebook = gradebook.find_submission_notebook(assignment, assignment, student)
                scores.setdefault(student, {})[assignment] = {
                    grade.name: (grade.auto_score, grade.max_score)
                    for grade in notebook.grades
                    if grade.auto_score is not None
                }
    return course, scores


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_committed_student_editions_are_what_nbgrader_makes(graded, assignment):
    course, _ = graded  # nbgrader generate_assignment made course/release/ from the committed sources
    made = (course / "release" / assignment / f"{assignment}.ipynb").read_bytes()
    assert made == (COURSE / "release" / assignment / f"{assignment}.ipynb").read_bytes(), "run: make assignments"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_untouched_student_edition_stops_at_its_first_unwritten_function(tmp_path, assignment):
    notebook = nbformat.read(COURSE / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    with pytest.raises(CellExecutionError) as error:
        NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert f"{FIRST_FUNCTION[assignment]} is not written yet" in str(error.value)
    ran = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.execution_count is not None]
    assert ran[-1].metadata["nbgrader"]["grade"], "it stops in the first check cell, after the first function"
    assert not any(output.output_type == "error" for cell in ran[:-1] for output in cell.outputs)


def test_the_solution_as_a_submission_gets_every_autograded_point(graded):
    _, scores = graded
    for assignment in ASSIGNMENTS:
        cells = scores["solution"][assignment]
        assert all(score == maximum for score, maximum in cells.values()), (assignment, cells)
        assert sum(maximum for _, maximum in cells.values()) == AUTOGRADED_POINTS[assignment]


@pytest.mark.parametrize("bug", BUGS)
def test_a_planted_bug_loses_the_points_of_exactly_the_parts_it_breaks(graded, bug):
    course, scores = graded
    assignment, _, broken, words = BUGS[bug]
    student = bug.replace(" ", "_").replace("/", "")
    cells = scores[student][assignment]
    failed = {name for name, (score, maximum) in cells.items() if score < maximum}
    assert failed == broken, f"{bug}: failed {sorted(failed)}, expected {sorted(broken)}"
    lost = sum(maximum for name, (_, maximum) in cells.items() if name in broken)
    print(f"{bug}: {AUTOGRADED_POINTS[assignment] - lost} of {AUTOGRADED_POINTS[assignment]} points")
    feedback = (course / "feedback" / student / assignment / f"{assignment}.html").read_text(encoding="utf-8")
    for text in words:
        assert text in feedback, f"{bug}: the feedback does not say {text!r}"


def test_nbgrader_validate_passes_the_solution_and_fails_a_buggy_notebook(tmp_path):
    course = new_course(tmp_path)
    source = course / "source" / "a1_softmax_regression" / "a1_softmax_regression.ipynb"
    assert "Success! Your notebook passes all the tests." in nbgrader(course, "validate", str(source)).stdout
    submit(course, "buggy", "a1_softmax_regression", BUGS["unstable softmax"][1])
    buggy = course / "submitted" / "buggy" / "a1_softmax_regression" / "a1_softmax_regression.ipynb"
    out = nbgrader(course, "validate", str(buggy)).stdout  # validate exits 0 either way: read what it says
    assert "VALIDATION FAILED ON 1 CELL(S)!" in out and "softmax gives NaN or infinity" in out


def test_nbmake_runs_the_sources_and_not_the_student_editions():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(COURSE)],
        cwd=COURSE.parent.parent, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    collected = [line for line in result.stdout.splitlines() if ".ipynb" in line]
    assert sorted(collected) == sorted(f"notebooks/assignments/source/{a}/{a}.ipynb::{a}.ipynb" for a in ASSIGNMENTS)
