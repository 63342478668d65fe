"""Collect the results the notebooks wrote into one table, and put it in README.md.

`python -m mnistnn report` (run by `make run` after the notebooks) reads the CSV files in
results/, writes results/metrics.csv with every model's test accuracy, replaces the table
between the `results` markers in README.md, and prints a short summary. The README's
numbers therefore always come from the last run, never from typing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .plots import results_path

SOURCES = {  # file in results/ -> the notebook that writes it
    "baselines.csv": "02 scikit-learn",
    "from_scratch.csv": "03 from scratch",
    "experiments.csv": "04 experiments",
}
README = Path(__file__).resolve().parent.parent / "README.md"


def collect() -> pd.DataFrame:
    """Every model's test accuracy from the result files that exist, best first."""
    frames = []
    for name, notebook in SOURCES.items():
        if results_path(name).exists():
            df = pd.read_csv(results_path(name))
            frames.append(df.assign(notebook=notebook)[["model", "notebook", "test_accuracy", "fit_seconds"]])
    if not frames:
        raise FileNotFoundError(f"no results in {results_path('')}: run the notebooks first (make run)")
    return pd.concat(frames).sort_values("test_accuracy", ascending=False).reset_index(drop=True)


def markdown_table(metrics: pd.DataFrame) -> str:
    lines = ["| model | notebook | test accuracy | training time (s) |", "|---|---|---:|---:|"]
    for row in metrics.itertuples():
        lines.append(f"| {row.model} | {row.notebook} | {row.test_accuracy:.2%} | {row.fit_seconds:.1f} |")
    return "\n".join(lines)


def update_readme(table: str, section: str = "results", readme: Path = README) -> bool:
    """Replace the text between `<!-- section:start -->` and `<!-- section:end -->`.

    Returns False, changing nothing, if README.md has no such markers.
    """
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    text = readme.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")
    return True


def main() -> None:
    metrics = collect()
    metrics.to_csv(results_path("metrics.csv"), index=False, float_format="%.4f")
    table = markdown_table(metrics)
    print(table)
    if update_readme(table):
        print(f"\nUpdated the results table in {README.name}.")


if __name__ == "__main__":
    main()
