"""Collect the results the notebooks wrote into one table, and put it in README.md.

`python -m mnistnn report` (run by `make run` after the notebooks) reads the CSV files in
results/, writes results/metrics.csv with every model's test accuracy, replaces the table
between the `results` markers in README.md, and prints a short summary. The README's
numbers therefore always come from the last run, never from typing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .checks import fail
from .data import write_atomically
from .plots import RESULTS_DIR_ENV, results_path

SOURCES = {  # file in results/ -> the notebook that writes it
    "baselines.csv": "02 scikit-learn",
    "from_scratch.csv": "03 network and backprop",
    "training_well.csv": "04 training well",
    "experiments.csv": "06 experiments and best model",
}
COLUMNS = ["model", "test_accuracy", "fit_seconds"]
README = Path(__file__).resolve().parent.parent / "README.md"


def own_results() -> bool:
    """True when the results are the repository's own results/, the only ones README.md may show."""
    return not os.environ.get(RESULTS_DIR_ENV)


def read_results(path: Path, notebook: str) -> pd.DataFrame:
    """One notebook's results table; a file that cannot be used is named, with the notebook to re-run."""
    fix = f"Run the notebook {notebook} again (make run)."
    try:
        df = pd.read_csv(path, keep_default_na=False)  # an empty or "n/a" cell is reported, not read as NaN
    except (ValueError, OSError) as e:  # an empty or malformed file
        fail(str(path), "a CSV table of results", f"one that could not be read ({e})", fix)
    missing = [column for column in COLUMNS if column not in df.columns]
    if missing:
        fail(str(path), f"the columns {COLUMNS}", f"{list(df.columns)} (missing {missing})", fix)
    for column in COLUMNS[1:]:
        values = pd.to_numeric(df[column], errors="coerce")
        if values.isna().any():
            fail(str(path), f"numbers in {column}", repr(df[column][values.isna()].iloc[0]), fix)
        df[column] = values
    wrong = df["test_accuracy"][~df["test_accuracy"].between(0, 1)]
    if len(wrong):
        fail(
            str(path), "test accuracies from 0 to 1", f"{wrong.iloc[0]:g}", "Accuracies are fractions: 0.978, not 97.8."
        )
    return df.assign(notebook=notebook)


def collect() -> pd.DataFrame:
    """Every model's test accuracy from the result files that exist, best first."""
    frames = []
    for name, notebook in SOURCES.items():
        if results_path(name).exists():
            df = read_results(results_path(name), notebook)
            frames.append(df[["model", "notebook", "test_accuracy", "fit_seconds"]])
    if not frames:
        where, files = str(results_path("")), ", ".join(SOURCES)
        fail(
            where,
            f"the results of the notebooks ({files})",
            "none",
            "Run the notebooks first (make run).",
            FileNotFoundError,
        )
    return pd.concat(frames).sort_values("test_accuracy", ascending=False).reset_index(drop=True)


def markdown_table(metrics: pd.DataFrame) -> str:
    lines = ["| model | notebook | test accuracy | training time (s) |", "|---|---|---:|---:|"]
    for row in metrics.itertuples():
        lines.append(f"| {row.model} | {row.notebook} | {row.test_accuracy:.2%} | {row.fit_seconds:.1f} |")
    return "\n".join(lines)


def update_readme(table: str, section: str = "results", readme: Path | None = None) -> bool:
    """Replace the text between `<!-- section:start -->` and `<!-- section:end -->`.

    `readme` defaults to the repository's README.md, which is changed only when the
    results are the repository's own (MNISTNN_RESULTS_DIR unset). Returns False,
    changing nothing, then, or if the file has no such markers.
    """
    if readme is None:
        if not own_results():
            return False
        readme = README
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    text = readme.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{table}\n{end}{tail}"
    write_atomically(readme, lambda f: f.write(new.encode("utf-8")))
    return True


def main() -> None:
    metrics = collect()
    path = results_path("metrics.csv")
    csv = metrics.to_csv(index=False, float_format="%.4f")
    write_atomically(path, lambda f: f.write(csv.encode("utf-8")))
    table = markdown_table(metrics)
    print(table)
    if not own_results():
        print(f"\nWrote {path}; {README.name} left alone, since {RESULTS_DIR_ENV} points to other results.")
    elif update_readme(table):
        print(f"\nUpdated the results table in {README.name}.")
    else:
        print(f"\n{README.name} has no <!-- results:start --> and <!-- results:end --> markers: table not written.")


if __name__ == "__main__":
    main()
