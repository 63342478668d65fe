# Two commands: `make run` and `make test`. Both create .venv and install what is needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

.PHONY: setup data test run lab slides book assignments lint bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

# The website's packages (Sphinx, MyST-NB, the book theme), for `make book` and its tests
BOOK_STAMP := $(VENV)/.installed-book
$(BOOK_STAMP): requirements-book.txt $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-book.txt
	touch $(BOOK_STAMP)

data: setup  ## get, verify and cache MNIST in data/
	$(PY) -m mnistnn data

test: data $(BOOK_STAMP)  ## unit tests and every notebook (nbmake), lint, the website in a browser
	$(PY) -m ruff check .
	$(PY) -m pytest

run: data  ## execute the lessons and the assignments' solutions in place, refresh results/, README and the student editions
	MNISTNN_SAVE_RESULTS=1 TQDM_DISABLE=1 $(PY) -m jupyter nbconvert --to notebook --execute --inplace $(NOTEBOOKS)
	for a in $(ASSIGNMENTS); do (cd notebooks/assignments/source/$$a && TQDM_DISABLE=1 $(CURDIR)/$(PY) -m jupyter nbconvert \
	  --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $$a.ipynb) || exit 1; done
	$(MAKE) assignments
	$(PY) -m mnistnn report

lab: setup
	$(PY) -m jupyter lab

book: $(BOOK_STAMP)  ## the course's website in book/_build/html from the notebooks as committed (nothing runs); warnings fail it
	@start=$$(date +%s%N); $(PY) -m sphinx -b html -W --keep-going -q -c book -d book/_build/doctrees . book/_build/html && \
	  echo "book/_build/html/index.html: $$(du -sh book/_build/html | cut -f1), built in $$(( ($$(date +%s%N) - start) / 1000000 )) ms"

slides: setup  ## one reveal.js deck per notebook in results/slides/, its libraries in results/slides/vendor/ (works offline)
	$(PY) notebooks/slides/build.py --out results/slides $(NOTEBOOKS)

ASSIGNMENTS := a1_softmax_regression a2_two_layer_network a3_training_well
# nbgrader runs alembic (for its gradebook) from the PATH, hence the venv's bin first
NBGRADER := cd notebooks/assignments && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CURDIR)/$(VENV)/bin/nbgrader

assignments: setup  ## the student editions in notebooks/assignments/release/, made by nbgrader from source/
	for a in $(ASSIGNMENTS); do ($(NBGRADER) generate_assignment $$a --force) || exit 1; done

formgrader: setup  ## JupyterLab in the course folder, where its Formgrader finds nbgrader_config.py and the assignments
	cd notebooks/assignments && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CURDIR)/$(PY) -m jupyter lab

bench: data  ## training speed: mnistnn against scikit-learn, side by side
	$(PY) -m benchmarks.train_speed

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache book/_build
