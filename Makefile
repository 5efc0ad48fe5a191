# The two set-up-and-run commands of the README; each creates .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: mnist test lint bench clean

$(VENV)/.installed: pyproject.toml tests/plugins/minitorch-tiny/pyproject.toml backends/numba/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,viz]' -e ./backends/numba ./tests/plugins/minitorch-tiny
	touch $@

mnist: $(VENV)/.installed  ## the main job: train the MNIST CNN and report
	$(PY) examples/mnist_cnn.py --download

test: $(VENV)/.installed  ## every test, doctest and the lint check (the conformance suite runs for every backend)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV)
