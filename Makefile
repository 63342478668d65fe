# Two commands: `make run` and `make test`. Both create .venv and install what is needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

.PHONY: setup data test run lab slides student lint bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

data: setup  ## get, verify and cache MNIST in data/
	$(PY) -m mnistnn data

test: data  ## unit tests and every notebook (nbmake), lint
	$(PY) -m ruff check .
	$(PY) -m pytest

run: data  ## execute the notebooks in place, refresh results/ and the README results table
	MNISTNN_SAVE_RESULTS=1 TQDM_DISABLE=1 $(PY) -m jupyter nbconvert --to notebook --execute --inplace $(NOTEBOOKS)
	$(PY) -m mnistnn report

lab: setup
	$(PY) -m jupyter lab

slides: setup  ## one reveal.js deck per notebook in results/slides/, its libraries in results/slides/vendor/ (works offline)
	$(PY) notebooks/slides/build.py --out results/slides $(NOTEBOOKS)

student:  ## the student edition of the exercise notebook, generated from its solution
	$(PY) notebooks/exercises/make_student.py

bench: data  ## training speed: mnistnn against scikit-learn, side by side
	$(PY) -m benchmarks.train_speed

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
