"""Make the student edition of an exercise notebook from its solution edition.

The solution notebook holds each answer once, between nbgrader's markers inside a
function body:

    def forward(params, X):
        \"\"\"...\"\"\"
        ### BEGIN SOLUTION
        # hint: Z1, A1 = ReLU(Z1), Z2, probs = softmax of each row; return probs, cache
        ...
        ### END SOLUTION

The student edition replaces every such region by one line at the same indentation,
`raise NotImplementedError("forward: <hint>")`, the hint taken from a `# hint:` comment
right after the opening marker. Outputs, execution counts and the timings of the last
run are cleared; everything else is kept. The output is written the way nbformat
writes notebooks, so the same solution always gives the same bytes.

    python notebooks/exercises/make_student.py           # write two_layer_network.ipynb
    python notebooks/exercises/make_student.py --check   # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from mnistnn.data import write_atomically

HERE = Path(__file__).resolve().parent
SOLUTION = HERE / "two_layer_network_solution.ipynb"
STUDENT = HERE / "two_layer_network.ipynb"

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
HINT = re.compile(r"^\s*# hint:\s*(?P<hint>.*?)\s*$")
DEF = re.compile(r"^\s*def (?P<name>\w+)\(")
DEFAULT_HINT = "write your code here"
MAX_LINE = 120  # the project's line length: the student edition must pass ruff too


def quote(text: str) -> str:
    """A Python string literal for text, in double quotes unless it holds some (as ruff format writes it)."""
    text = text.replace("\\", "\\\\")
    if '"' in text and "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', '\\"') + '"'


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace every BEGIN/END SOLUTION region of one cell's source by a `raise NotImplementedError`."""
    out: list[str] = []
    lines = source.split("\n")
    i = 0
    while i < len(lines):
        begin = BEGIN.match(lines[i])
        if not begin:
            if END.match(lines[i]):
                raise ValueError(f"{where}: '### END SOLUTION' without a '### BEGIN SOLUTION' before it")
            out.append(lines[i])
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if END.match(lines[j])), None)
        if end is None:
            raise ValueError(f"{where}: '### BEGIN SOLUTION' on line {i + 1} has no '### END SOLUTION' after it")
        hint = HINT.match(lines[i + 1]) if i + 1 < end else None
        function = next((m["name"] for line in reversed(out) if (m := DEF.match(line))), None)
        message = (f"{function}: " if function else "") + (hint["hint"] if hint else DEFAULT_HINT)
        line = f"{begin['indent']}raise NotImplementedError({quote(message)})"
        if len(line) > MAX_LINE:
            raise ValueError(f"{where}: the hint makes a line of {len(line)} characters, over {MAX_LINE}: shorten it")
        out.append(line)
        i = end + 1
    return "\n".join(out)


def student_notebook(solution_text: str) -> str:
    """The student edition of a solution notebook, both as the JSON text of the file."""
    notebook = json.loads(solution_text)
    for number, cell in enumerate(notebook["cells"]):
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "code":
            source = strip_solutions(source, f"cell {number} (id {cell.get('id', '?')})")
            cell["outputs"], cell["execution_count"] = [], None
            cell["metadata"] = {key: value for key, value in cell["metadata"].items() if key != "execution"}
        cell["source"] = source.splitlines(keepends=True)
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False, separators=(",", ": ")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make the student edition of the exercise notebook.")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if the student edition differs")
    parser.add_argument("--solution", type=Path, default=SOLUTION, help="the solution notebook to read")
    parser.add_argument("--output", type=Path, default=STUDENT, help="the student notebook to write or check")
    args = parser.parse_args(argv)
    text = student_notebook(args.solution.read_text(encoding="utf-8"))
    if args.check:
        if not args.output.exists() or args.output.read_text(encoding="utf-8") != text:
            print(f"{args.output} is out of date: run python notebooks/exercises/make_student.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    write_atomically(args.output, lambda f: f.write(text.encode("utf-8")))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
