"""The graded assignments, run through nbgrader as an instructor would, in a temporary course folder.

README's instructor cycle, command by command: generate the student editions (the committed ones are
exactly what nbgrader makes), collect (one submission arrives by zip_collect with a browser's
" (1)" in its name), autograde each submission, the Formgrader's list of assignments, feedback,
export. The submissions: right answers in several styles (a progress bar on stderr, float32
accuracies), planted bugs, cheats and broken notebooks (a deleted check cell, a function that never
returns, a kernel that dies). Right work gets every point and an autograde log without warnings;
each bug, cheat or break loses the points of exactly the parts it breaks, with feedback that says why.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
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
AUTOGRADED_POINTS = {"a1_softmax_regression": 11, "a2_two_layer_network": 16, "a3_training_well": 12}
BEST = "pathlib.Path(mnistnn.__file__).parent.parent / 'results' / 'models' / 'best.npz'"

# A search that reaches 97% in a few seconds (the solution's takes about 20): for submissions whose
# point is elsewhere.
FAST_SEARCH = """results, best_params = [], None
for width, lr, n in ((256, 0.5, 55000), (32, 0.5, 2000), (32, 0.1, 2000), (16, 0.1, 2000)):
    params = init_params((784, width, 10), seed=0)
    epochs = 3 if n > 2000 else 1
    history = train_network(params, X_tr[:n], y_tr[:n], X_val, y_val, lr=lr, batch_size=100, epochs=epochs)
    results.append({"lr": lr, "width": width, "val_acc": history[-1]["val_acc"]})
    if best_params is None or results[-1]["val_acc"] > max(r["val_acc"] for r in results[:-1]):
        best_params = params
"""

A1_STYLES = {  # right answers written otherwise: log-sum-exp, a float32 accuracy as a mean of chunks, a progress bar
    "softmax": """def softmax(Z):
    top = Z.max(axis=1, keepdims=True)
    log_norm = top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True))
    return np.exp(Z - log_norm)
""",
    "train_softmax_regression": """from tqdm.auto import tqdm

def train_softmax_regression(X, y, X_val, y_val, lr, batch_size, epochs, seed=0):
    import warnings
    rng = np.random.default_rng(seed)
    W, b = np.zeros((X.shape[1], 10), np.float32), np.zeros(10, np.float32)
    history = []
    for epoch in tqdm(range(1, epochs + 1), desc="epochs"):
        order = rng.permutation(len(X))
        losses = []
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            loss, dW, db = loss_and_gradients(W, b, X[rows], y[rows])
            W -= np.float32(lr) * dW.astype(np.float32)
            b -= np.float32(lr) * db.astype(np.float32)
            losses.append(loss)
        warnings.warn("a warning from the learner's code", RuntimeWarning)
        chunks = [np.mean(((X_val[i : i + 1000] @ W + b).argmax(1) == y_val[i : i + 1000]).astype(np.float32))
                  for i in range(0, len(X_val), 1000)]
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "val_acc": np.float32(np.mean(chunks))})
    return W, b, history
""",
}

A2_STYLES = {  # einsum, the column layout with transposes, a progress bar on stderr, a float32 accuracy
    "forward": """def forward(params, X):
    Z1 = np.einsum("mi,ih->mh", X, params["W1"]) + params["b1"]
    A1 = np.where(Z1 > 0, Z1, 0.0)
    Z2T = params["W2"].T @ A1.T + params["b2"][:, None]  # (k, m): one column per example
    E = np.exp(Z2T - Z2T.max(axis=0))
    return (E / E.sum(axis=0)).T, {"X": X, "Z1": Z1, "A1": A1, "probs": (E / E.sum(axis=0)).T}
""",
    "train_network": """import sys

from tqdm import tqdm

def train_network(params, X, y, X_val, y_val, lr, batch_size, epochs, seed=0):
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(X))
        losses = []
        for start in tqdm(range(0, len(X), batch_size), file=sys.stderr, desc=f"epoch {epoch}"):
            rows = order[start : start + batch_size]
            probs, cache = forward(params, X[rows])
            losses.append(-np.log(probs[np.arange(len(rows)), y[rows]]).mean())
            update(params, backward(params, cache, y[rows]), lr)
        right = sum(int((forward(params, X_val[i : i + 500])[0].argmax(1) == y_val[i : i + 500]).sum())
                    for i in range(0, len(X_val), 500))
        val_acc = np.float32(right) / np.float32(len(X_val))
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "val_acc": val_acc})
    return history
""",
    "search": FAST_SEARCH,
}

HANG = "def numerical_gradient(f, x, eps=1e-5):\n    while True:\n        pass\n"
DIE = "import os\n\nos._exit(1)  # the kernel dies, as when it runs out of memory\n"

# student: (assignment, {grade_id of a solution cell: its new source} or [(old, new) in the code], the check
# cells it must fail, words of its feedback, how it arrives). Every other check cell must get full points.
SUBMISSIONS = {
    "a1_right": ("a1_softmax_regression", {}, set(), ["softmax is right"], "submitted"),
    "a1_styles": ("a1_softmax_regression", A1_STYLES, set(), ["(target: at least 91%)"], "submitted"),
    "a1_two_slips": (
        "a1_softmax_regression",
        [
            (
                "E = np.exp(Z - Z.max(axis=1, keepdims=True))  # the largest score becomes e^0 = 1: no overflow",
                "E = np.exp(Z)",
            ),
            (
                "return float(-np.log(probs[np.arange(len(y)), y]).mean())",
                "return float(-np.log(probs[np.arange(len(y)), y]).sum())",
            ),
        ],
        {"test_softmax", "test_cross_entropy"},  # one point each: loss_and_gradients and training keep theirs
        ["softmax gives NaN or infinity", "a sum, not a mean over the examples"],
        "submitted",
    ),
    "a1_cheats": (
        "a1_softmax_regression",
        {
            "softmax": "def softmax(Z):\n    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)\n\n\n"
            "import mnistnn.grading\n\ndef check_softmax(*args, **kwargs):\n    pass\n\n\n"
            "mnistnn.grading.check_softmax = check_softmax  # patched too\n",
            "numerical_gradient": "from mnistnn import numerical_gradient\n",
        },
        {"test_softmax", "test_numerical_gradient", "test_gradient_check"},
        ["softmax gives NaN or infinity", "the course's own implementation"],
        "submitted",
    ),
    "a1_hang": (
        "a1_softmax_regression",
        {"numerical_gradient": HANG},
        {"test_numerical_gradient", "test_gradient_check"},
        ["did not return in time"],
        "submitted",
    ),
    "a2_right": ("a2_two_layer_network", {}, set(), ["forward is right", "standardise_backward is right"], "submitted"),
    "a2_styles_renamed": ("a2_two_layer_network", A2_STYLES, set(), ["kept out of this cell"], "zip_collect"),
    "a2_forward_slips": (
        "a2_two_layer_network",
        {"search": FAST_SEARCH},
        {"test_forward", "test_standardise_backward", "test_search"},
        ["Likely slip: the ReLU is missing", "backward is right", "the variance term is missing", "forward (part 1)"],
        "submitted",
    ),
    "a2_backward_slips": (
        "a2_two_layer_network",
        {"search": FAST_SEARCH},
        {"test_backward", "test_standardise_backward", "test_search"},
        ["the 1/m of the mean loss is missing", "the mean term is missing", "backward (part 2)"],
        "submitted",
    ),
    "a2_imports": (
        "a2_two_layer_network",
        {
            "forward": "from mnistnn import forward\n",
            "backward": "from mnistnn import backward\n",
            "update": "from mnistnn.network import update\n",
            "search": FAST_SEARCH,
        },
        {"test_forward", "test_backward", "test_update"},
        ["forward is mnistnn.network.forward, the course's own implementation", "no points"],
        "submitted",
    ),
    "a2_redefined_checks": (
        "a2_two_layer_network",
        {
            "search": FAST_SEARCH,
            "update": "def update(params, grads, lr):\n    for key in params:\n"
            "        params[key] += lr * grads[key]\n    return params\n\n\nimport mnistnn.grading\n\n"
            "def check_update(*args, **kwargs):\n    pass\n\n\ncheck_forward = check_backward = check_update\n"
            "mnistnn.grading.check_update = check_update\n",
        },
        {"test_update", "test_search"},
        ["a step up the gradient"],
        "submitted",
    ),
    "a2_loads_best": (
        "a2_two_layer_network",
        {
            "train_network": "import pathlib\n\nimport mnistnn\nfrom mnistnn.models import load_params\n\n\n"
            "def train_network(params, X, y, X_val, y_val, lr, batch_size, epochs, seed=0):\n"
            f"    params.update(load_params({BEST}))\n"
            "    acc = float(np.mean(forward(params, X_val)[0].argmax(1) == y_val))\n"
            "    return [{'epoch': e, 'loss': 1 / e, 'val_acc': acc} for e in range(1, epochs + 1)]\n"
        },
        {"test_train_network", "test_search"},
        [
            "train_network loads a saved model (it calls mnistnn.models.load_params)",
            "is the course's trained model, results/models/best.npz",
        ],
        "submitted",
    ),
    "a2_deleted_check": (
        "a2_two_layer_network",
        {"search": FAST_SEARCH},
        set(),
        ["was missing from the submission"],
        "submitted",
    ),
    "a2_dies": (
        "a2_two_layer_network",
        {"search": DIE + FAST_SEARCH},
        {"test_search"},
        ["the kernel died while running this cell", "backward is right"],
        "submitted",
    ),
    "a3_right": ("a3_training_well", {}, set(), ["adam_step is right"], "submitted"),
    "a3_slips_and_loaded_model": (
        "a3_training_well",
        {
            "final": "import pathlib\n\nimport mnistnn\nfrom mnistnn.models import load_params\n\n"
            f"final_params, final_history = load_params({BEST}), []\n"
        },
        {"test_adam", "test_dropout", "test_final"},
        ["Likely slip: no bias correction", "the mask is not applied on the way back", "course's trained model"],
        "submitted",
    ),
}
CODE_SLIPS = {  # [(old, new)] made in the code of a submission, besides its cells above
    "a2_forward_slips": [
        ("A1 = np.maximum(Z1, 0)\n", "A1 = Z1\n"),
        ("- Y * (dY * Y).mean(axis=1, keepdims=True)) / s", ") / s"),
    ],
    "a2_backward_slips": [
        ("    dZ2 /= m\n", ""),
        ("(dY - dY.mean(axis=1, keepdims=True) - Y", "(dY - Y"),
    ],
    "a2_redefined_checks": [],
    "a3_slips_and_loaded_model": [
        ('m_hat = state["m"][key] / (1 - beta1**t)', 'm_hat = state["m"][key]'),
        ('v_hat = state["v"][key] / (1 - beta2**t)', 'v_hat = state["v"][key]'),
        ("    return dout * keep / (1 - p)", "    return dout / (1 - p)"),
    ],
}
DELETED = {"a2_deleted_check": "test_update"}  # a locked check cell the learner deleted
RIGHT = [student for student, (_, _, broken, _, _) in SUBMISSIONS.items() if not broken and student not in DELETED]


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run an nbgrader command in the course folder, as an instructor would, with no standard input."""
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs alembic from the PATH to make its gradebook
    env = os.environ | {"PATH": bin_dir + os.pathsep + os.environ["PATH"], "JUPYTER_NO_CONFIG": "1"}
    env.pop("TQDM_DISABLE", None)  # a progress bar stays on, as on a learner's machine
    result = subprocess.run(
        [os.path.join(bin_dir, "nbgrader"), *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )
    if check:
        assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def new_course(tmp: Path) -> Path:
    course = tmp / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source", course / "source")
    return course


def submission(course: Path, student: str) -> nbformat.NotebookNode:
    """The source with its solutions, with the student's cells and code slips; a deleted check cell removed."""
    assignment, cells, *_ = SUBMISSIONS[student]
    notebook = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    by_id = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in notebook.cells}
    replacements = list(cells) if isinstance(cells, list) else []
    for grade_id, source in cells.items() if isinstance(cells, dict) else ():
        by_id[grade_id].source = source
    for old, new in replacements + CODE_SLIPS.get(student, []):
        found = [cell for cell in notebook.cells if cell.cell_type == "code" and old in cell.source]
        assert found, f"{student}: {old!r} is not in the solution of {assignment}"
        for cell in found:
            cell.source = cell.source.replace(old, new)
    if student in DELETED:
        notebook.cells.remove(by_id[DELETED[student]])
    return notebook


def hand_in(course: Path, student: str) -> None:
    assignment, *_, how = SUBMISSIONS[student]
    notebook = submission(course, student)
    if how == "zip_collect":  # downloaded from a learning platform, renamed by a browser
        folder = course / "downloaded" / assignment / "archive" / student
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment} (1).ipynb")
    else:
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """README's cycle on every submission. Returns (course, scores {student: {cell: (score, max)}},
    autograde logs {student: text}, seconds {student: autograde time}, export rows)."""
    course = new_course(tmp_path_factory.mktemp("nbgrader"))
    for assignment in ASSIGNMENTS:
        nbgrader(course, "generate_assignment", assignment, "--force")
    for student in SUBMISSIONS:
        hand_in(course, student)
    for assignment in ASSIGNMENTS:
        if (course / "downloaded" / assignment).exists():
            nbgrader(course, "zip_collect", assignment)
    logs, seconds = {}, {}
    for student, (assignment, *_) in SUBMISSIONS.items():
        start = time.monotonic()
        result = nbgrader(course, "autograde", assignment, "--student", student, "--force")
        seconds[student] = time.monotonic() - start
        logs[student] = result.stdout + result.stderr
    for assignment in ASSIGNMENTS:
        nbgrader(course, "generate_feedback", assignment, "--force")
    nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as f:
        exported = list(csv.DictReader(f))
    from nbgrader.api import Gradebook

    scores: dict = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="mnistnn") as gradebook:
        for student, (assignment, *_) in SUBMISSIONS.items():
            notebook = gradebook.find_submission_notebook(assignment, assignment, student)
            scores[student] = {
                grade.name: (grade.auto_score, grade.max_score)
                for grade in notebook.grades
                if grade.auto_score is not None
            }
    for student in SUBMISSIONS:
        print(f"{student}: {seconds[student]:.0f} s, {scores[student]}")
    return course, scores, logs, seconds, exported


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_committed_student_editions_are_what_nbgrader_makes(graded, assignment):
    course = graded[0]  # nbgrader generate_assignment made course/release/ from the committed sources
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


def test_no_check_cell_ends_with_a_value_or_holds_hidden_tests():
    for assignment in ASSIGNMENTS:
        notebook = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                assert "HIDDEN TESTS" not in cell.source, "hidden tests make nbgrader warn of a changed checksum"
                assert "grading.fresh()" in cell.source, "checks come fresh from the package, not from the notebook"


@pytest.mark.parametrize("student", SUBMISSIONS)
def test_each_submission_loses_the_points_of_exactly_the_parts_it_breaks(graded, student):
    course, scores, logs, _, _ = graded
    assignment, _, broken, words, _ = SUBMISSIONS[student]
    cells = scores[student]
    assert sum(maximum for _, maximum in cells.values()) == AUTOGRADED_POINTS[assignment], cells
    failed = {name for name, (score, maximum) in cells.items() if score < maximum}
    assert failed == broken, f"{student}: failed {sorted(failed)}, expected {sorted(broken)}\n{logs[student][-3000:]}"
    feedback = (course / "feedback" / student / assignment / f"{assignment}.html").read_text(encoding="utf-8")
    for text in words:
        assert text in feedback.replace("&#39;", "'"), f"{student}: the feedback does not say {text!r}"


@pytest.mark.parametrize("student", RIGHT)
def test_right_work_gets_every_point_and_an_autograde_log_without_warnings(graded, student):
    _, scores, logs, _, _ = graded
    assert all(score == maximum for score, maximum in scores[student].values()), scores[student]
    warnings = [line for line in logs[student].splitlines() if "warning" in line.lower() or "ERROR" in line]
    assert not warnings, "\n".join(warnings)


def test_a_hanging_function_costs_at_most_a_few_minutes_and_export_has_every_student(graded):
    _, _, _, seconds, exported = graded
    assert seconds["a1_hang"] < 180, seconds
    students = {row["student_id"] for row in exported}
    assert set(SUBMISSIONS) <= students


def test_the_formgrader_lists_the_assignments_from_the_course_folder(graded):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    course = graded[0]
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    assert sorted(a["name"] for a in api.get_assignments()) == ASSIGNMENTS


def test_nbgrader_validate_passes_the_solution_and_prints_a_slip_s_whole_hint(tmp_path):
    course = new_course(tmp_path)
    source = course / "source" / "a1_softmax_regression" / "a1_softmax_regression.ipynb"
    assert "Success! Your notebook passes all the tests." in nbgrader(course, "validate", str(source)).stdout
    nbformat.write(submission(course, "a1_two_slips"), tmp_path / "buggy.ipynb")
    out = nbgrader(course, "validate", str(tmp_path / "buggy.ipynb")).stdout  # exits 0 either way: read it
    assert "VALIDATION FAILED ON 2 CELL(S)!" in out
    assert "Subtract each row's largest score first: np.exp(Z - Z.max(axis=1, keepdims=True))" in out


def test_nbmake_runs_the_sources_and_not_the_student_editions():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(COURSE)],
        cwd=COURSE.parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    collected = [line for line in result.stdout.splitlines() if ".ipynb" in line]
    assert sorted(collected) == sorted(f"notebooks/assignments/source/{a}/{a}.ipynb::{a}.ipynb" for a in ASSIGNMENTS)
