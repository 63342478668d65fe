"""The exercise notebooks: the student edition is generated from the solution, and run untouched it
stops at the first function the learner has to write."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

EXERCISES = Path(__file__).resolve().parent.parent / "notebooks" / "exercises"
SOLUTION = EXERCISES / "two_layer_network_solution.ipynb"
STUDENT = EXERCISES / "two_layer_network.ipynb"

spec = importlib.util.spec_from_file_location("make_student", EXERCISES / "make_student.py")
make_student = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_student)


def test_the_committed_student_notebook_is_what_the_generator_makes():
    expected = make_student.student_notebook(SOLUTION.read_text(encoding="utf-8"))
    assert STUDENT.read_text(encoding="utf-8") == expected, "run: python notebooks/exercises/make_student.py"
    assert make_student.main(["--check"]) == 0


def test_the_student_notebook_has_no_solution_and_no_outputs():
    notebook = nbformat.read(STUDENT, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    source = "\n".join(cell.source for cell in code)
    assert "SOLUTION" not in source and "np.maximum" not in source
    assert re.findall(r"NotImplementedError\([\"'](\w+):", source) == ["forward", "backward", "update"]
    assert all(
        cell.outputs == [] and cell.execution_count is None and "execution" not in cell.metadata for cell in code
    )
    assert nbformat.writes(notebook) + "\n" == STUDENT.read_text(encoding="utf-8")  # written as nbformat writes


def test_the_solution_notebook_holds_one_clean_run():
    notebook = nbformat.read(SOLUTION, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert not any(output.output_type == "error" for cell in code for output in cell.outputs)


def solution_notebook(tmp_path, source: str) -> Path:
    cell = {"cell_type": "code", "execution_count": 3, "id": "c001", "metadata": {"execution": {"a": 1}, "tag": 1}}
    cell |= {"outputs": [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}], "source": source}
    notebook = {"cells": [cell], "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "solution.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def test_the_generator_keeps_indentation_takes_the_hint_and_clears_the_run(tmp_path):
    source = (
        "def f(x):\n"
        '    """Doc."""\n'
        "    if x:\n"
        "        ### BEGIN SOLUTION\n"
        "        # hint: return 2 x\n"
        "        return 2 * x\n"
        "        ### END SOLUTION\n"
        "    ### BEGIN SOLUTION\n"
        "    return 0\n"
        "    ### END SOLUTION\n"
        "\n"
        "f(1)"
    )
    text = make_student.student_notebook(solution_notebook(tmp_path, source).read_text(encoding="utf-8"))
    cell = json.loads(text)["cells"][0]
    assert "".join(cell["source"]) == (
        'def f(x):\n    """Doc."""\n    if x:\n'
        '        raise NotImplementedError("f: return 2 x")\n'
        '    raise NotImplementedError("f: write your code here")\n'
        "\nf(1)"
    )
    assert cell["outputs"] == [] and cell["execution_count"] is None and cell["metadata"] == {"tag": 1}
    assert text.endswith("}\n") and text == make_student.student_notebook(text)


def test_the_generator_refuses_an_unclosed_region_and_check_fails_when_out_of_date(tmp_path):
    with pytest.raises(ValueError, match="no '### END SOLUTION'"):
        make_student.strip_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n")
    solution = solution_notebook(tmp_path, "x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION")
    output = tmp_path / "student.ipynb"
    assert make_student.main(["--check", "--solution", str(solution), "--output", str(output)]) == 1  # missing
    assert make_student.main(["--solution", str(solution), "--output", str(output)]) == 0
    assert make_student.main(["--check", "--solution", str(solution), "--output", str(output)]) == 0
    output.write_text(output.read_text(encoding="utf-8").replace("x = 1", "x = 3"), encoding="utf-8")
    assert make_student.main(["--check", "--solution", str(solution), "--output", str(output)]) == 1


def test_the_untouched_student_notebook_stops_first_at_forward():
    notebook = nbformat.read(STUDENT, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": EXERCISES}})
    with pytest.raises(CellExecutionError) as info:
        client.execute()
    assert info.value.ename == "NotImplementedError"
    assert info.value.evalue.startswith("forward: ")
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    first_call = next(
        i for i, cell in enumerate(code) if "forward(" in cell.source and "def forward" not in cell.source
    )
    failed = [i for i, cell in enumerate(code) if any(output.output_type == "error" for output in cell.outputs)]
    assert failed == [first_call]
    assert [cell.execution_count for cell in code[: first_call + 1]] == list(range(1, first_call + 2))
    assert all(cell.execution_count is None for cell in code[first_call + 1 :])


def test_nbmake_collects_the_solution_notebook_and_not_the_student_one():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(EXERCISES)],
        cwd=EXERCISES.parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "two_layer_network_solution.ipynb" in result.stdout
    assert "two_layer_network.ipynb" not in result.stdout
