# The two set-up-and-run commands of the README; each creates .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: mnist test docs bench clean

$(VENV)/.installed: pyproject.toml tests/plugins/minitorch-tiny/pyproject.toml backends/numba/pyproject.toml backends/cupy/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,viz,docs]' -e ./backends/numba -e ./backends/cupy ./tests/plugins/minitorch-tiny
	touch $@

mnist: $(VENV)/.installed  ## the main job: train the MNIST CNN and report
	$(PY) examples/mnist_cnn.py --download

test: $(VENV)/.installed  ## lint, every test and doctest (conformance for every backend), then the docs build
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q
	$(MAKE) docs

docs: $(VENV)/.installed  ## the documentation, warnings as errors; the tutorials' code is executed
	$(MAKE) -C docs html doctest PYTHON=$(abspath $(PY))

bench: $(VENV)/.installed
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV)
